"""Fuzzing config.toml: any bytes give Settings or ConfigErrors naming the file, and what loads really works."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import h11
import httpx2
import openai
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.keys import format_key

from tests.toml_writer import to_toml
from tui_chat.config import ProviderSettings, Settings, load_settings, remember_setting
from tui_chat.core.budget import budget_status
from tui_chat.core.errors import ConfigError
from tui_chat.core.models import Usage
from tui_chat.core.pricing import PriceOverride, ProviderRef, price_usage
from tui_chat.store.rows import to_picodollars

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = '[retry]\nattempts = 2\n[providers.local]\nbase_url = "http://127.0.0.1:8080/v1"\n[prices."gpt-4o"]\ninput = "2.50"\noutput = 10\n'


@contextmanager
def config_file(content: bytes | str) -> Iterator[Path]:
    """A config.toml holding `content` in a fresh folder."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        yield path


KEY_TEXT = st.text(max_size=12)
SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.dates()
    | st.times()
    | st.datetimes()
)
ANY = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEY_TEXT, inner, max_size=3), max_leaves=6
)
SECONDS = st.floats() | st.integers(min_value=-10, max_value=10**6) | st.sampled_from([0.001, 30.0, 86_400.0, 86_400.5])
AMOUNT = (
    st.decimals(allow_nan=True, allow_infinity=True).map(str)
    | st.sampled_from(
        ["2.50", "0", "-0", "1e-13", "1e999999999", "1E-999999999", "NaN", "-1", "abc", "", "10000", "10000.01"]
    )
    | st.floats()
    | st.integers(min_value=-(2**70), max_value=2**70)
)
URLS = st.sampled_from(
    [
        "http://127.0.0.1:8080/v1",
        "https://api.example.com/v1",
        "not a url",
        "ftp://x",
        "http://",
        "http://[::1",
        "http://x:99999/",
        "http://x:0/",
        "//x",
        "http://\x00/",
        "http://a b/",
        "",
        "https://é.example/v1",
        "HTTP://X/v1",
    ]
) | st.text(max_size=30)
HEADER_NAMES = st.sampled_from(["X-Title", "HTTP-Referer", "X a", "", "é", "X:y"]) | st.text(max_size=8)
HEADER_VALUES = st.sampled_from(["tui-chat", "", " padded ", "a\nb", "é", "a\tb", "\x00"]) | st.text(max_size=12)
KEYS = st.sampled_from(
    ["ctrl+f", "ctrl+f,f3", " f3 , f4 ", "", ",", "a,,b", "\x1b[31m", "ctrl+\x00", "🙂", "a b"]
) | st.text(max_size=10)
BINDING_IDS = st.sampled_from(["chat.search", "chat.new", "app.quit"]) | KEY_TEXT


