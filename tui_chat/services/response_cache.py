"""`ask --cache`: an identical request (provider, model, messages, parameters, temperature 0) gets the stored reply.

Off by default. A hit costs nothing and is still recorded: the prompt and reply are saved as any
exchange is, with a $0 usage row marked as a cache hit. Only complete replies are kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import Message, MessageStatus, Role, Usage, UsageRecord, utc_now
from tui_chat.services.events import PromptSaved, ReplyFinished, TextDelta
from tui_chat.services.prompt_building import prompt_messages, request_params
from tui_chat.store.cost_queries import CostQueries

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tui_chat.core.models import Conversation
    from tui_chat.services.conversations import ConversationService
    from tui_chat.services.events import SessionEvent

CACHE_KIND = "cache hit"


class CacheNeedsTemperatureZero(TuiChatError):
    """A cached reply is only a stand-in for a request sampled at temperature 0."""

    kind = "usage"
    title = "Cannot cache"


def request_key(provider: str, model: str, messages: list[dict[str, str]], params: dict[str, float | int]) -> str:
    """A hash of everything that makes two requests the same request."""
    canonical = json.dumps([provider, model, messages, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def send_cached(
    conversations: ConversationService,
    conversation: Conversation,
    prompt: str,
    emit: Callable[[SessionEvent], Awaitable[None]],
    *,
    ttl_seconds: float,
    confirmed: bool,
) -> ReplyFinished:
    """The stored reply to this exact request when one is younger than `ttl_seconds`, else a real send (kept)."""
    if conversation.temperature is None:
        conversation = (
            await conversations.update_settings(
                conversation.id,
                system_prompt=conversation.system_prompt,
                temperature=0.0,
                max_tokens=conversation.max_tokens,
            )
            or conversation
        )
    if conversation.temperature != 0:
        raise CacheNeedsTemperatureZero(
            f"--cache answers only requests at temperature 0; this conversation uses {conversation.temperature:g}.",
            hint="Ask without --cache, or set its temperature to 0 (F2 in the app).",
        )
    repository = conversations.repository
    messages = prompt_messages(conversation, await repository.messages(conversation.id))
    messages.append({"role": "user", "content": prompt})
    key = request_key(conversation.provider, conversation.model, messages, request_params(conversation))
    queries = CostQueries(repository.database)
    now_ms = int(time.time() * 1000)
    cached = await queries.cached_reply(key, now_ms - int(ttl_seconds * 1000))
    if cached is None:
        finished = await conversations.send(conversation, prompt, emit, confirmed=confirmed)
        reply = finished.reply
        if finished.error is None and reply is not None and reply.status is MessageStatus.COMPLETE:
            await queries.keep_reply(key, reply.content, now_ms)
        return finished
    user_message = await repository.add_message(conversation.id, Role.USER, prompt, model=conversation.model)
    await emit(PromptSaved(user_message))
    await emit(TextDelta(cached))
    record = UsageRecord(
        provider=conversation.provider,
        model=conversation.model,
        usage=Usage(),
        cost=Decimal(0),
        price_source="response cache (no request sent)",
        status=MessageStatus.COMPLETE.value,
        latency_ms=0,
        conversation_id=conversation.id,
        price_kind=CACHE_KIND,
        computed_cost=Decimal(0),
    )
    reply = Message(0, conversation.id, Role.ASSISTANT, cached, model=conversation.model, created_at=utc_now())
    saved = await repository.save_reply(reply, record)
    return ReplyFinished(saved, record)
