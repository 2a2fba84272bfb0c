"""Truth tests of the offline tokenizer: tiktoken's own counts, OpenAI's framing, live drafts."""

from __future__ import annotations

import ast
import hashlib
import inspect
import socket
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiktoken_ext import openai_public

from tui_chat.core import bundled_encodings, tokens
from tui_chat.core.bundled_encodings import (
    BundledEncodingError,
    bundled_vocabulary_bytes,
    load_bundled_bpe,
    load_encoding,
    offline_encoding_parameters,
)
from tui_chat.core.draft_segments import DraftSegments, is_safe_cut, next_safe_cut
from tui_chat.core.models import Usage
from tui_chat.core.tokens import (
    DraftCounter,
    TokenCount,
    count_messages,
    count_text,
    encoding_name_for,
    estimate_usage,
)

ENCODINGS = ("o200k_base", "cl100k_base")
MODEL_OF_ENCODING = {"o200k_base": "gpt-4o", "cl100k_base": "gpt-4"}


class NetworkBlocked(RuntimeError):
    """Raised by any attempt to open a network connection during a test."""


def _refuse_network(*args: object, **kwargs: object) -> None:
    raise NetworkBlocked("network access attempted")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every socket connection and name lookup fail."""
    monkeypatch.setattr(socket.socket, "connect", _refuse_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse_network)
    monkeypatch.setattr(socket, "create_connection", _refuse_network)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse_network)


@pytest.fixture
def empty_tiktoken_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point tiktoken at an empty cache and forget the encodings loaded so far."""
    cache_dir = tmp_path / "tiktoken-cache"
    cache_dir.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache_dir))
    monkeypatch.setattr(bundled_encodings, "_loaded", {})
    return cache_dir


def _constructor_vocabulary(name: str) -> tuple[str, str]:
    """The vocabulary URL and sha256 written in tiktoken_ext's constructor, read from its source."""
    tree = ast.parse(inspect.getsource(openai_public.ENCODING_CONSTRUCTORS[name]))
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "load_tiktoken_bpe":
            url = ast.literal_eval(call.args[0])
            expected = next(k.value for k in call.keywords if k.arg == "expected_hash")
            return url, ast.literal_eval(expected)
    raise AssertionError(f"no load_tiktoken_bpe call in {name}")


@pytest.fixture(scope="module")
def reference_encodings(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tiktoken.Encoding]]:
    """The encodings built by tiktoken's own loader, its cache seeded with the bundled files."""
    cache_dir = tmp_path_factory.mktemp("seeded-tiktoken-cache")
    for name in ENCODINGS:
        url, _ = _constructor_vocabulary(name)
        cache_key = hashlib.sha1(url.encode()).hexdigest()
        (cache_dir / cache_key).write_bytes(bundled_vocabulary_bytes(url.rsplit("/", 1)[-1]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(cache_dir))
        patch.setattr(socket, "getaddrinfo", _refuse_network)
        yield {name: tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]()) for name in ENCODINGS}


def _cookbook_count(encoding: tiktoken.Encoding, messages: Sequence[Mapping[str, str]]) -> int:
    """OpenAI cookbook's num_tokens_from_messages for the 3-per-message, 1-per-name models."""
    total = 0
    for message in messages:
        total += 3
        for key, value in message.items():
            total += len(encoding.encode(value))
            if key == "name":
                total += 1
    return total + 3


@pytest.mark.usefixtures("no_network")
def test_counts_with_no_network_and_an_empty_tiktoken_cache(empty_tiktoken_cache: Path) -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("openaipublic.blob.core.windows.net", 443))
    assert count_text("gpt-4o", "Hello, world!") == TokenCount(4, exact=True)
    assert count_text("gpt-4", "Hello, world!") == TokenCount(4, exact=True)
    assert set(bundled_encodings._loaded) == set(ENCODINGS)
    assert list(empty_tiktoken_cache.iterdir()) == []


@pytest.mark.parametrize("name", ENCODINGS)
def test_bundled_vocabulary_has_the_hash_tiktoken_publishes(name: str) -> None:
    url, expected_hash = _constructor_vocabulary(name)
    contents = bundled_vocabulary_bytes(url.rsplit("/", 1)[-1])
    assert hashlib.sha256(contents).hexdigest() == expected_hash


