"""The prompt box: Enter sends, ctrl+j inserts a newline, pastes stay intact."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """A multi-line prompt editor that posts Submitted instead of calling any service."""

    BINDINGS = [
        Binding("ctrl+j", "newline", "Newline", show=True, id="prompt.newline"),
    ]

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a non-empty prompt."""

        prompt_input: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            compact=True,
            placeholder="Type a message · Enter sends · ctrl+j newline",
        )

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        await super()._on_key(event)

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        self.insert("\n")

    def action_submit(self) -> None:
        """Send the prompt if it has any text."""
        text = self.text
        if text.strip():
            self.post_message(self.Submitted(self, text))

    def restore(self, text: str) -> None:
        """Put a prompt back into the box, cursor at its end."""
        self.load_text(text)
        self.move_cursor(self.document.end)
