"""Make untrusted text safe to print: no terminal escape sequence, control or bidi character survives.

Two ways: `strip_control` removes whole escape sequences (for plain output such as `ask` on
stdout); `show_controls` turns every control character into a visible stand-in (for the TUI and
files), one character at a time, so text shown in pieces as it streams looks the same as shown
whole. Both show bidi embeddings, overrides and isolates as <U+202E> ... (Trojan Source): a
terminal or editor that honours them would show text in an order other than the one it has.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC sequences, BEL or ST terminated
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]?"  # two-byte escapes and a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # other C0 and C1 controls (keeps \t and \n)
)

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and isolates."""


def _stand_in(character: str) -> str:
    """The visible form of one control character."""
    code = ord(character)
    if code == 0x0D:
        return ""  # a carriage return only ever ends a line (CR LF) or overwrites it
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␀ … ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_STAND_INS = {
    code: _stand_in(chr(code))
    for code in (*range(0x00, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    if _CONTROLS.match(chr(code))
}


def strip_control(text: str) -> str:
    """Remove escape sequences and control characters, keeping tabs and newlines; show bidi controls."""
    text = _ESCAPES.sub("", text.replace("\r\n", "\n"))
    return _BIDI.sub(lambda match: _stand_in(match.group()), text)


def show_controls(text: str) -> str:
    """Text for the screen or a file: controls become visible stand-ins (ESC is ␛, U+009B is <U+009B>), CR goes.

    Tabs and newlines stay. Bidi overrides, embeddings and isolates are shown too: a terminal that
    reorders text would otherwise let them flip whatever else shares the row. Mapping is per
    character, so `show_controls(a + b) == show_controls(a) + show_controls(b)`.
    """
    if _CONTROLS.search(text) is None:
        return text
    return text.translate(_STAND_INS)


def one_line(text: str) -> str:
    """A label for the screen on one line: controls shown, then whitespace runs collapsed to a space."""
    return " ".join(show_controls(text).split())
