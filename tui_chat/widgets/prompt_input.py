"""The prompt box: Enter sends, ctrl+j inserts a newline, pastes stay intact."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from tui_chat.core.text import show_controls


class PromptInput(TextArea):
    """A multi-line prompt editor that posts Submitted instead of calling any service."""

    BINDINGS = [
        Binding("ctrl+j", "newline", "Newline", show=False, id="prompt.newline"),
    ]

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a non-empty prompt."""

        prompt_input: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    prompt_history: list[str]
    """Earlier prompts, oldest first, set by the screen; up in an empty box walks back through them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            compact=True,
            placeholder="Type a message · Enter sends · ctrl+j newline · ↑ earlier prompts",
        )
        self.prompt_history = []
        self._history_index: int | None = None
        self.last_key: events.Key | None = None
        """The last key event this box saw, so the screen can tell keys that bypassed it."""

    def take_typed_ahead(self, event: events.Key) -> None:
        """Take a key typed before this box had the focus (it reached the screen without passing here).

        Enter typed before the app switched the terminal to raw mode arrives as a line feed (ctrl+j),
        so it sends as Enter would.
        """
        if event is self.last_key or not (event.is_printable or event.key in ("enter", "ctrl+j")):
            return
        event.stop()
        self.focus()
        key = "enter" if event.key == "ctrl+j" else event.key
        self.post_message(events.Key(key, "\r" if key == "enter" else event.character))

    async def _on_key(self, event: events.Key) -> None:
        self.last_key = event
        if event.key in ("up", "down") and self._walk_history(-1 if event.key == "up" else 1):
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        await super()._on_key(event)

    def _walk_history(self, step: int) -> bool:
        """Show an earlier (or later) prompt; only from an empty box or while already walking."""
        if not self.prompt_history or (self._history_index is None and (self.text or step > 0)):
            return False
        if self._history_index is not None and self.text != self.prompt_history[self._history_index]:
            self._history_index = None
            return False
        index = len(self.prompt_history) - 1 if self._history_index is None else self._history_index + step
        if index >= len(self.prompt_history):
            self._history_index = None
            self.clear()
            return True
        self._history_index = max(0, index)
        self.restore(self.prompt_history[self._history_index])
        return True

    async def _on_paste(self, event: events.Paste) -> None:
        """Show pasted escape sequences as ␛…; TextArea's own handler (called next) inserts the text."""
        event.text = show_controls(event.text)

    def load_text(self, text: str) -> None:
        """Replace the text; control characters become visible stand-ins, as in the chat."""
        super().load_text(show_controls(text))

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        self.insert("\n")

    def action_submit(self) -> None:
        """Send the prompt if it has any text."""
        text = self.text
        if text.strip():
            self._history_index = None
            self.post_message(self.Submitted(self, text))

    def restore(self, text: str) -> None:
        """Put a prompt back into the box, cursor at its end."""
        self.load_text(text)
        self.move_cursor(self.document.end)
