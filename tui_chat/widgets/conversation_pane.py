"""The chat pane with paging: a conversation opens on its newest messages, older ones load on scroll."""

from __future__ import annotations

from textual.message import Message as TextualMessage

from tui_chat.core.models import Message
from tui_chat.widgets.chat_pane import ChatPane, MessageView

NEAR_TOP_ROWS = 2
"""Scrolling within this many rows of the top asks for the previous page."""


class ConversationPane(ChatPane):
    """A ChatPane that asks for older messages when the reader reaches the top."""

    class NearTop(TextualMessage):
        """The reader scrolled to the oldest message shown."""

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self._asked_for_older = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= NEAR_TOP_ROWS < old_value and not self._asked_for_older and self.max_scroll_y > 0:
            self._asked_for_older = True
            self.post_message(self.NearTop())

    def first_message_id(self) -> int | None:
        """The id of the oldest stored message shown."""
        for view in self.query(MessageView):
            if view.message.id:
                return view.message.id
        return None

    async def prepend_messages(self, messages: list[Message]) -> None:
        """Insert older messages above, keeping the reader's place."""
        if messages:
            height_before = self.virtual_size.height
            views = [MessageView(message) for message in messages]
            first = self.children[0] if self.children else None
            await self.mount_all(views, before=first) if first is not None else await self.mount_all(views)
            self.call_after_refresh(self._keep_place, height_before)
        self._asked_for_older = False

    def _keep_place(self, height_before: int) -> None:
        self.scroll_to(y=self.scroll_y + self.virtual_size.height - height_before, animate=False, release_anchor=False)

    def show_message(self, message_id: int) -> None:
        """Scroll so that a message (a search hit) is at the top of the pane."""
        for view in self.query(MessageView):
            if view.message.id == message_id:
                view.add_class("-found")
                self.call_after_refresh(self.scroll_to_widget, view, top=True, animate=False)
                return