def fields(**strategies: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """A table with any subset of the given fields (each usually plausible, sometimes anything) or an unknown one."""
    return st.fixed_dictionaries(
        {},
        optional={**{name: st.one_of(strategy, strategy, ANY) for name, strategy in strategies.items()}, "colour": ANY},
    )


PROVIDER = fields(
    base_url=URLS,
    needs_key=st.booleans(),
    key_env=st.sampled_from(["OPENAI_API_KEY", "MY_KEY", "1BAD", "A-B", "A\x00B", ""]) | KEY_TEXT,
    default_model=st.text(max_size=20),
    headers=st.dictionaries(HEADER_NAMES, st.one_of(HEADER_VALUES, HEADER_VALUES, ANY), max_size=2),
    local=st.booleans(),
)
PRICE = fields(input=AMOUNT, output=AMOUNT, cached_input=AMOUNT)
SETTINGS_DATA = fields(
    default_provider=st.sampled_from(["demo", "openai", "local"]) | st.text(max_size=10),
    default_model=st.text(max_size=20),
    theme=st.sampled_from(["tui-chat-dark", "nord"]) | st.text(max_size=10),
    show_sidebar=st.booleans(),
    show_conversations=st.booleans(),
    retry=fields(
        attempts=st.integers(min_value=-5, max_value=30) | st.integers(),
        base_delay=SECONDS,
        max_delay=SECONDS,
        max_retry_after=SECONDS,
    ),
    network=fields(
        connect_timeout=SECONDS,
        stall_timeout=SECONDS,
        max_concurrent_per_provider=st.integers(min_value=-1, max_value=100),
    ),
    providers=st.dictionaries(
        st.sampled_from(["local", "openai", "my.host"]) | KEY_TEXT, st.one_of(PROVIDER, PROVIDER, ANY), max_size=2
    ),
    prices=st.dictionaries(
        st.sampled_from(["gpt-4o", "openai/gpt-4o"]) | KEY_TEXT, st.one_of(PRICE, PRICE, ANY), max_size=2
    ),
    budget=fields(daily=AMOUNT, monthly=AMOUNT, over_budget=st.sampled_from(["confirm", "refuse", "maybe"])),
    keymap=st.dictionaries(BINDING_IDS, st.one_of(KEYS, KEYS, ANY), max_size=3),
    presets=st.dictionaries(KEY_TEXT, st.one_of(st.text(max_size=30), st.text(max_size=30), ANY), max_size=2),
)


def assert_usable(loaded: Settings) -> None:
    """What the loader accepts works downstream: HTTP requests, the environment, prices, budgets and keys."""
    for seconds in (
        loaded.network.connect_timeout,
        loaded.network.stall_timeout,
        loaded.retry.base_delay,
        loaded.retry.max_delay,
        loaded.retry.max_retry_after,
    ):
        assert math.isfinite(seconds) and 0 < seconds <= 86_400
    for provider in loaded.providers.values():
        os.environ.get(provider.key_env or "PATH")
        if provider.base_url is not None:
            assert_http_request_can_be_sent(provider)
    for model, price in loaded.prices.items():
        override = {model: PriceOverride(price.input, price.output, price.cached_input)}
        cost = price_usage(ProviderRef("custom"), model, Usage(10**7, 10**7, 10**6, 10**6), override).cost
        assert cost is not None and cost.is_finite() and cost >= 0
        assert to_picodollars(cost) < 2**63, "must fit SQLite's INTEGER"
    for limit in (loaded.budget.daily, loaded.budget.monthly):
        if limit is not None:
            assert limit.is_finite() and limit > 0
            budget_status(Decimal("123.45"), Decimal("10") ** 9, limit, limit)
    for keys in loaded.keymap.values():
        for key in keys.split(","):
            assert key.strip() and format_key(key.strip()).isprintable()


def assert_http_request_can_be_sent(provider: ProviderSettings) -> None:
    """The SDK takes the base URL and h11 (the HTTP/1.1 layer under httpx) takes the request line and headers."""
    client = openai.AsyncOpenAI(
        base_url=provider.base_url, api_key="sk-fuzz", default_headers=dict(provider.headers) or None
    )
    request = httpx2.Request("POST", client.base_url.join("chat/completions"), headers=dict(provider.headers))
    assert request.url.scheme in {"http", "https"} and request.url.host
    h11.Request(method="POST", target=request.url.raw_path, headers=list(request.headers.raw))


def assert_outcome(path: Path, loaded: Settings, problems: list[ConfigError]) -> None:
    """Settings that work (what was invalid left out), and errors that are ours, non-empty and name the file."""
    assert isinstance(loaded, Settings)
    assert_usable(loaded)
    for problem in problems:
        assert isinstance(problem, ConfigError)
        assert str(problem) and str(path) in str(problem)


NESTED = "a = " + "[" * 5000 + "]" * 5000 + "\n"


@FUZZ
@given(
    st.binary(max_size=300)
    | st.text(max_size=200).map(str.encode)
    | st.tuples(st.binary(max_size=4), st.integers(0, len(VALID)), st.binary(min_size=1, max_size=6)).map(
        lambda parts: VALID.encode()[: parts[1]] + parts[2] + VALID.encode()[parts[1] :] + parts[0]
    )
)
@example(NESTED.encode())
@example(("x = " + "{a = " * 600 + "1" + "}" * 600 + "\n").encode())
@example(b"\xef\xbb\xbf" + VALID.encode())
@example(b"\xff\xfe" + "theme = 'x'".encode("utf-16-le"))
@example(b"theme = 'a\x00b'\n")
@example(b"[keymap]\n'chat.search' = 3\n")
def test_any_bytes_give_settings_or_errors_naming_the_file(content: bytes) -> None:
    with config_file(content) as path:
        assert_outcome(path, *load_settings(path))


@FUZZ
@given(SETTINGS_DATA, st.booleans())
@example({"budget": {"daily": float("nan")}}, True)
@example({"budget": {"monthly": "1e-30"}}, False)
@example({"network": {"connect_timeout": float("inf")}}, True)
@example({"retry": {"max_delay": 1e400}}, True)
@example({"prices": {"m": {"input": "NaN", "output": 1}}}, True)
@example({"prices": {"m": {"input": -1, "output": 1, "cached_input": "-0.5"}}}, False)
@example({"prices": {"m": {"input": "1e999999999", "output": 1}}}, True)
@example({"prices": {"m": {"input": "1E-999999999", "output": 1}}}, True)
@example({"providers": {"p": {"base_url": "not a url"}}}, True)
@example({"providers": {"p": {"base_url": "http://[::1"}}}, True)
@example({"providers": {"p": {"base_url": "http://x/", "headers": {"X-T": "é"}}}}, True)
@example({"providers": {"p": {"base_url": "http://x/", "headers": {"X T": "a\nb"}}}}, True)
@example({"providers": {"p": {"key_env": "A\x00B"}}}, True)
@example({"keymap": {"chat.search": "a,,b"}}, True)
@example({"keymap": {"chat.search": "\x1b[31m"}}, False)
def test_structured_settings_load_or_name_the_problem(data: dict, sections: bool) -> None:
    with config_file(to_toml(data, sections=sections)) as path:
        assert_outcome(path, *load_settings(path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[keymap]\n'chat.search' = 3\n", "line 2: field 'keymap.chat.search': Expected `str`"),
        ('[keymap]\n"chat.search" = "a,,b"\n', "line 2: field 'keymap.chat.search': `keymap` must map 'chat.search'"),
        ('[providers.p]\nneeds_key = false\nbase_url = "ftp://x"\n', "line 3: field 'providers.p.base_url'"),
        ('[prices.m]\noutput = 1\ninput = "NaN"\n', "line 3: field 'prices.m.input'"),
        ("[budget]\nmonthly = nan\n", "line 2: field 'budget.monthly'"),
        ("[network]\nstall_timeout = inf\n", "line 2: field 'network.stall_timeout'"),
        ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ],
)
def test_problems_found_by_fuzzing_name_the_line_and_field(text: str, expected: str) -> None:
    with config_file(text) as path:
        loaded, problems = load_settings(path)
    assert loaded.retry == Settings().retry and len(problems) == 1
    assert str(path) in str(problems[0]) and expected in str(problems[0])


def test_a_byte_order_mark_is_ignored() -> None:
    with config_file(b"\xef\xbb\xbf" + VALID.encode()) as path:
        loaded, problems = load_settings(path)
    assert problems == [] and loaded.retry.attempts == 2


VALID_DATA = st.fixed_dictionaries(
    {},
    optional={
        "theme": st.text(max_size=10),
        "default_model": st.text(max_size=10),
        "show_sidebar": st.booleans(),
        "retry": st.fixed_dictionaries({"attempts": st.integers(1, 20)}),
        "presets": st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=2),
        "providers": st.dictionaries(
            st.text(min_size=1, max_size=5),
            st.fixed_dictionaries({"base_url": st.just("http://127.0.0.1:9/v1")}),
            max_size=2,
        ),
    },
)
LAYOUTS = [
    'default_model = """\ntheme = "inside a string"\n"""\n',
    'presets = { a = "x\u2028y" }\n',
    '"theme" = "quoted"\n',
    "x = [\n[1, 2],\n]\ntheme = 'after a nested array'\n",
    "# comment\r\ntheme = 'crlf'\r\n[retry]\r\nattempts = 3\r\n",
    "[presets]\ntheme = 'a preset named theme'\n",
    "theme = 3\n",
    "theme = '''\nmulti\n'''\n",
    "\ufefftheme = 'after a byte order mark'\n",
]


