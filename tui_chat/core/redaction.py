"""Mask API keys in any text before it is stored, shown, printed, exported or logged.

Three things are replaced by "[redacted]": every key value the app has looked up during the run
(also in its JSON-escaped and URL-encoded forms), anything shaped like an API key (sk-…, gsk_…,
AIza…, Bearer tokens) and the values of auth headers and key parameters (Authorization: …,
x-api-key=…, ?key=…). Servers and proxies echo keys in error bodies, so every text that comes
from one passes through `redact`; the debug log uses the same function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Shorter registered secrets are not searched for: they would blank out ordinary words."""

HEADER_VALUE = r"""(?ix)
    (?:\b(?:proxy-)?authorization|\bx-api-key|\bapi[-_]?key|\b[a-z]+_api_key   # a header or field name
       |[?&](?:key|token|access_token|auth|secret))                            # or a URL query parameter
    ["']?\s*[:=]\s*["']?                                                       # : or =, quoted or not
    (?:(?:bearer|basic|token)\s+)?+                                            # the scheme, kept
    (?!\[redacted\])(?P<value>[^\s"',;&}\]]+)                                  # the value, unless done
"""
KEY_SHAPE = (
    r"\bsk-[A-Za-z0-9_-]{6,}"  # OpenAI, OpenRouter (sk-or-), Anthropic (sk-ant-), DeepSeek ...
    r"|\b(?:gsk_|xai-|pplx-|hf_|ghp_|github_pat_|AIza)[A-Za-z0-9_-]{16,}"  # Groq, xAI, Perplexity, HF, GitHub, Google
    r"|(?i:\bbearer\s+)[A-Za-z0-9._~+/=-]{6,}"
)

_secrets: set[str] = set()
"""Key values looked up during this run, with their escaped forms; per process, like the keys themselves."""


def remember_secret(value: str | None) -> None:
    """Register a key so that no redacted text can contain it, whatever its shape."""
    if not value or len(value.strip()) < MIN_SECRET_LENGTH:
        return
    from urllib.parse import quote

    key = value.strip()
    json_escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    _secrets.update({key, json_escaped, json_escaped.replace("/", "\\/"), quote(key, safe=""), quote(key, safe="/")})
    _secret_pattern.cache_clear()


def forget_secrets() -> None:
    """Forget every registered key, as a new run of the app starts; the test suite runs many in one process."""
    _secrets.clear()
    _secret_pattern.cache_clear()


@cache
def _secret_pattern() -> re.Pattern[str] | None:
    """One alternation of the registered secrets, longest first, or None when there are none."""
    if not _secrets:
        return None
    return re.compile("|".join(re.escape(secret) for secret in sorted(_secrets, key=len, reverse=True)))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The header and key-shape patterns, compiled on first use rather than at start-up."""
    return re.compile(HEADER_VALUE), re.compile(KEY_SHAPE)


def secret_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) ranges of `text` that hold a key, merged and in order."""
    spans: list[tuple[int, int]] = []
    secrets = _secret_pattern()
    if secrets is not None:
        spans += [match.span() for match in secrets.finditer(text)]
    header_values, key_shapes = _patterns()
    spans += [match.span("value") for match in header_values.finditer(text)]
    spans += [match.span() for match in key_shapes.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str) -> str:
    """The text with registered keys, key-shaped strings and auth header values replaced."""
    return redact_spans(text, ())[0]


def redact_spans(text: str, marks: Sequence[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The redacted text and `marks` (ranges such as search highlights) moved to where they now fall."""
    if not text:
        return text, list(marks)
    spans = secret_spans(text)
    if not spans:
        return text, list(marks)
    pieces: list[str] = []
    shifts: list[tuple[int, int, int]] = []
    """Per span: its start and end in `text`, and its start in the result."""
    position = 0
    length = 0
    for start, end in spans:
        pieces.append(text[position:start])
        length += start - position
        shifts.append((start, end, length))
        pieces.append(REDACTED)
        length += len(REDACTED)
        position = end
    pieces.append(text[position:])

    def moved(offset: int, *, is_end: bool) -> int:
        shift = 0
        for start, end, new_start in shifts:
            if offset < start or (is_end and offset == start):
                break
            if offset < end or (is_end and offset == end):
                return new_start + len(REDACTED) if is_end else new_start
            shift = new_start + len(REDACTED) - end
        return offset + shift

    return "".join(pieces), [(moved(start, is_end=False), moved(end, is_end=True)) for start, end in marks]


class KnownKeyMask:
    """Masks the registered keys in text that arrives in pieces (a streamed reply).

    A piece whose end could be the start of a key is held back until the next piece shows whether
    it is; a key split across pieces is masked whole. Key shapes are left alone here: a model may
    write an example `sk-...` on purpose, and only the keys the app knows must never be shown.
    """

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        """What of the text so far can be shown now, with every complete registered key masked."""
        if not _secrets:
            held, self._held = self._held, ""
            return held + piece
        text = self._held + piece
        pattern = _secret_pattern()
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        hold = self._start_of_a_key(text)
        self._held = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        """The text held back at the end of the stream."""
        held, self._held = self._held, ""
        return held

    def _start_of_a_key(self, text: str) -> int:
        """The length of the longest ending of `text` that begins a registered key (0 if none)."""
        longest = 0
        for secret in _secrets:
            for length in range(min(len(text), len(secret) - 1), longest, -1):
                if text.endswith(secret[:length]):
                    longest = length
                    break
        return longest
