"""One exchange from prompt to stored reply: save first, stream through the retry policy, always record."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from tui_chat.core import pricing, tokens
from tui_chat.core.budget import BudgetStatus
from tui_chat.core.cost_truth import settle
from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import (
    Conversation,
    Message,
    Role,
    Usage,
    UsageRecord,
    utc_now,
)
from tui_chat.core.redaction import KnownKeyMask, redact
from tui_chat.services.budget_gate import check_budget
from tui_chat.services.errors import ProviderFailure, translate_error
from tui_chat.services.events import (
    PromptSaved,
    ReplyFinished,
    SessionEvent,
    StreamEvent,
    StreamFinished,
    TextDelta,
    UsageReport,
)
from tui_chat.services.prompt_building import (  # noqa: F401  (prompt_messages and the rest re-exported)
    CONTINUE_INSTRUCTION,
    SENDABLE_STATUSES,
    prompt_messages,
    request_params,
    status_for,
    up_to_last_prompt,
)
from tui_chat.services.providers import ConcurrencyLimits, ProviderRegistry
from tui_chat.services.reply_draft import FLUSH_SECONDS, ReplyDraft
from tui_chat.services.retry import call_with_retries
from tui_chat.store.repository import Repository

if TYPE_CHECKING:
    from tui_chat.services.llm import ProviderClient

Emit = Callable[[SessionEvent], Awaitable[None]]
T = TypeVar("T")


@dataclass
class _Request:
    """What one request accumulates while it runs; `parts` is the reply text, the caller's list when it gave one."""

    parts: list[str]
    draft: ReplyDraft
    started: float = field(default_factory=time.perf_counter)
    usage: Usage | None = None
    finish_reason: str | None = None
    first_token_at: float | None = None
    attempts: int = 1
    sent: bool = False
    mask: KnownKeyMask = field(default_factory=KnownKeyMask)
    """Masks a known key the server sends back inside the reply, before it is shown or stored."""

    @property
    def text(self) -> str:
        return "".join(self.parts)


async def _store_despite_cancel(store: Awaitable[T]) -> tuple[T, bool]:
    """Run a final save to its end even if the exchange is cancelled meanwhile, and say whether it was."""
    task = asyncio.ensure_future(store)
    interrupted = False
    while True:
        try:
            return await asyncio.shield(task), interrupted
        except asyncio.CancelledError:
            if task.cancelled():
                raise
            interrupted = True


class NothingToRetry(TuiChatError):
    """Retry or continue was asked for where there is nothing to act on."""

    kind = "nothing_to_retry"
    title = "Nothing to retry"


