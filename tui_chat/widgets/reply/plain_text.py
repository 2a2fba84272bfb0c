"""A reply too big to be Markdown, shown as literal text folded at the width the way a terminal shows a log.

Markdown turns a pasted log of 100,000 lines into one paragraph and re-wraps a 1 MB line on every
layout. Past the sizes below a reply is shown as plain text instead: each line as it is (tabs
expanded), folded into rows of the widget's width, and only the rows in view are drawn on each
frame. The widget draws the rows itself rather than through a child: every layout maps each
container's children row by row, so each level of nesting under a 100,000-row reply costs time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import chop_cells
from rich.segment import Segment as RichSegment
from textual.geometry import Size
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tui_chat.core.text import show_controls

MAX_MARKDOWN_LINES = 10_000
"""A reply with more lines than this is shown as plain text."""
MAX_MARKDOWN_LINE_CHARS = 20_000
"""A reply with a line longer than this (in characters) is shown as plain text."""
MAX_MARKDOWN_CHARS = 500_000
"""A reply longer than this (in characters) is shown as plain text."""
TAB_SIZE = 8
LAYOUT_INTERVAL = 1.0
"""Seconds between layouts while the text grows by rows."""


@dataclass
class TextShape:
    """The line count, longest line and length of a growing text, kept up to date as text is appended."""

    lines: int = 1
    longest: int = 0
    current: int = 0
    chars: int = 0

    def add(self, text: str) -> None:
        """Account for `text` appended to the end."""
        self.chars += len(text)
        first = text.find("\n")
        if first < 0:
            self.current += len(text)
        else:
            last = text.rfind("\n")
            self.lines += text.count("\n")
            inner = max(map(len, text[first + 1 : last].split("\n"))) if last > first else 0
            self.longest = max(self.longest, self.current + first, inner)
            self.current = len(text) - last - 1
        self.longest = max(self.longest, self.current)

    @property
    def too_big_for_markdown(self) -> bool:
        """Whether the text is past the sizes Markdown is shown for."""
        return (
            self.lines > MAX_MARKDOWN_LINES or self.longest > MAX_MARKDOWN_LINE_CHARS or self.chars > MAX_MARKDOWN_CHARS
        )


def too_big_for_markdown(text: str) -> bool:
    """Whether a whole text is past the sizes Markdown is shown for."""
    shape = TextShape()
    shape.add(text)
    return shape.too_big_for_markdown


def expand_tabs(text: str, column: int) -> str:
    """`text` with tabs turned into spaces, as if it started at `column` of its line."""
    if "\t" not in text:
        return text
    offset = column % TAB_SIZE
    return (" " * offset + text).expandtabs(TAB_SIZE)[offset:]


def fold(line: str, width: int) -> list[str]:
    """A line cut into rows of at most `width` cells (a wider character gets a row of its own); never loses text."""
    width = max(width, 1)
    if len(line) <= width and line.isascii():
        return [line]
    rows = chop_cells(line, width)
    rest = line[sum(map(len, rows)) :]
    if rest:
        if rows:
            rows[-1] += rest
        else:
            rows.append(rest)
    return rows or [""]


class FoldedText:
    """Text cut into rows of a given width, line by line; appending refolds only from the last row."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._lines: list[str] = [""]
        self.rows: list[str] = [""]
        """The rows at `width` (stale while `width` is 0)."""
        self.width = 0
        self._last_row_start = 0  # where, in the last line, its last row starts
        self._longest = 0  # the longest line but the last, in characters
        self._ascii = True  # whether every line but the last is ASCII

    @property
    def text(self) -> str:
        """The text held (controls as their visible stand-ins, tabs as they came)."""
        return "".join(self._parts)

    def append(self, text: str) -> None:
        """Add `text` at the end, controls shown as stand-ins."""
        text = show_controls(text)
        if not text:
            return
        self._parts.append(text)
        pieces = text.split("\n")
        lines = self._lines
        last = lines[-1]
        lines[-1] = last + expand_tabs(pieces[0], len(last))
        new_lines = [expand_tabs(piece, 0) for piece in pieces[1:]]
        if new_lines:
            finished = [lines[-1], *new_lines[:-1]]
            self._longest = max(self._longest, max(map(len, finished)))
            self._ascii = self._ascii and all(line.isascii() for line in finished)
            lines.extend(new_lines)
        if self.width:
            self.rows.pop()
            self._add_last_line_rows(lines[-1 - len(new_lines)], self._last_row_start)
            if new_lines:
                self.rows.extend(self._fold_lines(new_lines[:-1]))
                self._add_last_line_rows(new_lines[-1], 0)

    def fold_to(self, width: int) -> None:
        """Fold every line again if `width` is new."""
        if width == self.width or width <= 0:
            return
        self.width = width
        if self._ascii and self._longest <= width:
            self.rows = self._lines[:-1]
        else:
            self.rows = self._fold_lines(self._lines[:-1])
        self._add_last_line_rows(self._lines[-1], 0)

    def _add_last_line_rows(self, line: str, start: int) -> None:
        """Fold the last line from `start` (where its first row not yet folded begins) onto the rows."""
        folded = fold(line[start:], self.width)
        self._last_row_start = start + sum(map(len, folded[:-1]))
        self.rows.extend(folded)

    def _fold_lines(self, lines: list[str]) -> list[str]:
        """Rows for whole lines."""
        width, rows = self.width, []
        for line in lines:
            if len(line) <= width and line.isascii():
                rows.append(line)
            else:
                rows.extend(fold(line, width))
        return rows


