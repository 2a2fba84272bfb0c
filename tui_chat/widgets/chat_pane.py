"""The conversation pane: one view per message, replies streamed through MarkdownStream into a ReplyBody."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.core.models import Message, MessageStatus, Role

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from tui_chat.widgets.reply_body import ReplyBody
    from tui_chat.widgets.reply_segment import Segment

# Markdown (markdown-it, pygments: about 0.1 s) is imported when the first message is composed,
# not with this module, so an empty chat paints its first frame without it.

STATUS_NOTES = {
    MessageStatus.STREAMING: "streaming…",
    MessageStatus.PARTIAL: "cut off: partial reply",
    MessageStatus.CANCELLED: "cancelled",
    MessageStatus.FAILED: "failed",
    MessageStatus.TRUNCATED: "truncated: hit the length limit",
    MessageStatus.INTERRUPTED: "interrupted",
}

STATUS_CLASSES = {f"-{status.value}" for status in MessageStatus}
"""One class per outcome; changing any class restyles every widget of the message, so it is done once."""


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
            from textual.widgets import Markdown

            yield Markdown(message.content, classes="message-body")
        else:
            yield Static(Content(message.content), classes="message-body")

    def on_mount(self) -> None:
        self.set_status(self.message.status)

    def set_status(self, status: MessageStatus, error: str = "") -> None:
        """Show how the message ended, in the header and as a CSS class."""
        classes = (set(self.classes) - STATUS_CLASSES) | {f"-{status.value}"}
        if classes != set(self.classes):
            self.set_classes(classes)
        header = self.query_one(".message-header", Static)
        header.update(header_text(self.message.role, self.message.model, status, error))


class ReplyView(MessageView):
    """An assistant reply that grows as tokens arrive, without re-rendering what is already shown.

    The body (`ReplyBody`) streams into a small live Markdown widget through a MarkdownStream and
    moves finished blocks that leave the screen into segments mounted only near the viewport.
    """

    def compose(self) -> ComposeResult:
        message = self.message
        yield Static(header_text(message.role, message.model, message.status, message.error), classes="message-header")
        from tui_chat.widgets.reply_body import ReplyBody

        yield ReplyBody()

    @property
    def body(self) -> ReplyBody:
        return self.query_one("ReplyBody")

    @property
    def markdown(self) -> Markdown:
        """The live Markdown widget: the whole reply unless parts of it were moved into segments."""
        return self.body.live

    @property
    def text(self) -> str:
        """Everything received so far."""
        return self.body.text

    async def write(self, fragment: str) -> None:
        """Append a fragment of the reply."""
        await self.body.write(fragment)

    async def finish(self, message: Message | None, status: MessageStatus, error: str = "") -> None:
        """Stop streaming, leave exactly the blocks of a fresh render of the final text, and show the outcome."""
        final_text = message.content if message is not None else self.text
        if message is not None:
            self.message = message
        await self.body.finish(final_text)
        self.set_status(status, error)


class ChatPane(VerticalScroll):
    """Scrolls through the conversation; follows the bottom while the reader is there."""

    VISIBILITY_INTERVAL = 0.1
    """At most this often, reply segments near the viewport are mounted and far ones unmounted."""

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self._visibility_pending = False
        self._last_visibility = 0.0
        self._known_width = 0

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

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.schedule_visibility_check()

    def on_resize(self) -> None:
        width = self.size.width
        if width != self._known_width:
            if self._known_width:
                for body in self.query("ReplyBody"):
                    body.estimate_heights(width)
            self._known_width = width
        self.schedule_visibility_check()

    def schedule_visibility_check(self) -> None:
        """Mount the reply segments that came near the viewport, soon but not on every scroll step."""
        if self._visibility_pending:
            return
        self._visibility_pending = True
        wait = self._last_visibility + self.VISIBILITY_INTERVAL - time.monotonic()
        if wait > 0:
            self.set_timer(wait, lambda: self.call_after_refresh(self._update_visibility))
        else:
            self.call_after_refresh(self._update_visibility)

    def _update_visibility(self) -> None:
        self._visibility_pending = False
        self._last_visibility = time.monotonic()
        view = self.region
        if view:
            for body in self.query("ReplyBody"):
                body.update_visibility(view)

    def on_segment_fitted(self, event: Segment.Fitted) -> None:
        """Keep the text in view still when a segment above it turns out taller or shorter than guessed."""
        following = self.scroll_y >= self.max_scroll_y - 1
        if not following and event.segment.region.bottom <= self.region.y:
            self.scroll_to(y=self.scroll_y + event.delta, animate=False, immediate=True)