def test_a_vocabulary_with_the_wrong_hash_is_refused() -> None:
    url, _ = _constructor_vocabulary("cl100k_base")
    with pytest.raises(BundledEncodingError, match="sha256"):
        load_bundled_bpe(url, expected_hash="0" * 64)


def test_an_encoding_without_a_bundled_vocabulary_is_refused() -> None:
    with pytest.raises(BundledEncodingError):
        offline_encoding_parameters("p50k_base")


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("name", ENCODINGS)
def test_offline_encoding_is_the_one_tiktoken_builds(
    name: str, reference_encodings: dict[str, tiktoken.Encoding]
) -> None:
    reference = reference_encodings[name]
    offline = load_encoding(name)
    assert offline.name == reference.name
    assert offline._pat_str == reference._pat_str
    assert offline._special_tokens == reference._special_tokens
    assert offline._mergeable_ranks == reference._mergeable_ranks


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("openai/gpt-4o-mini:online", "o200k_base"),
        ("GPT-4o", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-nano-2025-04-14", "o200k_base"),
        ("gpt-4.5", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("gpt-5.1", "o200k_base"),
        ("o1", "o200k_base"),
        ("o1-mini", "o200k_base"),
        ("o3-mini-2025-01-31", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("openai/o3", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("openai/gpt-3.5-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("demo", None),
        ("llama3.1:8b", None),
        ("meta-llama/llama-3.3-70b-instruct", None),
        ("claude-sonnet-4", None),
        ("gpt-oss-20b", None),
        ("davinci", None),
        ("o1x", None),
    ],
)
def test_each_model_gets_its_own_encoding(model: str, expected: str | None) -> None:
    assert encoding_name_for(model) == expected


def test_unknown_model_is_counted_with_o200k_and_marked_estimated() -> None:
    text = "Bonjour, comment ça va ? 你好"
    counted = count_text("llama3.1:8b", text)
    assert counted == TokenCount(len(load_encoding("o200k_base").encode(text)), exact=False)
    assert counted.label().startswith("≈")
    assert count_messages("demo", [{"role": "user", "content": text}]).exact is False


def test_labels_use_thousands_separators_and_mark_estimates() -> None:
    assert TokenCount(1234, exact=True).label() == "1,234"
    assert str(TokenCount(1234, exact=False)) == "≈1,234"
    assert str(TokenCount(7, exact=True)) == "7"


def test_special_token_text_is_counted_as_ordinary_text() -> None:
    assert count_text("gpt-4o", "<|endoftext|>").tokens > 1


COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate "
        "jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities "
        "for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]


@pytest.mark.parametrize(
    ("model", "api_prompt_tokens"),
    [("gpt-4", 129), ("gpt-3.5-turbo", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124)],
)
def test_matches_prompt_tokens_the_openai_api_reported(model: str, api_prompt_tokens: int) -> None:
    """The figures the cookbook "How to count tokens with tiktoken" got back from the API."""
    assert count_messages(model, COOKBOOK_MESSAGES) == TokenCount(api_prompt_tokens, exact=True)


CODE_SNIPPET = (
    "def fib(n: int) -> int:\n"
    '    """Fibonacci."""\n'
    "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n"
    '\tprint({"k": [1, 2, 3]})  # done\r\n'
)

CONVERSATIONS = {
    "plain": [{"role": "user", "content": "What is the capital of France?"}],
    "system prompt": [
        {"role": "system", "content": "You are terse. Answer in one word."},
        {"role": "user", "content": "Capital of Japan?"},
    ],
    "unicode": [
        {"role": "user", "content": "Ünïcödé façade naïve — “quotes” … ½ ∑∫ √2 ≠ 3"},
        {"role": "assistant", "content": "😀🎉👩‍👩‍👧‍👦 🇫🇷 emoji ZWJ sequences and flags"},
        {"role": "user", "content": "日本語のテキスト、中文文本，한국어 텍스트, العربية, עברית, हिन्दी"},
    ],
    "code": [
        {"role": "user", "content": CODE_SNIPPET},
        {"role": "assistant", "content": "```python\n" + CODE_SNIPPET + "```"},
    ],
    "with name": [
        {"role": "system", "content": "Group chat."},
        {"role": "user", "name": "alice", "content": "Hi Bob!"},
        {"role": "user", "name": "bob_the_builder", "content": "Hello Alice, can we fix it?"},
    ],
    "many turns": [
        {
            "role": "user" if turn % 2 == 0 else "assistant",
            "content": f"Turn {turn}: " + "lorem ipsum " * turn,
        }
        for turn in range(60)
    ],
    "empty and whitespace": [
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "   \n\n\t  "},
    ],
}


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("conversation", CONVERSATIONS.values(), ids=list(CONVERSATIONS))
def test_count_messages_is_tiktoken_plus_the_documented_framing(
    name: str, conversation: list[dict[str, str]], reference_encodings: dict[str, tiktoken.Encoding]
) -> None:
    expected = _cookbook_count(reference_encodings[name], conversation)
    assert count_messages(MODEL_OF_ENCODING[name], conversation) == TokenCount(expected, exact=True)


def test_estimated_usage_counts_prompt_and_completion() -> None:
    prompt = CONVERSATIONS["system prompt"]
    usage = estimate_usage("gpt-4o", prompt, "Tokyo.")
    assert usage == Usage(
        input_tokens=count_messages("gpt-4o", prompt).tokens,
        output_tokens=len(load_encoding("o200k_base").encode("Tokyo.")),
        estimated=True,
    )


TRICKY_PIECES = [
    "a",
    "Z",
    "it",
    "'s",
    "'T",
    "é",
    "ß",
    "中",
    "文",
    "ا",
    "1",
    "42",
    "2024",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\t",
    "/",
    "//",
    ".",
    ",",
    "!?",
    "'",
    "-",
    "_",
    "#",
    "(",
    ")",
    "{",
    "😀",
    "\u0301",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\x1c",
    "\u200b",
    "<|endoftext|>",
    "word",
    "Word",
    "WORD",
    "x/y",
    "，",
    "。",
    "、",
    "！",
    "？",
    "：",
    "；",
    "「",
    "Ω",
    "ǅ",
    "ʰ",
    "٣",
    "½",
    "Ⅻ",
]
tricky_text = st.one_of(
    st.lists(st.sampled_from(TRICKY_PIECES), max_size=60).map("".join),
    st.text(max_size=80),
)


@settings(max_examples=400, deadline=None)
@given(text=tricky_text)
@pytest.mark.parametrize("name", ENCODINGS)
def test_a_safe_cut_splits_the_count_exactly(name: str, text: str) -> None:
    encoding = load_encoding(name)
    whole = len(encoding.encode_ordinary(text))
    for position in range(len(text) + 1):
        if is_safe_cut(text, position):
            head = encoding.encode_ordinary(text[:position])
            tail = encoding.encode_ordinary(text[position:])
            assert len(head) + len(tail) == whole, (text, position)


def test_safe_cuts_are_found_after_newlines_and_before_spaces_and_cjk_punctuation() -> None:
    text = "line one\nline two /x\n/not\n  indented"
    assert next_safe_cut(text, 0) == 4
    assert next_safe_cut(text, 5) == 9
    assert not is_safe_cut(text, text.index("/not"))
    assert not is_safe_cut(text, text.index("  indented"))
    assert next_safe_cut("no-cuts-here", 0) is None
    assert next_safe_cut("中文，文本。好", 0) == 2
    assert next_safe_cut("中文，文本。好", 3) == 5
    assert next_safe_cut("中文，文本", 3) is None


edits = st.lists(
    st.one_of(
        st.tuples(st.just("append"), tricky_text),
        st.tuples(st.just("delete"), st.integers(1, 10)),
        st.tuples(st.just("insert"), st.integers(0, 10_000), tricky_text),
        st.tuples(st.just("replace"), st.integers(0, 10_000), st.integers(0, 20), tricky_text),
    ),
    max_size=25,
)


def _apply(text: str, edit: tuple) -> str:
    """A draft after one edit; positions wrap around the draft's length."""
    kind, *arguments = edit
    if kind == "append":
        return text + arguments[0]
    if kind == "delete":
        return text[: max(0, len(text) - arguments[0])]
    position = arguments[0] % (len(text) + 1)
    if kind == "insert":
        return text[:position] + arguments[1] + text[position:]
    return text[:position] + arguments[2] + text[position + arguments[1] :]


@settings(max_examples=300, deadline=None)
@given(edits=edits, spacing=st.integers(1, 40))
@pytest.mark.parametrize("name", ENCODINGS)
def test_draft_segments_equal_a_full_count_after_every_edit(name: str, edits: list, spacing: int) -> None:
    encoding = load_encoding(name)
    segments = DraftSegments(lambda text: len(encoding.encode_ordinary(text)), spacing=spacing)
    draft = ""
    for edit in edits:
        draft = _apply(draft, edit)
        assert segments.count(draft) == len(encoding.encode_ordinary(draft)), draft


messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant"]), "content": tricky_text},
        optional={"name": st.sampled_from(["alice", "bob_2"])},
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=messages, more_history=messages, edits=edits)
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-3.5-turbo", "demo"])
def test_draft_counter_equals_a_full_recount(
    model: str, history: list[dict[str, str]], more_history: list[dict[str, str]], edits: list
) -> None:
    counter = DraftCounter(model)
    counter.set_history(history)
    draft = ""
    for step, edit in enumerate(edits):
        if step == len(edits) // 2:
            history = history + more_history
            counter.set_history(history)
        draft = _apply(draft, edit)
        expected = count_messages(model, [*history, {"role": "user", "content": draft}])
        assert counter.count(draft) == expected


def test_draft_counter_follows_a_model_change() -> None:
    history = CONVERSATIONS["unicode"]
    counter = DraftCounter("gpt-4o")
    counter.set_history(history)
    counter.count("draft text")
    counter.set_model("gpt-4")
    assert counter.count("draft text") == count_messages("gpt-4", [*history, {"role": "user", "content": "draft text"}])
    assert counter.history_tokens == count_messages("gpt-4", history).tokens - 3


def _long_conversation() -> list[dict[str, str]]:
    """200 messages of varied prose."""
    return [
        {
            "role": "user" if turn % 2 == 0 else "assistant",
            "content": f"Message {turn}. " + "The quick brown fox jumps. " * (turn % 7 + 1),
        }
        for turn in range(200)
    ]


def _long_draft() -> str:
    """A draft of several thousand tokens in paragraphs."""
    paragraph = "Some paragraph text with words, numbers like 12345, and code `x = y / 2`.\n"
    return "".join(f"{index}: {paragraph}" for index in range(300))


@pytest.fixture
def encode_spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the o200k encoding is asked to encode."""
    encoding = load_encoding("o200k_base")
    real_encode = encoding.encode_ordinary
    encoded: list[str] = []

    def spy(text: str) -> list[int]:
        encoded.append(text)
        return real_encode(text)

    monkeypatch.setattr(encoding, "encode_ordinary", spy)
    return encoded


def test_a_keystroke_encodes_only_the_end_of_the_draft(encode_spy: list[str]) -> None:
    history = _long_conversation()
    draft = _long_draft()
    counter = DraftCounter("gpt-4o")
    counter.set_history(history)
    counter.count(draft)
    encode_spy.clear()

    typed = draft + "x"
    result = counter.count(typed)
    encoded_for_keystroke = list(encode_spy)

    assert result == count_messages("gpt-4o", [*history, {"role": "user", "content": typed}])
    assert 0 < len(encoded_for_keystroke) <= 2
    assert all(text in typed[-2 * 1024 :] for text in encoded_for_keystroke)
    assert sum(map(len, encoded_for_keystroke)) < 2 * 1024 < len(draft)


def test_a_new_message_in_the_history_is_the_only_one_encoded(encode_spy: list[str]) -> None:
    history = _long_conversation()
    counter = DraftCounter("gpt-4o")
    counter.set_history(history)
    encode_spy.clear()

    reply = {"role": "assistant", "content": "A brand new reply."}
    counter.set_history([*history, reply])
    encoded_for_history = list(encode_spy)

    assert encoded_for_history == ["assistant", "A brand new reply."]
    assert counter.history_tokens == count_messages("gpt-4o", [*history, reply]).tokens - 3


def test_preload_makes_the_encoding_ready(empty_tiktoken_cache: Path) -> None:
    tokens.preload("gpt-4-turbo")
    assert set(bundled_encodings._loaded) == {"cl100k_base"}
