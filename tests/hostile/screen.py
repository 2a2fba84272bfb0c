"""What the real app shows and what it would write to the terminal, read from Textual's compositor."""

from __future__ import annotations

import re

from textual.app import App

UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters that must never be in the text of a rendered cell (Textual writes its own escapes apart)."""


def screen_lines(app: App) -> list[str]:
    """The text of every row of the current screen, toasts included."""
    return [
        "".join(segment.text for segment in strip if not segment.control)
        for strip in app.screen._compositor.render_strips()
    ]


def screen_text(app: App) -> str:
    """The whole screen as text, one row a line."""
    return "\n".join(screen_lines(app))


def terminal_output(app: App) -> str:
    """The exact string a real driver would write to paint the current screen from scratch."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def unsafe_characters(app: App) -> list[str]:
    """Control, escape and bidi characters found in the text of rendered cells (none is expected)."""
    return sorted(
        {f"U+{ord(match.group()):04X}" for line in screen_lines(app) for match in UNSAFE_CHARACTERS.finditer(line)}
    )


def leaked_payloads(output: str | bytes, payloads: tuple[bytes, ...]) -> list[bytes]:
    """The payloads that appear in terminal output."""
    data = output.encode("utf-8", "surrogateescape") if isinstance(output, str) else output
    return [payload for payload in payloads if payload in data]
