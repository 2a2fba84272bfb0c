"""What a request carries and how its reply ended: the message list, sampling settings and the final status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tui_chat.core.attachments import Attachment, message_content
from tui_chat.core.models import Conversation, Message, MessageStatus, Role

SENDABLE_STATUSES = {
    MessageStatus.COMPLETE,
    MessageStatus.PARTIAL,
    MessageStatus.TRUNCATED,
    MessageStatus.CANCELLED,
    MessageStatus.INTERRUPTED,
}


CONTINUE_INSTRUCTION = "Continue exactly where your previous reply stopped. Do not repeat anything."


def prompt_messages(
    conversation: Conversation,
    history: list[Message],
    attachments: Mapping[int, Sequence[Attachment]] | None = None,
) -> list[dict[str, Any]]:
    """The messages sent to the model: the system prompt, then every message with text (and its attachments).

    A prompt whose reply failed before any text is left out, so resending it does not
    show the model the same question twice.
    """
    messages: list[dict[str, Any]] = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    for index, message in enumerate(history):
        following = history[index + 1] if index + 1 < len(history) else None
        unanswered = (
            message.role is Role.USER
            and following is not None
            and following.role is Role.ASSISTANT
            and following.status is MessageStatus.FAILED
            and not following.content
        )
        if message.tool_rounds and message.status in SENDABLE_STATUSES:
            from tui_chat.services.tools.rounds import replayed

            rounds, final = replayed(message.content, message.tool_rounds)
            messages += rounds
            if final:
                messages.append({"role": message.role.value, "content": final})
        elif message.content and message.status in SENDABLE_STATUSES and not unanswered:
            files = attachments.get(message.id, ()) if attachments else ()
            content = message_content(message.content, files) if files else message.content
            messages.append({"role": message.role.value, "content": content})
    return messages


def request_params(conversation: Conversation) -> dict[str, float | int]:
    """The conversation's own sampling settings, sent only when set."""
    params: dict[str, float | int] = {}
    if conversation.temperature is not None:
        params["temperature"] = conversation.temperature
    if conversation.max_tokens is not None:
        params["max_tokens"] = conversation.max_tokens
    return params


def up_to_last_prompt(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages up to and including the last user message (what a retry resends)."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index]["role"] == "user":
            return messages[: index + 1]
    return messages


def status_for(finish_reason: str | None, has_text: bool, failure: Exception | None, cancelled: bool) -> MessageStatus:
    """How a reply ended, from what the stream did."""
    if cancelled:
        return MessageStatus.CANCELLED
    if failure is not None:
        return MessageStatus.PARTIAL if has_text else MessageStatus.FAILED
    if finish_reason == "length":
        return MessageStatus.TRUNCATED
    return MessageStatus.COMPLETE
