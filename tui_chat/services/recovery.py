"""After a crash: replies left streaming become interrupted ones, with an estimated usage row so spending counts them."""

from __future__ import annotations

from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import Message, MessageStatus, UsageRecord
from tui_chat.services.prompt_building import prompt_messages
from tui_chat.services.providers import ProviderRegistry
from tui_chat.store.repository import Repository


async def recover_interrupted_replies(repository: Repository, registry: ProviderRegistry) -> list[int]:
    """Mark every reply a crash left streaming as interrupted, keeping its text; return their ids.

    Replies another live tui-chat is still streaming are left as they are. Idempotent: a reply already recovered is no longer streaming and is skipped.
    """
    recovered = []
    for reply in await repository.abandoned_replies():
        record = await _estimated_record(repository, registry, reply)
        if await repository.mark_interrupted(reply.id, record):
            recovered.append(reply.id)
    return recovered


async def _estimated_record(repository: Repository, registry: ProviderRegistry, reply: Message) -> UsageRecord:
    """The usage row of a reply whose request never reported usage: counted from its prompt and text."""
    from tui_chat.core import pricing, tokens  # genai-prices and tiktoken load only when a crash left a reply
    from tui_chat.core.cost_truth import settle

    conversation = await repository.get_conversation(reply.conversation_id)
    provider = conversation.provider if conversation is not None else ""
    history = await repository.messages(reply.conversation_id, before_id=reply.id) if conversation else []
    sent = prompt_messages(conversation, history) if conversation is not None else []
    usage = tokens.estimate_usage(reply.model, sent, reply.content)
    try:
        price = pricing.price_usage(
            registry.ref(provider), reply.model, usage, registry.price_overrides, at=reply.created_at
        )
    except TuiChatError:
        price = pricing.UNPRICED
    settled = settle(price, None, provider)
    return UsageRecord(
        provider=provider,
        model=reply.model,
        usage=usage,
        cost=settled.cost,
        price_source=settled.source,
        computed_cost=settled.computed,
        price_kind=settled.kind,
        prices_version=settled.prices_version,
        status=MessageStatus.INTERRUPTED.value,
        error_kind="interrupted",
        conversation_id=reply.conversation_id,
        created_at=reply.created_at,
    )