@FUZZ
@given(
    VALID_DATA.map(lambda data: to_toml(data, sections=True)) | st.sampled_from(LAYOUTS),
    st.sampled_from(["theme", "default_model", "default_provider"]),
    st.text(max_size=30) | st.sampled_from(["\x7f", "a\x00b", '"', "\\", "\u2028", "\ud800", "x\udfff"]),
)
@example('default_model = """\ntheme = "inside a string"\n"""\n', "theme", "nord")
@example("theme = 'x'\n", "theme", "del\x7f")
@example("", "theme", "\ud800")
@example('presets = { a = "x\u2028y" }\n', "theme", "nord")
@example("theme = '''\nmulti\n'''\n", "theme", "nord")
def test_remember_setting_round_trips_or_refuses_and_leaves_the_file(text: str, key: str, value: str) -> None:
    with config_file(text) as path:
        before = path.read_bytes()
        previous, earlier_problems = load_settings(path)
        try:
            remember_setting(path, key, value)
        except ConfigError as exc:
            assert str(exc) and path.read_bytes() == before
            assert "\ud800" in value or "\udfff" in value
            return
        loaded, problems = load_settings(path)
    untouched = [problem.location for problem in earlier_problems if getattr(problem, "location", ())[:1] != (key,)]
    assert [getattr(problem, "location", None) for problem in problems] == untouched
    if all(hasattr(problem, "location") for problem in problems):
        assert getattr(loaded, key) == value
        assert {name: getattr(loaded, name) for name in Settings.__struct_fields__ if name != key} == {
            name: getattr(previous, name) for name in Settings.__struct_fields__ if name != key
        }
