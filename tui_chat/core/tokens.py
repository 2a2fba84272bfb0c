"""Token counts for prompts and drafts, computed offline with tiktoken.

OpenAI models are counted exactly with their own encoding (``o200k_base`` for the gpt-4o,
gpt-4.1, gpt-4.5, gpt-5 and o-series families, ``cl100k_base`` for gpt-4, gpt-3.5-turbo and
the embedding models).  Any other model (local models, other vendors, the demo) is counted
with ``o200k_base`` as a proxy and flagged as estimated: the other vendors' current tokenizers
are byte-level BPE vocabularies of similar size, so a real BPE count follows them much more
closely than a characters-divided-by-4 rule, which undercounts CJK text (roughly one token
per character) and symbol-heavy code several-fold.

Chat messages are counted with the formula of the OpenAI cookbook "How to count tokens with
tiktoken" (``num_tokens_from_messages``): every message costs 3 framing tokens plus the tokens
of its role, content and name, a name costs 1 more token, and the reply is primed with 3
tokens.  The cookbook checks it against the ``prompt_tokens`` the API returned for
gpt-3.5-turbo-0125, gpt-4-0314, gpt-4-0613 (and their 32k variants), gpt-4o-2024-08-06 and
gpt-4o-mini-2024-07-18 (129 and 124 tokens for its example conversation; gpt-3.5-turbo-0301
used 4 per message and is retired).  For gpt-4.1, gpt-4.5, gpt-5 and the o-series it is the
same chat framing, not verified by the cookbook, so treat those counts as close estimates.
Image parts are counted by OpenAI's tile rule (core/image_tokens.py); tool definitions are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import tiktoken
from tiktoken.model import encoding_name_for_model

from tui_chat.core.bundled_encodings import SUPPORTED_ENCODINGS, load_encoding
from tui_chat.core.draft_segments import DraftSegments
from tui_chat.core.image_tokens import image_part_tokens
from tui_chat.core.models import Usage

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3
PROXY_ENCODING = "o200k_base"

_COUNTED_KEYS = ("role", "content", "name")
_O200K_FAMILIES = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4")
_CL100K_FAMILIES = ("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada")


@dataclass(frozen=True)
class TokenCount:
    """A number of tokens, exact when the model's own tokenizer produced it."""

    tokens: int
    exact: bool

    def label(self) -> str:
        """The count with thousands separators, prefixed by "≈" when estimated."""
        return f"{self.tokens:,}" if self.exact else f"≈{self.tokens:,}"

    def __str__(self) -> str:
        return self.label()


def _belongs_to(name: str, family: str) -> bool:
    """Whether a model name is the family itself or one of its variants or snapshots."""
    return name == family or (name.startswith(family) and name[len(family)] in "-.:@")


def encoding_name_for(model: str) -> str | None:
    """The bundled tiktoken encoding of a model, or None when its tokenizer is unknown."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    try:
        found = encoding_name_for_model(name)
    except KeyError:
        found = None
    if found in SUPPORTED_ENCODINGS:
        return found
    if found is not None:
        return None
    if any(_belongs_to(name, family) for family in _O200K_FAMILIES):
        return "o200k_base"
    if any(_belongs_to(name, family) for family in _CL100K_FAMILIES):
        return "cl100k_base"
    return None


def _encoding_for(model: str) -> tuple[tiktoken.Encoding, bool]:
    """The encoding used to count a model's tokens and whether the count is exact."""
    name = encoding_name_for(model)
    return load_encoding(name or PROXY_ENCODING), name is not None


def preload(model: str) -> None:
    """Load the encoding a model needs so that the first count is fast."""
    _encoding_for(model)


def _text_tokens(encoding: tiktoken.Encoding, text: str) -> int:
    """The number of tokens of plain text, special-token markers counted as ordinary text."""
    return len(encoding.encode_ordinary(text)) if text else 0


def _parts_tokens(encoding: tiktoken.Encoding, parts: list[Any]) -> int:
    """The tokens of a list of content parts: text by the tokenizer, images by the tile rule."""
    total = 0
    for part in parts:
        if isinstance(part, Mapping) and part.get("type") == "image_url":
            total += image_part_tokens(part)
        elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
            total += _text_tokens(encoding, part["text"])
    return total


