"""One stored message in the chat: a header, its body, and the keys that act on it once selected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.message import Message as TextualMessage
from textual.widgets import Static

from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.core.text import one_line, show_controls

if TYPE_CHECKING:
    from tui_chat.widgets.reply.segment import Segment

# Markdown (markdown-it, pygments: about 0.1 s) is imported when the first reply is composed,
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
"""One class per outcome; changing any class restyles every widget of the message, so it is set at creation."""

MESSAGE_BINDINGS = [
    Binding("up", "step(-1)", "Previous message", show=False, id="message.previous"),
    Binding("down", "step(1)", "Next message", show=False, id="message.next"),
    Binding("c", "request('copy')", "Copy", id="message.copy"),
    Binding("k", "request('copy_code')", "Copy code", id="message.copy_code"),
    Binding("e", "request('edit')", "Edit", id="message.edit"),
    Binding("d", "request('delete')", "Delete", id="message.delete"),
    Binding("t", "toggle_thinking", "Thinking", id="message.thinking"),
    Binding("escape", "request('leave')", "Back to prompt", show=False, id="message.leave"),
]


def header_text(role: Role, model: str, status: MessageStatus, error: str = "") -> Content:
    """The line above a message: who wrote it, with which model, and how it ended (never markup)."""
    who = "You" if role is Role.USER else (one_line(model) or "assistant")
    note = STATUS_NOTES.get(status, "")
    if error:
        note = f"{note}: {one_line(error)}" if note else one_line(error)
    return Content(f"{who} · {note}" if note else who)


def estimated_rows(text: str, width: int) -> int:
    """A quick guess of the rows a reply's text takes, without parsing it."""
    width = max(width, 10)
    return sum(1 + len(line) // width for line in text.split("\n")) + 1


class MessageView(Vertical, can_focus=True):
    """One message: a header line and its body; focus selects it for the message keys.

    A stored reply is drawn at once when `eager`, otherwise as segments whose Markdown blocks are
    mounted only while they are near the viewport (the pane calls `update_visibility`).
    """

    ALLOW_MAXIMIZE = False
    BINDINGS: ClassVar[list[BindingType]] = [*MESSAGE_BINDINGS]

    @dataclass
    class Navigate(TextualMessage):
        """The reader asked for the previous (-1) or next (1) message."""

        view: MessageView
        step: int

    @dataclass
    class ActionRequested(TextualMessage):
        """A key asked for an action on this message: copy, copy_code, edit, delete or leave."""

        view: MessageView
        action: str

    def __init__(self, message: Message, *, width: int = 0, eager: bool = True) -> None:
        super().__init__(classes=f"message -{message.role.value} -{message.status.value}")
        self.message = message
        self.width_hint = width
        self.eager = eager
        self.segments: list[Segment] = []

    def compose(self) -> ComposeResult:
        from tui_chat.widgets.reply.plain_text import PlainText, too_big_for_markdown

        message = self.message
        yield Static(header_text(message.role, message.model, message.status, message.error), classes="message-header")
        if message.thinking:
            from tui_chat.widgets.reply.thinking import ThinkingBlock

            yield ThinkingBlock(message.thinking)
        if message.tool_rounds:
            from tui_chat.widgets.tool_calls import stored_blocks

            yield from stored_blocks(message)
        if message.role is not Role.ASSISTANT:
            yield Static(Content(show_controls(message.content)), classes="message-body")
        elif self.eager:
            from textual.widgets import Markdown

            from tui_chat.widgets.reply.tokens import parser_factory

            yield Markdown(show_controls(message.content), parser_factory=parser_factory(), classes="message-body")
        elif too_big_for_markdown(message.content):
            yield PlainText(message.content, classes="message-body")
        else:
            from tui_chat.widgets.reply.placement import stored_segments

            self.segments = stored_segments(show_controls(message.content), self.width_hint or 80)
            yield from self.segments

    def set_status(self, status: MessageStatus, error: str = "") -> None:
        """Show how the message ended, in the header and as a CSS class."""
        classes = (set(self.classes) - STATUS_CLASSES) | {f"-{status.value}"}
        if classes != set(self.classes):
            self.set_classes(classes)
        header = self.query_one(".message-header", Static)
        header.update(header_text(self.message.role, self.message.model, status, error))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only prompts can be edited."""
        if action == "request" and parameters == ("edit",):
            return self.message.role is Role.USER
        if action == "toggle_thinking":
            return bool(self.query("ThinkingBlock"))
        return True

    def action_toggle_thinking(self) -> None:
        """Unfold or fold the reply's thinking."""
        from tui_chat.widgets.reply.thinking import ThinkingBlock

        for block in self.query(ThinkingBlock):
            block.toggle()

    def action_step(self, step: int) -> None:
        """Select the previous or next message."""
        self.post_message(self.Navigate(self, step))

    def action_request(self, action: str) -> None:
        """Ask the screen to act on this message."""
        self.post_message(self.ActionRequested(self, action))

    def update_visibility(self, near: Region, far: Region) -> None:
        """Mount the segments overlapping `near` and unmount those outside `far`; the layout must be current."""
        from tui_chat.widgets.reply.segment import show_near

        show_near(self.segments, near, far)

    def estimate_heights(self, width: int) -> None:
        """The pane's width changed: re-guess the heights of the segments not mounted."""
        for segment in self.segments:
            segment.estimate(width)
