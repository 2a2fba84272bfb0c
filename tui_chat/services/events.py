"""Typed events that flow from the service layer up to the screens."""

from __future__ import annotations

from dataclasses import dataclass

from tui_chat.core.models import Message, Usage, UsageRecord
from tui_chat.services.tools.events import ToolCallDelta, ToolCallEnded, ToolCallStarted


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A fragment of reply text, in arrival order."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A fragment of the model's thinking, shown apart from the answer and never sent back."""

    text: str


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Token counts for the request, reported by the server or estimated."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class StreamFinished:
    """The server ended the stream; `finish_reason` is as it sent it."""

    finish_reason: str | None


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """A failed attempt will be retried after `wait_seconds`."""

    attempt: int
    attempts: int
    wait_seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class PromptSaved:
    """The user's message is committed; it survives whatever happens next."""

    message: Message


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    """The reply and its usage row are committed; both are None when no request was sent."""

    reply: Message | None
    record: UsageRecord | None
    error: Exception | None = None
    rounds: int = 1
    """How many requests the reply made (more than one when the model called tools)."""
    total: UsageRecord | None = None
    """The reply's usage and cost summed over its rounds, when it made more than one request."""


StreamEvent = TextDelta | ReasoningDelta | UsageReport | StreamFinished | ToolCallDelta
SessionEvent = StreamEvent | RetryScheduled | PromptSaved | ReplyFinished | ToolCallStarted | ToolCallEnded
