"""The conversation pane: one view per message, replies streamed through MarkdownStream into a ReplyBody."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message as TextualMessage
from textual.widgets import Static

from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.core.text import show_controls
from tui_chat.widgets.message_view import STATUS_CLASSES, STATUS_NOTES, MessageView, estimated_rows, header_text

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from tui_chat.widgets.reply.body import ReplyBody
    from tui_chat.widgets.reply.segment import Segment
    from tui_chat.widgets.reply.thinking import ThinkingBlock

__all__ = ["STATUS_CLASSES", "STATUS_NOTES", "ChatPane", "MessageView", "NewTextMarker", "ReplyView", "header_text"]

MESSAGE_CHROME_ROWS = 2
"""Rows a message takes besides its body: the header and the gap above it."""
MESSAGE_CHROME_COLUMNS = 4
"""Columns a message's body loses to its border, padding and the pane's scrollbar."""
EAGER_ROWS = 200
"""A reply estimated longer than this is always drawn in segments, each only near the viewport."""
OPENING_SCREENS = 1.5
"""Screens of the newest messages mounted when a conversation opens; older ones come on scrolling up."""


class ReplyView(MessageView):
    """An assistant reply that grows as tokens arrive, without re-rendering what is already shown.

    The body (`ReplyBody`) streams into a small live Markdown widget through a MarkdownStream and
    moves finished blocks that leave the screen into segments mounted only near the viewport.
    """

    def compose(self) -> ComposeResult:
        message = self.message
        yield Static(header_text(message.role, message.model, message.status, message.error), classes="message-header")
        from tui_chat.widgets.reply.body import ReplyBody

        yield ReplyBody()

    _body: ReplyBody | None = None
    thinking_block: ThinkingBlock | None = None
    thinking_open = True
    """Whether thinking streams open (the thinking_while_streaming setting) or only its progress line."""

    @property
    def body(self) -> ReplyBody:
        """The reply's body, looked up once: `write` runs for every token."""
        if self._body is None:
            self._body = cast("ReplyBody", self.query_one("ReplyBody"))
        return self._body

    @property
    def markdown(self) -> Markdown:
        """The live Markdown widget: the whole reply unless parts of it were moved into segments."""
        return self.body.live

    @property
    def text(self) -> str:
        """Everything received so far."""
        return self.body.text

    async def write(self, fragment: str) -> None:
        """Append a fragment of the reply; a view already taken off the screen ignores it (the text is kept elsewhere)."""
        if self.is_attached:
            if self.thinking_block is not None and self.thinking_block.live:
                self.thinking_block.answer_started()
            await self.body.write(show_controls(fragment))

    async def think(self, fragment: str) -> None:
        """Append a fragment of the model's thinking, in a Thinking block above the answer."""
        if not self.is_attached:
            return
        if self.thinking_block is None:
            from tui_chat.widgets.reply.thinking import ThinkingBlock

            self.thinking_block = ThinkingBlock(live=True, open_while_live=self.thinking_open)
            await self.mount(self.thinking_block, before=self.body)
        self.thinking_block.write(fragment)

    async def finish(self, message: Message | None, status: MessageStatus, error: str = "") -> None:
        """Stop streaming, leave exactly the blocks of a fresh render of the final text, and show the outcome."""
        final_text = show_controls(message.content) if message is not None else self.text
        if message is not None:
            self.message = message
        if not self.is_attached:
            return
        if self.thinking_block is not None:
            self.thinking_block.answer_started(message.thinking if message is not None else None)
        elif message is not None and message.thinking:
            from tui_chat.widgets.reply.thinking import ThinkingBlock

            self.thinking_block = ThinkingBlock(message.thinking)
            await self.mount(self.thinking_block, before=self.body)
        await self.body.finish(final_text)
        self.set_status(status, error)


class NewTextMarker(Static):
    """Says that text arrived below while the reader is scrolled up; a click jumps down to it."""

    class Pressed(TextualMessage):
        """The marker was clicked."""

    def __init__(self, **kwargs) -> None:
        super().__init__("↓ New text below · End or click to jump down", **kwargs)

    def on_click(self) -> None:
        self.post_message(self.Pressed())


