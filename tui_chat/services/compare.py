"""Compare models side by side: one stored prompt, a reply from each model at once, each with its own usage row."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tui_chat.core import pricing, tokens
from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import Conversation, Message, MessageStatus, Role, Usage
from tui_chat.services.chat_session import ChatSession
from tui_chat.services.events import ReplyFinished, SessionEvent, TextDelta
from tui_chat.services.prompt_building import prompt_messages
from tui_chat.services.reply_request import store_despite_cancel
from tui_chat.store.comparisons import ComparisonStore, PickedCount

MIN_MODELS = 2
MAX_MODELS = 4
PaneEmit = Callable[[int, SessionEvent], Awaitable[None]]


async def _whole(write: Awaitable[object]) -> None:
    """Run a write to its end even if cancelled meanwhile (a transaction cut at BEGIN stays open), then stop."""
    _, cancelled = await store_despite_cancel(write)
    if cancelled:
        raise asyncio.CancelledError


class BadContenders(TuiChatError):
    """The models asked for cannot be compared (too few, too many, repeated or malformed)."""

    kind = "bad_contenders"
    title = "Cannot compare these models"


@dataclass(frozen=True, slots=True)
class Contender:
    """One model of a comparison, on one provider."""

    provider: str
    model: str

    @classmethod
    def parse(cls, text: str) -> Contender:
        """`provider/model` (the model may hold slashes of its own, as OpenRouter's do)."""
        provider, _, model = text.strip().partition("/")
        if not provider or not model:
            raise BadContenders(f"'{text}' is not provider/model, e.g. openai/gpt-4o-mini.")
        return cls(provider, model)

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"


def check_contenders(contenders: list[Contender]) -> None:
    """BadContenders unless there are 2 to 4 different models."""
    if not MIN_MODELS <= len(contenders) <= MAX_MODELS:
        raise BadContenders(f"Pick {MIN_MODELS} to {MAX_MODELS} models; {len(contenders)} given.")
    if len(set(contenders)) != len(contenders):
        raise BadContenders("Each model can be compared once; one is given twice.")


@dataclass
class Pane:
    """One model's reply as it streams and once it has ended, with its live and final figures."""

    contender: Contender
    prompt_tokens: int = 0
    parts: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    first_token_at: float | None = None
    last_token_at: float | None = None
    fragments: int = 0
    outcome: ReplyFinished | None = None
    row_id: int | None = None
    """Its reply's message once filed in the comparison's group of alternatives."""
    cost_rate: Callable[[Usage], Decimal | None] | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def reply(self) -> Message | None:
        return self.outcome.reply if self.outcome is not None else None

    @property
    def status(self) -> MessageStatus:
        """Streaming until it ends, then the stored reply's status (failed when nothing was stored)."""
        if self.outcome is None:
            return MessageStatus.STREAMING
        return self.reply.status if self.reply is not None else MessageStatus.FAILED

    @property
    def error(self) -> Exception | None:
        return self.outcome.error if self.outcome is not None else None

    @property
    def ttft_ms(self) -> int | None:
        """Time to first token: as recorded once it has ended, else as seen so far."""
        record = self.outcome.record if self.outcome is not None else None
        if record is not None:
            return record.ttft_ms
        return round((self.first_token_at - self.started) * 1000) if self.first_token_at is not None else None

    @property
    def usage(self) -> Usage:
        """The server's counts once it has ended, else the prompt estimate and the fragments seen so far."""
        if self.outcome is not None:
            record = self.outcome.record
            return record.usage if record is not None else Usage()  # never sent: nothing used
        return Usage(input_tokens=self.prompt_tokens, output_tokens=self.fragments, estimated=True)

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over the time from the first token to the last (None before two tokens)."""
        if self.first_token_at is None or self.last_token_at is None or self.last_token_at <= self.first_token_at:
            return None
        return self.usage.output_tokens / (self.last_token_at - self.first_token_at)

    @property
    def cost(self) -> Decimal | None:
        """The recorded cost once it has ended, else the price of the tokens so far (None when unpriced)."""
        if self.outcome is not None:
            record = self.outcome.record
            return record.cost if record is not None else Decimal(0)  # never sent: nothing spent
        return self.cost_rate(self.usage) if self.cost_rate is not None else None

    def figures(self) -> PaneFigures:
        """The figures as people read them."""
        usage = self.usage
        rate = self.tokens_per_second
        ttft = self.ttft_ms
        return PaneFigures(
            ttft="–" if ttft is None else f"{ttft / 1000:.2f} s",
            rate="–" if rate is None else f"{rate:.0f} tok/s",
            tokens_in=f"{'≈' if usage.estimated else ''}{usage.input_tokens:,}",
            tokens_out=f"{'≈' if usage.estimated else ''}{usage.output_tokens:,}",
            cost=("≈ " if usage.estimated else "") + pricing.format_money(self.cost),
        )


@dataclass(frozen=True, slots=True)
class PaneFigures:
    """One pane's time to first token, speed, tokens in and out, and cost, as text."""

    ttft: str
    rate: str
    tokens_in: str
    tokens_out: str
    cost: str


@dataclass
class Comparison:
    """One prompt answered by several models; `panes` follow the order the models were given in."""

    conversation: Conversation
    prompt: Message
    id: int
    blind: bool
    panes: list[Pane]
    messages: list[dict[str, str]] = field(default_factory=list)
    """What each model is sent: the conversation so far and the prompt."""
    picked: int | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    root_id: int | None = None
    """The reply the others are alternatives of, until the end files them in the models' order."""
    filing: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Taken while a reply is filed in the group, so two ending at once agree on its root."""

    def cancel(self) -> None:
        """Stop every reply still streaming; what arrived is kept and stored as cancelled."""
        for task in self.tasks:
            task.cancel()

    @property
    def finished(self) -> bool:
        return all(pane.outcome is not None for pane in self.panes)


class CompareService:
    """Runs comparisons through the chat session, so each reply is retried, budgeted and stored as any other."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self.store = ComparisonStore(session.repository.database)

    async def start(
        self,
        conversation: Conversation,
        prompt: str,
        contenders: list[Contender],
        *,
        blind: bool = False,
        confirmed: bool = False,
    ) -> Comparison:
        """Check the budget, save the prompt once and record the comparison; nothing is sent yet."""
        check_contenders(contenders)
        for contender in contenders:
            self.session.registry.provider(contender.provider)
        await self.session.check_budget(confirmed=confirmed)
        repository = self.session.repository
        history = await repository.messages(conversation.id)
        messages = prompt_messages(conversation, history) + [{"role": "user", "content": prompt}]
        prompt_message = await repository.add_message(conversation.id, Role.USER, prompt, model=conversation.model)
        comparison_id = await self.store.create(conversation.id, prompt_message.id, blind=blind)
        panes = [Pane(contender) for contender in contenders]
        return Comparison(conversation, prompt_message, comparison_id, blind, panes, messages)

    async def run(self, comparison: Comparison, emit: PaneEmit | None = None, *, confirmed: bool = False) -> Comparison:
        """Stream every model's reply at once and store them as one group of alternatives, the first shown.

        Each pane ends on its own (finished, failed or cancelled); cancelling the caller cancels them
        all, still storing what arrived.
        """
        comparison.tasks = [
            asyncio.create_task(self._pane(comparison, index, emit, confirmed))
            for index in range(len(comparison.panes))
        ]
        try:
            await asyncio.shield(asyncio.gather(*comparison.tasks, return_exceptions=True))
        except asyncio.CancelledError:
            comparison.cancel()
            await asyncio.gather(*comparison.tasks, return_exceptions=True)
            await store_despite_cancel(self._group(comparison))
            raise
        await _whole(self._group(comparison))
        return comparison

    async def pick(self, comparison: Comparison, index: int) -> Conversation:
        """Make pane `index`'s reply the conversation's and its model the one for what follows."""
        pane = comparison.panes[index]
        if pane.reply is None:
            raise TuiChatError("That model gave no reply to pick.", title="Nothing to pick")
        contender = pane.contender
        await _whole(self.store.pick(comparison.id, pane.reply.id, contender.provider, contender.model))
        await self.session.repository.set_conversation_model(
            comparison.conversation.id, contender.provider, contender.model
        )
        comparison.picked = index
        conversation = await self.session.repository.get_conversation(comparison.conversation.id)
        return conversation or comparison.conversation

    async def picked_counts(self) -> list[PickedCount]:
        """Per model, how often it was compared and picked."""
        return await self.store.picked_counts()

    async def _pane(self, comparison: Comparison, index: int, emit: PaneEmit | None, confirmed: bool) -> None:
        """One model's request: its own budget check, context check, retries, stream and usage row."""
        pane = comparison.panes[index]
        contender = pane.contender
        conversation = dataclasses.replace(comparison.conversation, provider=contender.provider, model=contender.model)
        sent = comparison.messages

        async def take(event: SessionEvent) -> None:
            if isinstance(event, TextDelta):
                pane.last_token_at = time.perf_counter()
                if pane.first_token_at is None:
                    pane.first_token_at = pane.last_token_at
                pane.fragments += 1
                if pane.row_id is None and pane.fragments > 1 and pane.fragments & (pane.fragments - 1) == 0:
                    # stored from its first text on; looked up at the 2nd, 4th, 8th… fragment until found
                    await _whole(self._claim(comparison, pane))
            elif isinstance(event, ReplyFinished):
                pane.outcome = event
            if emit is not None:
                await emit(index, event)

        pane.started = time.perf_counter()
        try:
            await self.session.check_budget(confirmed=confirmed)
            pane.prompt_tokens = tokens.count_messages(contender.model, sent).tokens
            pane.cost_rate = self._pricer(contender)
            self.session.check_context(  # the session's own check, so a compare refuses as a send does
                contender.provider, contender.model, sent
            )
            finished = await self.session.reply(conversation, sent, take, text=pane.parts)
        except asyncio.CancelledError:
            if pane.outcome is None:
                pane.outcome = ReplyFinished(None, None, None)
            await store_despite_cancel(self._attach(comparison, pane))  # even when the app is quitting
            raise
        except Exception as exc:
            finished = ReplyFinished(None, None, exc)
            await take(finished)
        pane.outcome = finished
        await _whole(self._attach(comparison, pane))

    async def _claim(self, comparison: Comparison, pane: Pane) -> None:
        """File the pane's reply in the group as soon as the session has stored its first text.

        So a comparison cut short, even by quitting, is stored as one reply with alternatives: the
        first reply to start is the group's root (shown), the others join it hidden.
        """
        async with comparison.filing:
            taken = [other.row_id for other in comparison.panes if other.row_id is not None]
            found = await self.store.streaming_reply(
                comparison.conversation.id, comparison.prompt.id, pane.contender.model, taken
            )
            if found is not None:
                await self._file(comparison, pane, found)

    async def _attach(self, comparison: Comparison, pane: Pane) -> None:
        """Tag the pane's usage row with the comparison and file its reply, once it has ended."""
        async with comparison.filing:
            record = pane.outcome.record if pane.outcome is not None else None
            if record is not None and record.id is not None:
                await self.store.tag_usage(comparison.id, record.id)
            if pane.reply is not None and pane.row_id != pane.reply.id:
                await self._file(comparison, pane, pane.reply.id)

    async def _file(self, comparison: Comparison, pane: Pane, row_id: int) -> None:
        pane.row_id = row_id
        if comparison.root_id is None:
            comparison.root_id = row_id
        await self.store.file(row_id, comparison.root_id)

    def _pricer(self, contender: Contender) -> Callable[[Usage], Decimal | None]:
        registry = self.session.registry
        ref = registry.ref(contender.provider)

        def price(usage: Usage) -> Decimal | None:
            return pricing.price_usage(ref, contender.model, usage, registry.price_overrides).cost

        return price

    async def _group(self, comparison: Comparison) -> None:
        """Store the replies as one group in the models' order, the first model's reply shown."""
        ids = [pane.reply.id for pane in comparison.panes if pane.reply is not None]
        if ids:
            await self.store.group(ids, ids[0])
