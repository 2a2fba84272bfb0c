"""One exchange from prompt to stored reply: save first, stream through the retry policy, always record."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from tui_chat.core import pricing, tokens
from tui_chat.core.attachments import Attachment, message_content
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
from tui_chat.core.redaction import redact
from tui_chat.services.attachment_rules import check_vision
from tui_chat.services.budget_gate import check_budget
from tui_chat.services.errors import ProviderFailure, translate_error
from tui_chat.services.events import (
    PromptSaved,
    ReplyFinished,
    SessionEvent,
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
from tui_chat.services.reasoning import (
    effort_params,
    estimate_with_thinking,
    explain_rejected_effort,
    with_estimated_reasoning,
)
from tui_chat.services.reply_draft import FLUSH_SECONDS, ReplyDraft
from tui_chat.services.reply_request import Request, open_stream, release_held, store_despite_cancel, take
from tui_chat.services.retry import call_with_retries
from tui_chat.store.attachments import AttachmentStore
from tui_chat.store.repository import Repository

if TYPE_CHECKING:
    from tui_chat.services.tools.runtime import ToolRuntime

Emit = Callable[[SessionEvent], Awaitable[None]]
T = TypeVar("T")


class NothingToRetry(TuiChatError):
    """Retry or continue was asked for where there is nothing to act on."""

    kind = "nothing_to_retry"
    title = "Nothing to retry"


class ChatSession:
    """Runs exchanges for the UI and the CLI alike."""

    def __init__(self, repository: Repository, registry: ProviderRegistry) -> None:
        self.repository = repository
        self.registry = registry
        self.attachments = AttachmentStore(repository.database)
        self.limits = ConcurrencyLimits(registry.settings.network.max_concurrent_per_provider)
        self.flush_seconds = FLUSH_SECONDS
        self.tools: ToolRuntime | None = None  # the app's tools: a conversation offering any runs the tool loop

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
        attachments: Sequence[Attachment] = (),
    ) -> ReplyFinished:
        """Save the prompt (and its attachments), stream the reply, and store it with its usage whatever happens.

        A prompt over budget, with images for a model that takes none, or that cannot fit the model's
        context window, is refused before it is saved or sent, so no request is spent and the UI hands
        the text back to the user.
        """
        check_vision(self.registry.settings, conversation.provider, conversation.model, attachments)
        await self.check_budget(confirmed=over_budget_confirmed, conversation_id=conversation.id)
        history = await self.repository.messages(conversation.id)
        files = await self.attachments.for_conversation(conversation.id)
        content = message_content(prompt, attachments)
        messages = prompt_messages(conversation, history, files) + [{"role": "user", "content": content}]
        self.check_context(conversation.provider, conversation.model, messages)
        user_message = await self.repository.add_message(conversation.id, Role.USER, prompt, model=conversation.model)
        await self.attachments.link(user_message.id, attachments)
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
        files = await self.attachments.for_conversation(conversation.id)
        messages = up_to_last_prompt(prompt_messages(conversation, history, files))
        if not messages or messages[-1]["role"] != "user":
            raise NothingToRetry("There is no prompt to retry in this conversation.")
        self.check_context(conversation.provider, conversation.model, messages)
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
        messages = prompt_messages(conversation, history, await self.attachments.for_conversation(conversation.id))
        if not messages or messages[-1]["role"] not in ("assistant", "tool"):  # "tool": a tool loop stopped
            raise NothingToRetry("The last reply is not one that can be continued.")
        messages.append({"role": "user", "content": CONTINUE_INSTRUCTION})
        self.check_context(conversation.provider, conversation.model, messages)
        return await self.reply(conversation, messages, emit, text=text)

    async def reply(
        self,
        conversation: Conversation,
        messages: list[dict[str, Any]],
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
        if self.tools is not None and self.tools.configured:
            from tui_chat.services.tools.loop import tool_reply

            with_tools = await tool_reply(self, self.tools, conversation, messages, emit, announce=announce, text=text)
            if with_tools is not None:
                return with_tools
        provider_name, model = conversation.provider, conversation.model
        failure: Exception | None = None
        cancelled = False
        reply_started = utc_now()
        draft = ReplyDraft(
            self.repository, conversation.id, model, reply_started, replaces=replaces, interval=self.flush_seconds
        )
        exchange = Request(parts=text if text is not None else [], draft=draft)
        draft.thinking = exchange.thinking
        params: dict[str, Any] = {}
        try:
            client = await self.registry.client(provider_name)
            async with self.limits.slot(provider_name):
                exchange.started = time.perf_counter()
                exchange.sent = True
                params = request_params(conversation) | effort_params(
                    conversation.reasoning_effort, self.registry.providers.get(provider_name)
                )
                (pending, stream), exchange.attempts = await call_with_retries(
                    lambda: open_stream(client, model, messages, params),
                    self.registry.settings.retry,
                    on_retry=emit,
                )
                for event in pending:
                    await take(event, exchange, emit)
                async for event in stream:
                    await take(event, exchange, emit)
                await release_held(exchange, emit)
        except asyncio.CancelledError:
            cancelled = True
        except Exception as exc:
            failure = translate_error(exc) if not hasattr(exc, "title") else exc
            exchange.attempts = getattr(exc, "attempts", exchange.attempts)
            explain_rejected_effort(failure, params if exchange.sent else {})
        held = exchange.mask.flush()  # cut off mid-stream: keep what the key mask held back
        if held:
            exchange.parts.append(held)
        held = exchange.thinking_mask.flush()
        if held:
            exchange.thinking.append(held)
        if failure is None and exchange.finish_reason == "content_filter":
            failure = ProviderFailure.content_filtered()
        if exchange.sent:
            record = self._record(conversation, messages, exchange, failure, cancelled, reply_started)
            finished, cancelled_while_storing = await store_despite_cancel(record)
            cancelled = cancelled or cancelled_while_storing
        else:
            finished = ReplyFinished(None, None, failure)
        if announce or cancelled:
            await emit(finished)
        if cancelled:
            raise asyncio.CancelledError
        return finished

    def check_context(self, provider_name: str, model: str, messages: list[dict[str, Any]]) -> None:
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

    async def _record(
        self,
        conversation: Conversation,
        messages: list[dict[str, Any]],
        exchange: Request,
        failure: Exception | None,
        cancelled: bool,
        reply_started: datetime,
    ) -> ReplyFinished:
        """Store the reply (updating its streaming row, if any) and its usage row in one transaction."""
        model = conversation.model
        await exchange.draft.settle()
        text, thinking = exchange.text, "".join(exchange.thinking)
        usage = exchange.usage
        if usage is None:
            answered = bool(text or thinking) or exchange.finish_reason is not None
            usage = estimate_with_thinking(model, messages, text, thinking) if answered else Usage(estimated=True)
        elif thinking and not usage.reasoning_tokens:
            usage = with_estimated_reasoning(model, usage, thinking)
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
            answer_ms=round((exchange.answer_at - exchange.started) * 1000) if exchange.answer_at else None,
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
            thinking=thinking,
        )
        saved = await self.repository.save_reply(reply, record)
        return ReplyFinished(saved, record, failure)