class ChatPane(VerticalScroll):
    """Scrolls through the conversation; follows the bottom while the reader is there."""

    VISIBILITY_INTERVAL = 0.1
    """At most this often, reply segments near the viewport are mounted and far ones unmounted."""

    class NewestDrawn(TextualMessage):
        """The replies drawn at once by show_messages are painted: slower work may start."""

    class NewTextBelow(TextualMessage):
        """Text arrived below a reader scrolled up (`shown`), or the reader is back at the bottom (not)."""

        def __init__(self, shown: bool) -> None:
            super().__init__()
            self.shown = shown

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self._new_text_below = False
        self._undrawn: set[MessageView] = set()
        self._visibility_pending = False
        self._last_visibility = 0.0
        self._known_width = 0

    def on_mount(self) -> None:
        self.anchor()

    @property
    def following(self) -> bool:
        """Whether the pane keeps to the bottom as text arrives (the reader has not scrolled away from it)."""
        return self.is_anchored and not self._anchor_released

    def anchor(self, anchor: bool = True) -> None:
        """Scroll to the bottom and follow it from now on (Textual's anchor), which clears the marker."""
        super().anchor(anchor)
        if self.following:
            self._mark_new_text_below(False)

    def text_arrived(self) -> None:
        """Text was added to a reply (told on the screen's ticks, not per token): mark it if the reader is up."""
        if not self.following:
            self._mark_new_text_below(True)

    def _mark_new_text_below(self, shown: bool) -> None:
        if shown != self._new_text_below:
            self._new_text_below = shown
            self.post_message(self.NewTextBelow(shown))

    def message_width(self) -> int:
        """The columns a message body has to wrap in."""
        width = self.size.width or self.app.size.width
        return max(width - MESSAGE_CHROME_COLUMNS, 10)

    def screen_rows(self) -> int:
        """The rows the pane shows (the terminal's before the first layout)."""
        return self.size.height or self.app.size.height

    def newest_filling(self, messages: list[Message], rows: int) -> int:
        """Where the newest messages that fill about `rows` rows (by estimate) begin, at a prompt if one is there."""
        width, start, total = self.message_width(), len(messages), 0
        while start > 0 and total < rows:
            start -= 1
            total += estimated_rows(messages[start].content, width) + MESSAGE_CHROME_ROWS
        if (
            0 < start < len(messages)
            and messages[start].role is not Role.USER
            and messages[start - 1].role is Role.USER
        ):
            start -= 1
        return start

    def message_views(self, messages: list[Message], *, drawn_from: int | None = None) -> list[MessageView]:
        """Views of stored messages; replies from `drawn_from` on are drawn at once (by default the
        newest that fill the pane), the others as segments mounted when they come near the viewport."""
        if drawn_from is None:
            drawn_from = self.newest_filling(messages, self.screen_rows())
        width = self.message_width()

        def eager(index: int, message: Message) -> bool:
            return index >= drawn_from and estimated_rows(message.content, width) <= EAGER_ROWS

        return [
            MessageView(message, width=width, eager=eager(index, message)) for index, message in enumerate(messages)
        ]

    async def show_messages(self, messages: list[Message], *, drawn_from: int | None = None) -> None:
        """Replace the pane's content with these messages, scrolled to the bottom; NewestDrawn follows."""
        views = self.message_views(messages, drawn_from=drawn_from)
        self._undrawn = {view for view in views if view.eager and view.message.role is Role.ASSISTANT}
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(views)
        self.anchor()
        self.call_after_refresh(self.schedule_visibility_check)
        if not self._undrawn:
            self.post_message(self.NewestDrawn())

    def on_markdown_table_of_contents_updated(self, event: Markdown.TableOfContentsUpdated) -> None:
        view = event.markdown.parent
        if view in self._undrawn:
            self._undrawn.discard(view)
            if not self._undrawn:
                self.call_after_refresh(self.post_message, self.NewestDrawn())

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

    def on_message_view_navigate(self, event: MessageView.Navigate) -> None:
        """Select the message before or after; past the ends the event goes on to the screen."""
        views = list(self.query_children(MessageView))
        index = views.index(event.view) + event.step if event.view in views else -1
        if 0 <= index < len(views):
            event.stop()
            views[index].focus()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._new_text_below and self.following:
            self._mark_new_text_below(False)
        self.schedule_visibility_check()

    def on_resize(self) -> None:
        width = self.size.width
        if width != self._known_width:
            if self._known_width:
                for body in self.query("ReplyBody"):
                    cast("ReplyBody", body).estimate_heights(width)
                for view in self.query_children(MessageView):
                    view.estimate_heights(self.message_width())
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
        from tui_chat.widgets.reply.body import NEAR_ROWS

        self._visibility_pending = False
        self._last_visibility = time.monotonic()
        view = self.region
        if view:
            for body in self.query("ReplyBody"):
                cast("ReplyBody", body).update_visibility(view)
            near = Region(view.x, view.y - NEAR_ROWS, view.width, view.height + 2 * NEAR_ROWS)
            far = Region(view.x, view.y - view.height * 2, view.width, view.height * 5)
            for message_view in self.query_children(MessageView):
                if message_view.segments:
                    message_view.update_visibility(near, far)

    def on_segment_fitted(self, event: Segment.Fitted) -> None:
        """Keep the text in view still when a segment above it turns out taller or shorter than guessed."""
        following = self.scroll_y >= self.max_scroll_y - 1
        if not following and event.segment.region.bottom <= self.region.y:
            self.scroll_to(y=self.scroll_y + event.delta, animate=False, immediate=True)
