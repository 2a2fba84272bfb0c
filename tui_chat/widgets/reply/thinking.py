"""The Thinking block above a reasoning model's answer: live while it thinks, then folded to one line."""

from __future__ import annotations

import textwrap
import time
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from tui_chat.core.text import show_controls

if TYPE_CHECKING:
    from textual.timer import Timer

LIVE_LINES = 8
"""Lines of the newest thinking shown while the model thinks."""
REPAINT_SECONDS = 0.25
"""How often the live block repaints its lines, timer and count (never per token)."""


def seconds_text(seconds: float) -> str:
    """A duration as the header shows it: whole seconds, or minutes and seconds."""
    whole = max(0, round(seconds))
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60} s"


def newest_lines(text: str, lines: int, width: int) -> str:
    """The last `lines` lines of `text`, as they wrap at `width` columns."""
    tail = text[-lines * max(width, 20) :]
    rows: list[str] = []
    for line in reversed(tail.split("\n")):
        wrapped = textwrap.wrap(line, width) or [""]
        rows[:0] = wrapped
        if len(rows) >= lines:
            break
    return "\n".join(rows[-lines:]).strip("\n")


class ThinkingBlock(Static):
    """A reply's thinking: dimmed, its newest lines live with a timer and count, folded once the answer starts.

    A click (or `t` on the selected reply) unfolds or folds it; its text is never markup.
    """

    DEFAULT_CSS = """
    ThinkingBlock {
        color: $text-muted; text-style: italic; padding: 0 1; margin-bottom: 1;
        border-left: outer $foreground 20%; height: auto;
    }
    ThinkingBlock.-open { text-style: none; }
    """

    def __init__(self, thinking: str = "", *, live: bool = False, open_while_live: bool = True) -> None:
        super().__init__(classes="thinking")
        self._parts = [thinking] if thinking else []
        self.live = live
        self.open = live and open_while_live
        self.pieces = 0
        """Fragments received live (about one token each): the count shown until the server reports one."""
        self.summary = ""
        """What the folded line says after "Thought": its duration, reasoning tokens and their cost."""
        self._started = time.monotonic()
        self._seconds: float | None = None
        self._timer: Timer | None = None

    @property
    def text(self) -> str:
        """All the thinking received."""
        return "".join(self._parts)

    @property
    def seconds(self) -> float | None:
        """How long the model thought (None for a stored reply, whose timing this block does not know)."""
        return self._seconds if self._seconds is not None else (time.monotonic() - self._started if self.live else None)

    def on_mount(self) -> None:
        self.set_class(self.open, "-open")
        self.repaint()
        if self.live:
            self._timer = self.set_interval(REPAINT_SECONDS, self.repaint)

    def write(self, fragment: str) -> None:
        """Add a fragment of thinking; the next repaint shows it."""
        self._parts.append(show_controls(fragment))
        self.pieces += 1

    def resume(self, pieces: int, started: float | None, ended: float | None) -> None:
        """Take up the count and clock of thinking that streamed while this block was not on screen."""
        self.pieces = pieces
        if started is not None:
            self._started = started
        if ended is not None:
            self._seconds = ended - self._started
        self.repaint()

    def answer_started(self, text: str | None = None) -> None:
        """The thinking is over (the answer began, or the reply ended): stop the clock and fold."""
        if text is not None:
            self._parts = [show_controls(text)] if text else []
        if not self.live:
            self.repaint()
            return
        if self._seconds is None:
            self._seconds = time.monotonic() - self._started
        self.live = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.open = False
        self.set_class(False, "-open")
        self.repaint()

    def summarise(self, reasoning_tokens: int, cost: str) -> None:
        """Show the reported reasoning tokens and their cost on the folded line."""
        parts = [f"{reasoning_tokens:,} reasoning tokens"] if reasoning_tokens else []
        if cost:
            parts.append(cost)
        self.summary = " · ".join(parts)
        self.repaint()

    def toggle(self) -> None:
        """Unfold the whole thinking, or fold it back to one line."""
        self.open = not self.open
        self.set_class(self.open, "-open")
        self.repaint()

    def on_click(self) -> None:
        self.toggle()

    def header(self) -> str:
        """The block's first line: live progress, or what the thinking took."""
        if self.live:
            return f"{'▾' if self.open else '▸'} Thinking… {seconds_text(self.seconds or 0)} · {self.pieces:,} tokens"
        took = [f"Thought for {seconds_text(self._seconds)}" if self._seconds is not None else "Thought"]
        if self.summary:
            took.append(self.summary)
        elif self.pieces:
            took.append(f"≈{self.pieces:,} reasoning tokens")
        return f"{'▾' if self.open else '▸'} {' · '.join(took)}"

    def repaint(self) -> None:
        """Show the header and, when open, the thinking (its newest lines while live)."""
        if not self.open:
            self.update(Content(self.header()))
            return
        width = max((self.size.width or 80) - 3, 20)
        body = newest_lines(self.text, LIVE_LINES, width) if self.live else self.text.strip("\n")
        self.update(Content.assemble((self.header(), "bold"), "\n", body))
