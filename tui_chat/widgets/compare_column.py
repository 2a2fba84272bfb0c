"""One model's column of a comparison: its name (or a blind label), live figures, the reply text and a pick button."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from tui_chat.core.text import one_line, show_controls

BLIND_LABELS = "ABCD"


@dataclass(frozen=True, slots=True)
class ColumnState:
    """What a column shows at one refresh: plain data, so the widget needs nothing of the services."""

    title: str
    figures: str
    status: str
    text: str
    ended: bool
    pickable: bool


class CompareColumn(Vertical):
    """Shows one reply as it streams; the screen hands it a new state a few times a second, never per token."""

    DEFAULT_CSS = """
    CompareColumn { width: 1fr; height: 1fr; border: round $primary 60%; padding: 0 1; }
    CompareColumn.-picked { border: thick $success; }
    CompareColumn.-failed { border: round $error; }
    CompareColumn .compare-title { text-style: bold; height: 1; }
    CompareColumn .compare-figures { color: $text-muted; height: 2; }
    CompareColumn .compare-status { color: $text-warning; height: auto; max-height: 3; }
    CompareColumn VerticalScroll { height: 1fr; }
    CompareColumn .compare-text { height: auto; margin-bottom: 1; }
    CompareColumn Button { width: 100%; height: 1; min-width: 0; border: none; margin: 0; }
    """

    @dataclass
    class PickPressed(Message):
        """The column's pick button was pressed."""

        index: int

    def __init__(self, index: int, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.index = index
        self._shown: ColumnState | None = None
        self._open_block: Static | None = None
        """The paragraph still growing; the finished ones before it are never drawn again."""
        self._finished_length = 0
        """Characters of the text shown in finished paragraphs, separators included."""

    def compose(self) -> ComposeResult:
        yield Static(classes="compare-title")
        yield Static(classes="compare-figures")
        yield Static(classes="compare-status")
        yield VerticalScroll()
        yield Button(Content(f"Pick ({self.index + 1})"), disabled=True, compact=True)

    def show(self, state: ColumnState) -> None:
        """Update what changed since the last state; the text scrolls along while the reader is at its end."""
        shown = self._shown
        if shown == state:
            return
        if shown is None or shown.title != state.title:
            self.query_one(".compare-title", Static).update(Content(one_line(state.title)))
        if shown is None or shown.figures != state.figures:
            self.query_one(".compare-figures", Static).update(Content(state.figures))
        if shown is None or shown.status != state.status:
            self.query_one(".compare-status", Static).update(Content(one_line(state.status)))
        if shown is None or shown.text != state.text:
            scroll = self.query_one(VerticalScroll)
            following = scroll.scroll_y >= scroll.max_scroll_y - 1
            self._show_text(state.text)
            if following:
                scroll.call_after_refresh(scroll.scroll_end, animate=False)
        self.query_one(Button).disabled = not state.pickable
        self.set_class(state.ended and state.status.startswith("failed"), "-failed")
        self._shown = state

    def _show_text(self, text: str) -> None:
        """Show the text paragraph by paragraph: only the one still growing is drawn again as text arrives."""
        scroll = self.query_one(VerticalScroll)
        if len(text) < self._finished_length:
            scroll.remove_children()
            self._open_block, self._finished_length = None, 0
        *finished, growing = text[self._finished_length :].split("\n\n")
        for block in finished:
            self._block(scroll).update(Content(show_controls(block)))
            self._open_block = None
            self._finished_length += len(block) + 2
        self._block(scroll).update(Content(show_controls(growing)))

    def _block(self, scroll: VerticalScroll) -> Static:
        """The paragraph still growing, mounted when a new one starts."""
        if self._open_block is None:
            self._open_block = Static(classes="compare-text")
            scroll.mount(self._open_block)
        return self._open_block

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.PickPressed(self.index))
