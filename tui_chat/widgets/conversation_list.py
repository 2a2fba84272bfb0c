"""The conversation list: title, model, date and cost of each conversation; actions go up as messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_chat.core.models import ConversationSummary
from tui_chat.core.text import one_line

if TYPE_CHECKING:
    from tui_chat.services.conversations import ConversationService

TITLE_LIMIT = 120
"""Characters of a title shown in the list; a longer one ends in an ellipsis."""


def short_date(moment: datetime, now: datetime | None = None) -> str:
    """The time for today's conversations, else the local date."""
    local = moment.astimezone()
    now = (now or datetime.now()).astimezone()
    return local.strftime("%H:%M") if local.date() == now.date() else local.strftime("%Y-%m-%d")


def summary_prompt(summary: ConversationSummary) -> Content:
    """Two lines for one conversation: its title, then model · date · cost (shown literally, controls made visible)."""
    from tui_chat.core.pricing import format_money

    conversation = summary.conversation
    cost = format_money(summary.cost) + ("+" if summary.unpriced_requests else "")
    meta = f"{one_line(conversation.model)} · {short_date(conversation.updated_at)} · {cost}"
    if conversation.archived:
        meta += " · archived"
    title = one_line(conversation.title[: TITLE_LIMIT * 4]) or "(untitled)"
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1] + "…"
    return Content.assemble((title, "bold"), "\n", (meta, "dim"))


class ConversationList(OptionList):
    """Lists conversations newest first; renames and archives them itself, other requests go up to the screen.

    Without a conversation service (`conversations`), every request goes up.
    """

    DEFAULT_CSS = """
    ConversationList, ConversationList:focus {
        width: 36;
        height: 1fr;
        border: none;
        border-right: vkey $foreground 20%;
        background: $surface;
        padding: 0;
    }
    ConversationList > .option-list--option { padding: 0 1; }
    """

    BINDINGS = [
        Binding("n", "new", "New", id="conversations.new"),
        Binding("r", "rename", "Rename", id="conversations.rename"),
        Binding("a", "toggle_archive", "Archive", id="conversations.archive"),
        Binding("v", "toggle_archived_view", "Archived", id="conversations.show_archived"),
        Binding("delete,d", "delete", "Delete", id="conversations.delete"),
    ]

    summaries: reactive[tuple[ConversationSummary, ...]] = reactive(tuple, init=False)
    current_id: reactive[int | None] = reactive(None, init=False)
    showing_archived = False
    """Whether the list shows the archived conversations instead of the active ones."""

    def __init__(
        self, conversations: Callable[[], Awaitable[ConversationService]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._conversations = conversations

    @dataclass
    class Selected(Message):
        """Open this conversation."""

        conversation_id: int

    @dataclass
    class NewRequested(Message):
        """Start a new conversation."""

    @dataclass
    class RenameRequested(Message):
        """Rename this conversation."""

        conversation_id: int

    @dataclass
    class ArchiveToggled(Message):
        """Archive this conversation (`archive` true), or bring it back from the archive (false)."""

        conversation_id: int
        archive: bool

    @dataclass
    class ArchivedViewToggled(Message):
        """Switch the list between active and archived conversations."""

    @dataclass
    class DeleteRequested(Message):
        """Delete this conversation (the screen asks for confirmation)."""

        conversation_id: int

    async def _refill(self) -> None:
        """Read the listed conversations again, keeping the current one."""
        if self._conversations is not None:
            summaries = await (await self._conversations()).summaries(archived=self.showing_archived)
            self.show(summaries, self.current_id)

    @on(RenameRequested)
    async def _rename(self, event: RenameRequested) -> None:
        """Ask for the conversation's new title, and store it."""
        if self._conversations is None:
            return
        event.stop()
        from tui_chat.screens.rename import TextPromptScreen

        conversations = await self._conversations()
        conversation = await conversations.get(event.conversation_id)
        if conversation is None:
            return

        async def rename(title: str | None) -> None:
            if title:
                await conversations.rename(event.conversation_id, title)
                await self._refill()

        self.app.push_screen(TextPromptScreen("Rename conversation", conversation.title), rename)

    @on(ArchiveToggled)
    async def _archive(self, event: ArchiveToggled) -> None:
        """Archive the conversation, or bring it back from the archive."""
        if self._conversations is None:
            return
        event.stop()
        await (await self._conversations()).set_archived(event.conversation_id, event.archive)
        self.app.notify("Archived." if event.archive else "Back from the archive.", markup=False)
        await self._refill()

    def show(self, summaries: Sequence[ConversationSummary], current_id: int | None = None) -> None:
        """Replace the listed conversations and mark the current one."""
        self.set_reactive(ConversationList.current_id, current_id)
        self.summaries = tuple(summaries)

    def watch_summaries(self) -> None:
        self._rebuild()

    def watch_current_id(self) -> None:
        self._highlight_current()

    def _rebuild(self) -> None:
        """Rebuild the options from the summaries, keeping the highlight on the current conversation."""
        self.clear_options()
        self.add_options(Option(summary_prompt(summary), id=str(summary.conversation.id)) for summary in self.summaries)
        self._highlight_current()

    def _highlight_current(self) -> None:
        """Put the cursor on the current conversation, or on the first one when it is not listed."""
        if not self.option_count:
            return
        try:
            self.highlighted = self.get_option_index(str(self.current_id))
        except Exception:  # the current conversation is not in this list (archived view)
            if self.highlighted is None:
                self.highlighted = 0

    @property
    def highlighted_summary(self) -> ConversationSummary | None:
        """The summary under the cursor."""
        if self.highlighted is None or not self.summaries:
            return None
        return self.summaries[self.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Selected(int(event.option.id)))

    def action_new(self) -> None:
        """Ask for a new conversation."""
        self.post_message(self.NewRequested())

    def action_rename(self) -> None:
        """Ask to rename the highlighted conversation."""
        if (summary := self.highlighted_summary) is not None:
            self.post_message(self.RenameRequested(summary.conversation.id))

    def action_toggle_archive(self) -> None:
        """Ask to archive or unarchive the highlighted conversation."""
        if (summary := self.highlighted_summary) is not None:
            self.post_message(self.ArchiveToggled(summary.conversation.id, not summary.conversation.archived))

    def action_toggle_archived_view(self) -> None:
        """Ask to show the archived conversations, or the active ones again."""
        self.post_message(self.ArchivedViewToggled())

    def action_delete(self) -> None:
        """Ask to delete the highlighted conversation."""
        if (summary := self.highlighted_summary) is not None:
            self.post_message(self.DeleteRequested(summary.conversation.id))
