"""Make untrusted text safe to print: no terminal escape sequence or control character survives."""

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


def strip_control(text: str) -> str:
    """Remove escape sequences and control characters, keeping tabs and newlines."""
    return _ESCAPES.sub("", text.replace("\r\n", "\n"))
