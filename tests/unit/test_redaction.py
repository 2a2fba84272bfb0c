"""redact and redact_spans: registered keys in every escaped form, key shapes and auth values masked, marks kept in place."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from tui_chat.core.redaction import REDACTED, KnownKeyMask, redact, redact_spans, remember_secret

ODD_KEY = 'local/secret+with=odd"chars'
PLAIN_KEY = "Zt9qLmW2xVb7RkP4nJc8Hd5YgF3sQ1aE"


def test_registered_keys_are_found_raw_json_escaped_and_url_encoded() -> None:
    remember_secret(ODD_KEY)
    for form in (
        ODD_KEY,
        json.dumps(ODD_KEY)[1:-1],
        json.dumps(ODD_KEY).replace("/", "\\/")[1:-1],
        quote(ODD_KEY, safe=""),
    ):
        assert redact(f"echo: {form}!") == f"echo: {REDACTED}!", form
    assert redact(urlencode({"q": "x", "k": ODD_KEY})) == f"q=x&k={REDACTED}"


def test_key_shapes_and_auth_values_are_masked_and_ordinary_text_is_not() -> None:
    cases = {
        "Incorrect API key provided: sk-proj-abc123DEF456ghi789.": f"Incorrect API key provided: {REDACTED}.",
        "gsk_0123456789abcdefABCDEF and AIzaSyA0123456789abcdefghij": f"{REDACTED} and {REDACTED}",
        "GET /v1/models?key=abc123secret&alt=json": f"GET /v1/models?key={REDACTED}&alt=json",
        '{"x-api-key": "opaque-value-1"}': f'{{"x-api-key": "{REDACTED}"}}',
        "Proxy-Authorization: Basic dXNlcjpwYXNz": f"Proxy-Authorization: Basic {REDACTED}",
        "api_key=opaque-value-2, next": f"api_key={REDACTED}, next",
    }
    for text, expected in cases.items():
        assert redact(text) == expected
        assert redact(expected) == expected, "redacting twice changes nothing"
    for ordinary in ("Rate limit reached for gpt-4o in organization org-x", "ask for a key", "task-runner", "skip it"):
        assert redact(ordinary) == ordinary


def test_marks_move_with_the_text_around_a_redacted_key() -> None:
    text = "leaked sk-proj-abc123DEF456 in the body"
    redacted, marks = redact_spans(text, [(0, 6), (7, 14), (35, 39)])
    assert redacted == f"leaked {REDACTED} in the body"
    assert [redacted[start:end] for start, end in marks] == ["leaked", REDACTED, "body"]


@given(st.text(), st.text())
def test_no_registered_key_survives_any_surrounding_text(before: str, after: str) -> None:
    remember_secret(PLAIN_KEY)
    assert PLAIN_KEY not in redact(before + PLAIN_KEY + after)


STREAMED_KEY = "sk-proj-streamed0123456789abcdefghijklmn"


@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=80))
def test_a_known_key_split_across_streamed_pieces_never_shows(cuts: list[int]) -> None:
    remember_secret(STREAMED_KEY)
    text = f"key: {STREAMED_KEY}; sk-proj-s is only its start, and s ends it"
    mask, shown, position = KnownKeyMask(), [], 0
    for cut in cuts:
        shown.append(mask.feed(text[position : position + cut]))
        position += cut
    shown += [mask.feed(text[position:]), mask.flush()]
    assert "".join(shown) == text.replace(STREAMED_KEY, REDACTED)
    assert all(STREAMED_KEY[:10] not in "".join(shown[: index + 1]) for index in range(len(shown)))
