"""A one-line text prompt in a modal, used to rename a conversation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_chat.core.text import one_line


class TextPromptScreen(ModalScreen[str | None]):
    """Asks for one line of text; Enter returns it, Esc returns None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="prompt.cancel")]
    AUTO_FOCUS = "Input"

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(one_line(self.title_text)), classes="dialog-title")
            yield Input(value=one_line(self.value), select_on_focus=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        self.dismiss(text or None)