if TYPE_CHECKING:
    _WidgetBase = Widget  # PlainRows is mixed into widgets; the type checker sees that base
else:
    _WidgetBase = object


class PlainRows(_WidgetBase):
    """Mixed into a widget: while `plain` is set, the widget is that text's rows, drawn only where in view.

    Children should be hidden meanwhile. While text streams in, rows that make the widget taller are
    laid out at most every LAYOUT_INTERVAL (a layout visits every widget and maps every row); until
    then they are clipped. With `plain_immediate` set, every change is laid out at once.
    """

    plain: FoldedText | None = None
    plain_immediate = False
    _plain_laid_out_at = 0.0
    _plain_layout_timer: Timer | None = None

    def show_plain(self, text: str) -> None:
        """Show `text` as plain text, in place of anything shown."""
        self.plain = FoldedText()
        self.plain.fold_to(self.size.width)
        self.plain.append(text)
        self.lay_out_plain()

    def append_plain(self, text: str) -> None:
        """Show `text` after the plain text, repainting the rows in view."""
        plain = self.plain
        if plain is None or not text:
            return
        rows = len(plain.rows)
        plain.append(text)
        if not plain.width or len(plain.rows) != rows:
            wait = self._plain_laid_out_at + LAYOUT_INTERVAL - time.monotonic()
            if self.plain_immediate or wait <= 0:
                self.lay_out_plain()
            elif self._plain_layout_timer is None:
                self._plain_layout_timer = self.set_timer(wait, self.lay_out_plain)
        self.refresh()

    def lay_out_plain(self) -> None:
        """Lay out the widget for the rows it has now."""
        if self._plain_layout_timer is not None:
            self._plain_layout_timer.stop()
            self._plain_layout_timer = None
        self._plain_laid_out_at = time.monotonic()
        self.refresh(layout=True)

    def hide_plain(self) -> None:
        """Show the widget's own content again."""
        self.plain = None
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.plain is None:
            return super().get_content_height(container, viewport, width)
        self.plain.fold_to(width)
        return len(self.plain.rows)

    def render_line(self, y: int) -> Strip:
        plain = self.plain
        if plain is None:
            return super().render_line(y)
        width = self.size.width
        style = self.visual_style.rich_style
        plain.fold_to(width)
        if y >= len(plain.rows):
            return Strip.blank(width, style)
        return Strip([RichSegment(plain.rows[y], style)]).crop_extend(0, width, style)


class PlainText(PlainRows, Widget):
    """A widget that is only plain text."""

    DEFAULT_CSS = """
    PlainText {
        height: auto;
    }
    """

    def __init__(self, text: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.show_plain(text)
