"""One prompt sent outside the app: the conversation it belongs to, the budget check, the stored exchange."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from tui_chat.core.errors import TuiChatError
from tui_chat.services.budget_gate import OverBudget
from tui_chat.services.container import AppServices
from tui_chat.services.events import ReplyFinished, SessionEvent

if TYPE_CHECKING:
    from tui_chat.services.conversations import ConversationService


class ConversationNotFound(TuiChatError):
    """The conversation asked for does not exist."""

    kind = "not_found"
    title = "No such conversation"

    def __init__(self, conversation_id: int) -> None:
        super().__init__(f"no conversation with id {conversation_id}.")
        self.conversation_id = conversation_id


async def send_prompt(
    services: AppServices,
    prompt: str,
    emit: Callable[[SessionEvent], Awaitable[None]],
    *,
    conversation_id: int | None = None,
    confirm_over_budget: Callable[[OverBudget], bool],
    cache_ttl: float | None = None,
) -> ReplyFinished:
    """Send `prompt` in a new conversation or the given one and return how the reply ended.

    The conversation is created only once the provider and the budget allow the request. Raises
    ConversationNotFound, OverBudget (refused, or not confirmed by `confirm_over_budget`) or
    another TuiChatError.
    """
    conversations = await services.conversations()
    conversation = None
    if conversation_id is not None:
        conversation = await conversations.get(conversation_id)
        if conversation is None:
            raise ConversationNotFound(conversation_id)
    target = services.target
    switched = conversation is not None and (conversation.provider, conversation.model) != (
        target.provider,
        target.model,
    )
    if conversation is not None and switched and services.target_from_command_line:
        conversation = await conversations.set_model(conversation.id, target.provider, target.model)
    await services.registry.client(conversation.provider if conversation else target.provider)
    confirmed = await _within_budget(conversations, confirm_over_budget, conversation.id if conversation else None)
    if conversation is None:
        conversation = await conversations.create(provider=target.provider, model=target.model)
    if cache_ttl is not None:  # `ask --cache`: services/response_cache.py
        from tui_chat.services.response_cache import send_cached

        finished = await send_cached(
            conversations, conversation, prompt, emit, ttl_seconds=cache_ttl, confirmed=confirmed
        )
    else:
        finished = await conversations.send(conversation, prompt, emit, confirmed=confirmed)
    error, provider = finished.error, services.registry.providers.get(conversation.provider)
    if isinstance(error, TuiChatError) and getattr(error, "status", None) == 401 and provider is not None:
        error.cli_hint = services.keys.rejected_key_hint(provider, command_line_name=conversation.provider)
    return finished


async def _within_budget(
    conversations: ConversationService, confirm: Callable[[OverBudget], bool], conversation_id: int | None = None
) -> bool:
    """Whether sending over budget was confirmed; OverBudget when the budget is used up and it was not."""
    try:
        await conversations.check_budget(conversation_id=conversation_id)
        return False
    except OverBudget as refused:
        if not refused.can_confirm or not confirm(refused):
            raise
        return True
