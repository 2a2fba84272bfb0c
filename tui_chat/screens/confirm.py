"""A yes/no question in a modal; dismisses with True only on an explicit yes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui_chat.core.text import show_controls


class ConfirmScreen(ModalScreen[bool]):
    """Asks a question; Enter on a button, y, n or Esc answer it."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 60; height: auto; padding: 1 2;
        background: $panel; border: thick $error 60%;
    }
    ConfirmScreen #confirm-question { margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    AUTO_FOCUS = "#confirm-no"

    def __init__(self, question: str, *, yes_label: str = "Delete", no_label: str = "Cancel") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes_label
        self.no_label = no_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(show_controls(self.question)), id="confirm-question")
            with Horizontal():
                yield Button(Content(self.no_label), id="confirm-no")
                yield Button(Content(self.yes_label), variant="error", id="confirm-yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        """Close with this answer."""
        self.dismiss(answer)
