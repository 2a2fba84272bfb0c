"""Domain objects shared by the service layer, the store and the UI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Role(str, enum.Enum):
    """Who wrote a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(str, enum.Enum):
    """How a message ended; every reply is kept whatever happened to it."""

    COMPLETE = "complete"
    STREAMING = "streaming"
    PARTIAL = "partial"
    CANCELLED = "cancelled"
    FAILED = "failed"
    TRUNCATED = "truncated"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one request, as reported by the server or estimated by the tokenizer."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False
    reported_cost: Decimal | None = None
    """The dollars the provider says it charged (OpenRouter's `usage.cost`), None when it sent none."""
    response_id: str = ""
    """The provider's id of the completion (OpenRouter's generation id), '' when unknown."""


@dataclass(slots=True)
class Conversation:
    """A thread of messages with its own model and system prompt."""

    id: int
    title: str
    provider: str
    model: str
    system_prompt: str = ""
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    archived: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    """How hard a reasoning model is asked to think (off, minimal, low, medium, high); None: the provider's default."""
    budget: Decimal | None = None
    """The conversation's own spending limit in dollars, beside the daily and monthly ones; None for none."""


@dataclass(slots=True)
class Message:
    """One message of a conversation."""

    id: int
    conversation_id: int
    role: Role
    content: str
    model: str = ""
    status: MessageStatus = MessageStatus.COMPLETE
    created_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    error: str = ""
    alternative_of: int | None = None
    hidden: bool = False
    thinking: str = ""
    """The model's reasoning before its answer: shown folded, stored, never sent back."""
    tool_rounds: str = ""
    """The reply's tool rounds as JSON (calls, results, durations); empty for a reply without tools."""


@dataclass(slots=True)
class UsageRecord:
    """One row of spending: what a single request cost and how it went."""

    provider: str
    model: str
    usage: Usage
    cost: Decimal | None
    price_source: str
    status: str
    latency_ms: int | None = None
    ttft_ms: int | None = None
    error_kind: str = ""
    attempts: int = 1
    conversation_id: int | None = None
    message_id: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    id: int | None = None
    answer_ms: int | None = None
    """Milliseconds from sending to the first token of the answer (after any thinking)."""
    computed_cost: Decimal | None = None
    """Our own price of the tokens, kept beside a reported `cost` so a difference can be flagged."""
    price_kind: str = ""
    """Where `cost` came from: genai-prices, override, local, reported or unpriced ('' on older rows)."""
    prices_version: str = ""
    """The genai-prices data the computed cost used, e.g. "genai-prices 0.2.3"."""


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """A conversation as the list shows it: its totals come from one query."""

    conversation: Conversation
    message_count: int
    cost: Decimal
    unpriced_requests: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One message matching a full-text search, with a one-line excerpt and where the terms are."""

    conversation_id: int
    message_id: int
    conversation_title: str
    role: Role
    excerpt: str
    highlights: tuple[tuple[int, int], ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationExport:
    """Everything needed to export a conversation: all its messages and every usage row."""

    conversation: Conversation
    messages: list[Message]
    usage: list[UsageRecord]
