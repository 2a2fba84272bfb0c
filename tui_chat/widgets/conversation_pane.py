"""The chat pane with paging: a conversation opens on its newest messages, older ones load on scroll."""

from __future__ import annotations

from textual.message import Message as TextualMessage

from tui_chat.core.models import Message
from tui_chat.widgets.chat_pane import ChatPane, MessageView

NEAR_TOP_ROWS = 2
"""Scrolling within this many rows of the top asks for the previous page."""


class ConversationPane(ChatPane):
    """A ChatPane that asks for older messages when the reader reaches the top, or selects past the first."""

    class NearTop(TextualMessage):
        """The reader scrolled to the oldest message shown, or asked for the one before it."""

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self._asked_for_older = False
        self._select_after_prepend = False
        self.has_older = False
        """Whether stored messages older than the first one shown exist; set by the screen."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= NEAR_TOP_ROWS < old_value and self.max_scroll_y > 0:
            self.ask_for_older()

    def ask_for_older(self) -> None:
        """Post NearTop once until the page arrives."""
        if not self._asked_for_older:
            self._asked_for_older = True
            self.post_message(self.NearTop())

    def on_message_view_navigate(self, event: MessageView.Navigate) -> None:
        """Selecting up from the first message shown loads the page before it and selects its last."""
        first = next(iter(self.query_children(MessageView)), None)
        if event.step < 0 and event.view is first and self.has_older:
            event.stop()
            self._select_after_prepend = True
            self.ask_for_older()
            return
        super().on_message_view_navigate(event)

    def first_message_id(self) -> int | None:
        """The id of the oldest stored message shown."""
        for view in self.query_children(MessageView):
            if view.message.id:
                return view.message.id
        return None

    async def prepend_messages(self, messages: list[Message]) -> None:
        """Insert older messages above (their replies drawn when scrolled to), keeping the reader's place."""
        select = self._select_after_prepend
        self._select_after_prepend = False
        if messages:
            height_before = self.virtual_size.height
            views = self.message_views(messages, drawn_from=len(messages))
            first = self.children[0] if self.children else None
            with self.app.batch_update():
                await self.mount_all(views, before=first) if first is not None else await self.mount_all(views)
            self.call_after_refresh(self._keep_place, height_before)
            self.call_after_refresh(self.schedule_visibility_check)
            if select:
                self.call_after_refresh(views[-1].focus)
        self._asked_for_older = False

    def _keep_place(self, height_before: int) -> None:
        self.scroll_to(y=self.scroll_y + self.virtual_size.height - height_before, animate=False, release_anchor=False)

    def show_message(self, message_id: int) -> MessageView | None:
        """Scroll so that a message (a search hit) is at the top of the pane, and mark it."""
        for view in self.query_children(MessageView):
            if view.message.id == message_id:
                view.add_class("-found")
                self.call_after_refresh(self.scroll_to_widget, view, top=True, animate=False)
                return view
        return None
