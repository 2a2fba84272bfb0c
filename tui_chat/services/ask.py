"""One prompt sent outside the app: the conversation it belongs to, the budget check, the stored exchange."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from tui_chat.core import pricing
from tui_chat.core.attachments import Attachment
from tui_chat.core.conversation_settings import SettingsOverride, parse_max_tokens
from tui_chat.core.errors import TuiChatError
from tui_chat.services.attachment_rules import check_vision
from tui_chat.services.budget_gate import OverBudget
from tui_chat.services.container import AppServices
from tui_chat.services.events import ReplyFinished, SessionEvent

if TYPE_CHECKING:
    from tui_chat.core.models import Conversation
    from tui_chat.services.conversations import ConversationService


class ConversationNotFound(TuiChatError):
    """The conversation asked for does not exist."""

    kind = "not_found"
    title = "No such conversation"

    def __init__(self, conversation_id: int) -> None:
        super().__init__(f"no conversation with id {conversation_id}.")
        self.conversation_id = conversation_id


class InvalidSetting(TuiChatError):
    """A setting given for the request does not suit the model (max tokens beyond its context window)."""

    kind = "invalid_setting"
    title = "Invalid setting"


async def send_prompt(
    services: AppServices,
    prompt: str,
    emit: Callable[[SessionEvent], Awaitable[None]],
    *,
    conversation_id: int | None = None,
    confirm_over_budget: Callable[[OverBudget], bool],
    latest: bool = False,
    settings: SettingsOverride | None = None,
    attachments: Sequence[Attachment] = (),
    cache_ttl: float | None = None,
) -> ReplyFinished:
    """Send `prompt` in a new conversation or the given one and return how the reply ended.

    With `latest`, and no id, the most recently active conversation is continued (a new one when there
    is none); `settings` are stored on the conversation before the prompt is sent.
    The conversation is created only once the provider and the budget allow the request. Raises
    ConversationNotFound, InvalidSetting, OverBudget (refused, or not confirmed by `confirm_over_budget`) or
    another TuiChatError.
    """
    conversations = await services.conversations()
    conversation = None
    if conversation_id is not None:
        conversation = await conversations.get(conversation_id)
        if conversation is None:
            raise ConversationNotFound(conversation_id)
    elif latest:
        conversation = await conversations.latest()
    target = services.target
    switched = conversation is not None and (conversation.provider, conversation.model) != (
        target.provider,
        target.model,
    )
    if conversation is not None and switched and services.target_from_command_line:
        conversation = await conversations.set_model(conversation.id, target.provider, target.model)
    chosen = conversation or target
    check_vision(services.registry.settings, chosen.provider, chosen.model, attachments)
    await services.registry.client(chosen.provider)
    if settings is not None and settings.max_tokens is not None:
        limit = pricing.context_window(services.registry.ref(chosen.provider), chosen.model)
        try:
            parse_max_tokens(str(settings.max_tokens), limit)
        except ValueError as exc:
            raise InvalidSetting(str(exc)) from None
    confirmed = await _within_budget(conversations, confirm_over_budget, conversation.id if conversation else None)
    if conversation is None:
        conversation = await conversations.create(provider=target.provider, model=target.model)
    if settings:
        conversation = await _with_settings(conversations, conversation, settings)
    if cache_ttl is not None and not attachments:  # `ask --cache` (refused with -a): services/response_cache.py
        from tui_chat.services.response_cache import send_cached

        finished = await send_cached(
            conversations, conversation, prompt, emit, ttl_seconds=cache_ttl, confirmed=confirmed
        )
    else:
        finished = await conversations.send(conversation, prompt, emit, confirmed=confirmed, attachments=attachments)
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


async def _with_settings(
    conversations: ConversationService, conversation: Conversation, settings: SettingsOverride
) -> Conversation:
    """The conversation with the settings given for this request stored on it (unset ones kept)."""
    updated = await conversations.update_settings(
        conversation.id,
        system_prompt=conversation.system_prompt if settings.system_prompt is None else settings.system_prompt,
        temperature=conversation.temperature if settings.temperature is None else settings.temperature,
        max_tokens=conversation.max_tokens if settings.max_tokens is None else settings.max_tokens,
    )
    return updated or conversation
