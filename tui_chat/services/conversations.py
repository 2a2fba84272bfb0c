"""Every operation on conversations and messages, shared by the TUI and the CLI; all storage goes through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from tui_chat.core.budget import BudgetStatus, budget_status
from tui_chat.core.conversation_budget import combined, conversation_status
from tui_chat.core.forecast import BURN_DAYS, forecast
from tui_chat.core.models import Conversation, ConversationExport, ConversationSummary, Message, Role, SearchHit
from tui_chat.services.budget_gate import check_budget

if TYPE_CHECKING:
    from tui_chat.config import BudgetSettings
    from tui_chat.core.attachments import Attachment
    from tui_chat.services.chat_session import ChatSession, Emit
    from tui_chat.services.events import ReplyFinished
    from tui_chat.store.repository import Repository, SpendTotals

HISTORY_PAGE = 12
"""Messages per page read for a screen: on opening and each time the reader scrolls up to the oldest one shown."""


@dataclass(frozen=True, slots=True)
class Page:
    """Messages of one conversation, oldest first, and whether older ones exist before them."""

    messages: list[Message]
    has_older: bool


@dataclass(frozen=True, slots=True)
class Spending:
    """One conversation's spend (None without one), today's and this month's, and the budget's state."""

    conversation: SpendTotals | None
    today: SpendTotals
    month: SpendTotals
    budget: BudgetStatus
    projected_month: Decimal | None = None
    """This month's spend at month end if the last seven days' rate goes on (core/forecast.py)."""


@dataclass(frozen=True, slots=True)
class AlternativeShown:
    """Which regenerated version of a reply is now shown: `position` of `count`, counting from 1."""

    position: int
    count: int


class ConversationService:
    """Creates, lists, searches, exports, renames, archives, deletes and edits conversations; sends within the budget."""

    def __init__(self, repository: Repository, session: ChatSession, budget: BudgetSettings) -> None:
        self.repository = repository
        self.session = session
        self.budget = budget

    async def create(self, *, provider: str, model: str, system_prompt: str = "") -> Conversation:
        """A new, empty conversation."""
        return await self.repository.create_conversation(provider=provider, model=model, system_prompt=system_prompt)

    async def get(self, conversation_id: int) -> Conversation | None:
        """One conversation by id, or None."""
        return await self.repository.get_conversation(conversation_id)

    async def latest(self) -> Conversation | None:
        """The most recently active conversation that is not archived."""
        return await self.repository.latest_conversation()

    async def summaries(self, *, archived: bool = False) -> list[ConversationSummary]:
        """Active (or archived) conversations, newest activity first, with message counts and costs."""
        return await self.repository.conversation_summaries(archived=archived)

    async def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Shown messages matching every word of `text`, best match first (keys redacted)."""
        return await self.repository.search(text, limit=limit)

    async def export(self, conversation_id: int) -> ConversationExport | None:
        """A conversation with all its messages and usage rows, or None when there is no such conversation."""
        return await self.repository.export_data(conversation_id)

    async def export_text(
        self, conversation_id: int, form: Literal["md", "json"], folder: str = "", *, with_thinking: bool = False
    ) -> str | None:
        """A conversation as Markdown (attachments linked in `folder`) or JSON (embedded), keys redacted; None when
        absent. Replies' thinking is left out unless `with_thinking`."""
        from tui_chat.services.conversation_export import to_json, to_markdown

        export = await self.export(conversation_id)
        if export is None:
            return None
        files = await self.attachments(conversation_id)
        if form == "json":
            return to_json(export, files, with_thinking=with_thinking)
        return to_markdown(export, files, folder, with_thinking=with_thinking)

    async def rename(self, conversation_id: int, title: str) -> None:
        """Give a conversation a new title."""
        await self.repository.set_title(conversation_id, title)

    async def set_archived(self, conversation_id: int, archived: bool) -> None:
        """Archive a conversation, or bring it back from the archive."""
        await self.repository.set_archived(conversation_id, archived)

    async def delete(self, conversation_id: int) -> bool:
        """Delete a conversation and its messages (its spending stays counted) and attachments no other message carries."""
        existed = await self.repository.delete_conversation(conversation_id)
        await self.session.attachments.prune()
        return existed

    async def set_model(self, conversation_id: int, provider: str, model: str) -> Conversation | None:
        """Send the conversation's next requests to `provider` and `model`; the updated conversation."""
        await self.repository.set_conversation_model(conversation_id, provider, model)
        return await self.get(conversation_id)

    async def update_settings(
        self, conversation_id: int, *, system_prompt: str, temperature: float | None, max_tokens: int | None
    ) -> Conversation | None:
        """Store the system prompt, temperature and reply length limit; the updated conversation."""
        await self.repository.update_conversation_settings(
            conversation_id, system_prompt=system_prompt, temperature=temperature, max_tokens=max_tokens
        )
        return await self.get(conversation_id)

    async def set_reasoning_effort(self, conversation_id: int, effort: str | None) -> Conversation | None:
        """Ask for this reasoning effort in the conversation's next requests (None: the default); the updated one."""
        await self.repository.set_reasoning_effort(conversation_id, effort)
        return await self.get(conversation_id)

    async def messages(self, conversation_id: int) -> list[Message]:
        """Every shown message of a conversation, oldest first."""
        return await self.repository.messages(conversation_id)

    async def newest_page(self, conversation_id: int, limit: int = HISTORY_PAGE) -> list[Message]:
        """The newest `limit` shown messages, oldest first."""
        return await self.repository.messages(conversation_id, limit=limit)

    async def page_before(self, conversation_id: int, before_id: int, limit: int = HISTORY_PAGE) -> Page:
        """The `limit` shown messages before `before_id`, and whether there are more before them."""
        older = await self.repository.messages(conversation_id, limit=limit, before_id=before_id)
        return Page(older, len(older) == limit)

    async def page_around(self, conversation_id: int, message_id: int, limit: int = HISTORY_PAGE) -> list[Message]:
        """About `limit` shown messages around `message_id` (it included), oldest first."""
        half = limit // 2
        before = await self.repository.messages(conversation_id, limit=half, before_id=message_id + 1)
        return before + await self.repository.messages_after(conversation_id, message_id, limit=half)

    async def has_older(self, conversation_id: int, messages: list[Message]) -> bool:
        """Whether shown messages exist before the first of `messages`."""
        if not messages:
            return False
        return bool(await self.repository.messages(conversation_id, limit=1, before_id=messages[0].id))

    async def last_message(self, conversation_id: int, role: Role | None = None) -> Message | None:
        """The last shown message with that role (of any role for None) among the latest ones."""
        messages = await self.repository.messages(conversation_id, limit=20)
        return next((message for message in reversed(messages) if role is None or message.role is role), None)

    async def count_after(self, conversation_id: int, message_id: int) -> int:
        """How many shown messages follow `message_id`: what an edit of it would replace."""
        return len(await self.repository.messages_after(conversation_id, message_id, limit=1_000_000))

    async def delete_from(self, conversation_id: int, message_id: int) -> int:
        """Delete a prompt being edited and every later message (usage rows stay); the count removed."""
        return await self.repository.delete_messages_from(conversation_id, message_id)

    async def delete_message(self, message_id: int) -> Message | None:
        """Delete one message (its usage rows stay); the regenerated alternative that now takes its place, if any."""
        others = [other for other in await self.repository.alternatives(message_id) if other.id != message_id]
        await self.repository.delete_message(message_id)
        return await self.repository.get_message(others[-1].id) if others else None

    async def show_alternative(self, reply_id: int, step: int) -> AlternativeShown | None:
        """Show the regenerated version `step` away from `reply_id` (wrapping); None when it has no other version."""
        group = await self.repository.alternatives(reply_id)
        if len(group) < 2:
            return None
        index = next(position for position, message in enumerate(group) if message.id == reply_id)
        chosen = (index + step) % len(group)
        await self.repository.show_alternative(group[chosen].id)
        return AlternativeShown(chosen + 1, len(group))

    async def attachments(self, conversation_id: int) -> dict[int, list[Attachment]]:
        """The files each prompt of a conversation carried, by message id."""
        return await self.session.attachments.for_conversation(conversation_id)

    async def prompt_history(self) -> list[str]:
        """The user's latest distinct prompts across conversations, oldest first (for the up arrow)."""
        return list(reversed(await self.repository.recent_prompts()))

    async def recent_models(self, provider: str) -> list[str]:
        """Models of `provider` used lately, most recent first."""
        return await self.repository.recent_models(provider)

    async def spending(self, conversation_id: int | None, now: datetime | None = None) -> Spending:
        """The conversation's, today's and this month's spend (local time), and the budget's state."""
        now = now or datetime.now().astimezone()
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        spent = await self.repository.spend(conversation_id=conversation_id) if conversation_id is not None else None
        today = await self.repository.spend(since=day_start)
        month = await self.repository.spend(since=day_start.replace(day=1))
        budget = budget_status(today.cost, month.cost, self.budget.daily, self.budget.monthly)
        if spent is not None and conversation_id is not None:
            own = await self.repository.get_conversation(conversation_id)
            budget = combined(budget, conversation_status(spent.cost, own.budget if own else None))
        recent = await self.repository.spend(since=now - timedelta(days=BURN_DAYS))
        projected = forecast(recent.cost, month.cost, now.date()).projected_month
        return Spending(spent, today, month, budget, projected)

    async def check_budget(self, *, confirmed: bool = False, conversation_id: int | None = None) -> BudgetStatus:
        """The budget check in front of every request; OverBudget unless within limits or `confirmed` where allowed."""
        return await check_budget(self.repository, self.budget, confirmed=confirmed, conversation_id=conversation_id)

    async def set_budget(self, conversation_id: int, budget: Decimal | None) -> None:
        """Set (None: clear) a conversation's own spending limit, checked with the daily and monthly ones."""
        from tui_chat.store.cost_queries import CostQueries

        await CostQueries(self.repository.database).set_conversation_budget(conversation_id, budget)

    async def send(
        self,
        conversation: Conversation,
        prompt: str,
        emit: Emit,
        *,
        confirmed: bool = False,
        text: list[str] | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> ReplyFinished:
        """Save the prompt and its attachments and stream its reply (into `text`, when given), within the budget."""
        return await self.session.send(
            conversation, prompt, emit, over_budget_confirmed=confirmed, text=text, attachments=attachments
        )

    async def retry(
        self, conversation: Conversation, emit: Emit, *, confirmed: bool = False, text: list[str] | None = None
    ) -> ReplyFinished:
        """Ask again for a reply to the last prompt, within the budget; the earlier reply stays as an alternative."""
        return await self.session.retry(conversation, emit, over_budget_confirmed=confirmed, text=text)

    async def continue_reply(
        self, conversation: Conversation, emit: Emit, *, confirmed: bool = False, text: list[str] | None = None
    ) -> ReplyFinished:
        """Ask the model to carry on from the last reply, within the budget."""
        return await self.session.continue_reply(conversation, emit, over_budget_confirmed=confirmed, text=text)