class ChatSession:
    """Runs exchanges for the UI and the CLI alike."""

    def __init__(self, repository: Repository, registry: ProviderRegistry) -> None:
        self.repository = repository
        self.registry = registry
        self.limits = ConcurrencyLimits(registry.settings.network.max_concurrent_per_provider)
        self.flush_seconds = FLUSH_SECONDS

    async def check_budget(self, *, confirmed: bool = False, conversation_id: int | None = None) -> BudgetStatus:
        """The budget check every request passes; OverBudget unless within limits or `confirmed` where allowed."""
        budget = self.registry.settings.budget
        return await check_budget(self.repository, budget, confirmed=confirmed, conversation_id=conversation_id)

    async def send(
        self,
        conversation: Conversation,
        prompt: str,
        emit: Emit,
        *,
        over_budget_confirmed: bool = False,
        text: list[str] | None = None,
    ) -> ReplyFinished:
        """Save the prompt, stream the reply, and store it with its usage whatever happens.

        A prompt over budget, or that cannot fit the model's context window, is refused before it
        is saved or sent, so no request is spent and the UI hands the text back to the user.
        """
        await self.check_budget(confirmed=over_budget_confirmed, conversation_id=conversation.id)
        history = await self.repository.messages(conversation.id)
        messages = prompt_messages(conversation, history) + [{"role": "user", "content": prompt}]
        self._check_context(conversation.provider, conversation.model, messages)
        user_message = await self.repository.add_message(conversation.id, Role.USER, prompt, model=conversation.model)
        await emit(PromptSaved(user_message))
        return await self.reply(conversation, messages, emit, text=text)

    async def retry(
        self,
        conversation: Conversation,
        emit: Emit,
        *,
        over_budget_confirmed: bool = False,
        text: list[str] | None = None,
    ) -> ReplyFinished:
        """Ask again for a reply to the last prompt; the earlier reply is kept as an alternative."""
        await self.check_budget(confirmed=over_budget_confirmed, conversation_id=conversation.id)
        history = await self.repository.messages(conversation.id)
        messages = up_to_last_prompt(prompt_messages(conversation, history))
        if not messages or messages[-1]["role"] != "user":
            raise NothingToRetry("There is no prompt to retry in this conversation.")
        self._check_context(conversation.provider, conversation.model, messages)
        previous = history[-1] if history and history[-1].role is Role.ASSISTANT else None
        replaces = previous.id if previous is not None else None
        finished = await self.reply(
            conversation, messages, emit, announce=previous is None, replaces=replaces, text=text
        )
        if previous is not None:
            if finished.reply is not None:
                await self.repository.mark_alternative(finished.reply.id, previous.id)
            await emit(finished)
        return finished

    async def continue_reply(
        self,
        conversation: Conversation,
        emit: Emit,
        *,
        over_budget_confirmed: bool = False,
        text: list[str] | None = None,
    ) -> ReplyFinished:
        """Ask the model to carry on from a truncated or cut-off reply, as a new reply."""
        await self.check_budget(confirmed=over_budget_confirmed, conversation_id=conversation.id)
        history = await self.repository.messages(conversation.id)
        messages = prompt_messages(conversation, history)
        if not messages or messages[-1]["role"] != "assistant":
            raise NothingToRetry("The last reply is not one that can be continued.")
        messages.append({"role": "user", "content": CONTINUE_INSTRUCTION})
        self._check_context(conversation.provider, conversation.model, messages)
        return await self.reply(conversation, messages, emit, text=text)

    async def reply(
        self,
        conversation: Conversation,
        messages: list[dict[str, str]],
        emit: Emit,
        *,
        announce: bool = True,
        replaces: int | None = None,
        text: list[str] | None = None,
    ) -> ReplyFinished:
        """Stream a reply to `messages` and record it; cancellation keeps what arrived.

        The reply is stored from its first text on and refreshed about once a second, so a crash
        loses at most the last second. With `announce` False the caller emits ReplyFinished itself,
        after its own bookkeeping; `replaces` is the reply a retry sets aside as an alternative.
        The text arrives into `text` when given (the caller's one copy of it), else into a list of its own.
        """
        provider_name, model = conversation.provider, conversation.model
        failure: Exception | None = None
        cancelled = False
        reply_started = utc_now()
        draft = ReplyDraft(
            self.repository, conversation.id, model, reply_started, replaces=replaces, interval=self.flush_seconds
        )
        exchange = _Request(parts=text if text is not None else [], draft=draft)
        try:
            client = await self.registry.client(provider_name)
            async with self.limits.slot(provider_name):
                exchange.started = time.perf_counter()
                exchange.sent = True
                params = request_params(conversation)
                (pending, stream), exchange.attempts = await call_with_retries(
                    lambda: self._open(client, model, messages, params),
                    self.registry.settings.retry,
                    on_retry=emit,
                )
                for event in pending:
                    await self._take(event, exchange, emit)
                async for event in stream:
                    await self._take(event, exchange, emit)
                await self._release_held(exchange, emit)
        except asyncio.CancelledError:
            cancelled = True
        except Exception as exc:
            failure = translate_error(exc) if not hasattr(exc, "title") else exc
            exchange.attempts = getattr(exc, "attempts", exchange.attempts)
        held = exchange.mask.flush()  # cut off mid-stream: keep what the key mask held back
        if held:
            exchange.parts.append(held)
        if failure is None and exchange.finish_reason == "content_filter":
            failure = ProviderFailure.content_filtered()
        if exchange.sent:
            record = self._record(conversation, messages, exchange, failure, cancelled, reply_started)
            finished, cancelled_while_storing = await _store_despite_cancel(record)
            cancelled = cancelled or cancelled_while_storing
        else:
            finished = ReplyFinished(None, None, failure)
        if announce or cancelled:
            await emit(finished)
        if cancelled:
            raise asyncio.CancelledError
        return finished

    def _check_context(self, provider_name: str, model: str, messages: list[dict[str, str]]) -> None:
        """Refuse before sending when the prompt cannot fit the model's context window."""
        window = pricing.context_window(self.registry.ref(provider_name), model)
        if window is None:
            return
        needed = tokens.count_messages(model, messages)
        if needed.tokens >= window:
            raise ProviderFailure(
                "context_length",
                "Conversation too long for the model",
                f"The prompt needs {needed} tokens; {model} holds {window:,}.",
                hint="Start a new conversation or pick a model with a larger context window.",
            )

    @staticmethod
    async def _open(
        client: ProviderClient, model: str, messages: list[dict[str, str]], params: dict[str, Any]
    ) -> tuple[list[StreamEvent], AsyncGenerator[StreamEvent, None]]:
        """Open a stream and read up to its first text, so retries never follow a token."""
        stream = client.stream_chat(model, messages, **params)
        pending: list[StreamEvent] = []
        try:
            async for event in stream:
                pending.append(event)
                if isinstance(event, (TextDelta, StreamFinished)):
                    break
        except BaseException:
            await stream.aclose()
            raise
        return pending, stream

    @staticmethod
    async def _release_held(exchange: _Request, emit: Emit) -> None:
        """Show and keep the text the key mask held back, once the stream says no more is coming."""
        held = exchange.mask.flush()
        if held:
            exchange.parts.append(held)
            await emit(TextDelta(held))
            await exchange.draft.update(exchange.parts)

    @staticmethod
    async def _take(event: StreamEvent, exchange: _Request, emit: Emit) -> None:
        """Fold one stream event into the exchange and pass it up."""
        if isinstance(event, TextDelta):
            if exchange.first_token_at is None:
                exchange.first_token_at = time.perf_counter()
            shown = exchange.mask.feed(event.text)
            if not shown:
                return
            event = event if shown == event.text else TextDelta(shown)
            exchange.parts.append(shown)
        elif isinstance(event, UsageReport):
            exchange.usage = event.usage
        elif isinstance(event, StreamFinished):
            await ChatSession._release_held(exchange, emit)
            exchange.finish_reason = event.finish_reason
        await emit(event)
        if isinstance(event, TextDelta):
            await exchange.draft.update(exchange.parts)

    async def _record(
        self,
        conversation: Conversation,
        messages: list[dict[str, str]],
        exchange: _Request,
        failure: Exception | None,
        cancelled: bool,
        reply_started: datetime,
    ) -> ReplyFinished:
        """Store the reply (updating its streaming row, if any) and its usage row in one transaction."""
        model = conversation.model
        await exchange.draft.settle()
        text = exchange.text
        usage = exchange.usage
        if usage is None:
            answered = bool(text) or exchange.finish_reason is not None
            usage = tokens.estimate_usage(model, messages, text) if answered else Usage(estimated=True)
        status = status_for(exchange.finish_reason, bool(text), failure, cancelled)
        price = pricing.price_usage(
            self.registry.ref(conversation.provider), model, usage, self.registry.price_overrides, at=reply_started
        )
        settled = settle(price, usage.reported_cost, conversation.provider)
        ended = time.perf_counter()
        record = UsageRecord(
            provider=conversation.provider,
            model=model,
            usage=usage,
            cost=settled.cost,
            price_source=settled.source,
            computed_cost=settled.computed,
            price_kind=settled.kind,
            prices_version=settled.prices_version,
            status=status.value,
            latency_ms=round((ended - exchange.started) * 1000),
            ttft_ms=round((exchange.first_token_at - exchange.started) * 1000) if exchange.first_token_at else None,
            error_kind=getattr(failure, "kind", "") if failure else "",
            attempts=exchange.attempts,
            conversation_id=conversation.id,
        )
        error_text = (
            f"{failure.title}: {failure.detail}"
            if isinstance(failure, ProviderFailure)
            else (str(failure) if failure else "")
        )
        error_text = redact(error_text)
        reply = Message(
            id=exchange.draft.message_id or 0,
            conversation_id=conversation.id,
            role=Role.ASSISTANT,
            content=text,
            model=model,
            status=status,
            created_at=reply_started,
            error=error_text,
        )
        saved = await self.repository.save_reply(reply, record)
        return ReplyFinished(saved, record, failure)