def _message_tokens(encoding: tiktoken.Encoding, message: Mapping[str, Any]) -> int:
    """The tokens one chat message adds to a prompt, framing included."""
    tokens = TOKENS_PER_MESSAGE
    for key in _COUNTED_KEYS:
        value = message.get(key)
        if isinstance(value, list):
            tokens += _parts_tokens(encoding, value)
        elif value is not None:
            tokens += _text_tokens(encoding, value)
            if key == "name":
                tokens += TOKENS_PER_NAME
    return tokens


def count_text(model: str, text: str) -> TokenCount:
    """The number of tokens of a text for a model."""
    encoding, exact = _encoding_for(model)
    return TokenCount(_text_tokens(encoding, text), exact)


def count_messages(model: str, messages: Sequence[Mapping[str, Any]]) -> TokenCount:
    """The prompt tokens of a chat request, as OpenAI reports them in ``prompt_tokens``."""
    encoding, exact = _encoding_for(model)
    tokens = sum(_message_tokens(encoding, message) for message in messages)
    return TokenCount(tokens + REPLY_PRIMING_TOKENS, exact)


def estimate_usage(model: str, prompt_messages: Sequence[Mapping[str, Any]], completion_text: str) -> Usage:
    """The usage of a request whose server reported none, computed with the tokenizer."""
    return Usage(
        input_tokens=count_messages(model, prompt_messages).tokens,
        output_tokens=count_text(model, completion_text).tokens,
        estimated=True,
    )


def _message_key(message: Mapping[str, Any]) -> tuple[object, ...]:
    """The values that decide a message's token count (a list of content parts as a tuple of its texts and URLs)."""
    return tuple(_hashable(message.get(key)) for key in _COUNTED_KEYS)


def _hashable(value: Any) -> object:
    """A content value as a hashable key: a string as it is, content parts by their text and image URL."""
    if not isinstance(value, list):
        return value
    return tuple(
        (
            part.get("text"),
            str((part.get("image_url") or {}).get("url")),
            str((part.get("image_url") or {}).get("detail")),
        )
        for part in value
        if isinstance(part, Mapping)
    )


class DraftCounter:
    """The live prompt count while the user types, recounting only what changed.

    Finished messages are counted once and cached by their role, content and name; the draft
    is counted in segments cut where tiktoken's pre-tokenizer cannot merge across, so a
    keystroke re-encodes only the draft's last segment.  Not safe to share between threads.
    """

    def __init__(self, model: str = "") -> None:
        self._model = ""
        self._encoding: tiktoken.Encoding | None = None
        self._exact = False
        self._message_counts: dict[tuple[object, ...], int] = {}
        self._history: list[dict[str, Any]] = []
        self._history_tokens = 0
        self._draft_framing = 0
        self._segments: DraftSegments | None = None
        if model:
            self.set_model(model)

    @property
    def model(self) -> str:
        """The model whose tokenizer counts the prompt."""
        return self._model

    @property
    def history_tokens(self) -> int:
        """The tokens of the finished messages, framing included, without the reply priming."""
        return self._history_tokens

    def set_model(self, model: str) -> None:
        """Count with a model's tokenizer, dropping cached counts if the tokenizer changes."""
        encoding, exact = _encoding_for(model)
        self._model = model
        if encoding is self._encoding and exact == self._exact:
            return
        self._encoding, self._exact = encoding, exact
        self._draft_framing = _message_tokens(encoding, {"role": "user", "content": ""})
        self._segments = DraftSegments(lambda text: _text_tokens(encoding, text))
        self._message_counts = {}
        self.set_history(self._history)

    def set_history(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Use these finished messages as the conversation so far, counting only new ones."""
        encoding = self._encoding
        if encoding is None:
            raise RuntimeError("DraftCounter.set_model must be called before set_history")
        counts: dict[tuple[object, ...], int] = {}
        total = 0
        for message in messages:
            key = _message_key(message)
            tokens = counts.get(key)
            if tokens is None:
                tokens = self._message_counts.get(key)
            if tokens is None:
                tokens = _message_tokens(encoding, message)
            counts[key] = tokens
            total += tokens
        self._message_counts = counts
        self._history = [dict(message) for message in messages]
        self._history_tokens = total

    def count(self, draft: str) -> TokenCount:
        """The whole prompt as if the draft were sent now as the next user message."""
        if self._segments is None:
            raise RuntimeError("DraftCounter.set_model must be called before counting")
        draft_tokens = self._draft_framing + self._segments.count(draft)
        total = self._history_tokens + draft_tokens + REPLY_PRIMING_TOKENS
        return TokenCount(total, self._exact)
