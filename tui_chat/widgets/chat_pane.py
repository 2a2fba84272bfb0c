"""The conversation pane: one view per message, replies streamed through MarkdownStream."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from tui_chat.core.models import Message, MessageStatus, Role

STATUS_NOTES = {
    MessageStatus.STREAMING: "streaming…",
    MessageStatus.PARTIAL: "cut off: partial reply",
    MessageStatus.CANCELLED: "cancelled",
    MessageStatus.FAILED: "failed",
    MessageStatus.TRUNCATED: "truncated: hit the length limit",
    MessageStatus.INTERRUPTED: "interrupted",
}


def header_text(role: Role, model: str, status: MessageStatus, error: str = "") -> Content:
    """The line above a message: who wrote it, with which model, and how it ended (never markup)."""
    who = "You" if role is Role.USER else (model or "assistant")
    note = STATUS_NOTES.get(status, "")
    if error:
        note = f"{note}: {error}" if note else error
    return Content(f"{who} · {note}" if note else who)


class MessageView(Vertical):
    """One message: a header line and its body."""

    def __init__(self, message: Message) -> None:
        super().__init__(classes=f"message -{message.role.value}")
        self.message = message

    def compose(self) -> ComposeResult:
        message = self.message
        yield Static(header_text(message.role, message.model, message.status, message.error), classes="message-header")
        if message.role is Role.ASSISTANT:
            yield Markdown(message.content, classes="message-body")
        else:
            yield Static(Content(message.content), classes="message-body")

    def on_mount(self) -> None:
        self.set_status(self.message.status)

    def set_status(self, status: MessageStatus, error: str = "") -> None:
        """Show how the message ended, in the header and as a CSS class."""
        for known in MessageStatus:
            self.set_class(known is status, f"-{known.value}")
        header = self.query_one(".message-header", Static)
        header.update(header_text(self.message.role, self.message.model, status, error))


class ReplyView(MessageView):
    """An assistant reply that grows as tokens arrive, without re-rendering what is already shown."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self._stream = None
        self._parts: list[str] = []

    @property
    def markdown(self) -> Markdown:
        return self.query_one(Markdown)

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self._parts)

    async def write(self, fragment: str) -> None:
        """Append a fragment of the reply."""
        if self._stream is None:
            self._stream = Markdown.get_stream(self.markdown)
        self._parts.append(fragment)
        await self._stream.write(fragment)

    async def finish(self, message: Message | None, status: MessageStatus, error: str = "") -> None:
        """Stop streaming, render the final text once so fences close cleanly, and show the outcome."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        final_text = message.content if message is not None else self.text
        if message is not None:
            self.message = message
        if final_text != self.markdown.source or self._parts:
            await self.markdown.update(final_text)
        self._parts.clear()
        self.set_status(status, error)


class ChatPane(VerticalScroll):
    """Scrolls through the conversation; follows the bottom while the reader is there."""

    def on_mount(self) -> None:
        self.anchor()

    async def show_messages(self, messages: list[Message]) -> None:
        """Replace the pane's content with these messages."""
        await self.remove_children()
        await self.mount_all([MessageView(message) for message in messages])
        self.anchor()

    async def add_message(self, message: Message) -> MessageView:
        """Append one finished message."""
        view = MessageView(message)
        await self.mount(view)
        return view

    async def start_reply(self, message: Message) -> ReplyView:
        """Append an empty reply that will stream."""
        view = ReplyView(message)
        await self.mount(view)
        return view
