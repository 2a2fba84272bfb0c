"""What one request of a reply accumulates while it streams, and how each stream event is folded into it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from tui_chat.core.models import Usage
from tui_chat.core.redaction import KnownKeyMask
from tui_chat.services.events import ReasoningDelta, SessionEvent, StreamEvent, StreamFinished, TextDelta, UsageReport
from tui_chat.services.reply_draft import ReplyDraft

if TYPE_CHECKING:
    from tui_chat.services.llm import ProviderClient

Emit = Callable[[SessionEvent], Awaitable[None]]
T = TypeVar("T")


@dataclass
class Request:
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
    thinking: list[str] = field(default_factory=list)
    """The reply's thinking, in arrival order (kept apart from its text, never sent back)."""
    thinking_mask: KnownKeyMask = field(default_factory=KnownKeyMask)
    answer_at: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)


async def store_despite_cancel(store: Awaitable[T]) -> tuple[T, bool]:
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


async def open_stream(
    client: ProviderClient, model: str, messages: list[dict[str, Any]], params: dict[str, Any]
) -> tuple[list[StreamEvent], AsyncGenerator[StreamEvent, None]]:
    """Open a stream and read up to its first text, so retries never follow a token."""
    stream = client.stream_chat(model, messages, **params)
    pending: list[StreamEvent] = []
    try:
        async for event in stream:
            pending.append(event)
            if isinstance(event, (TextDelta, ReasoningDelta, StreamFinished)):
                break
    except BaseException:
        await stream.aclose()
        raise
    return pending, stream


async def release_held(exchange: Request, emit: Emit) -> None:
    """Show and keep the text the key mask held back, once the stream says no more is coming."""
    await release_thinking(exchange, emit)
    held = exchange.mask.flush()
    if held:
        exchange.parts.append(held)
        await emit(TextDelta(held))
        await exchange.draft.update(exchange.parts)


async def take(event: StreamEvent, exchange: Request, emit: Emit) -> None:
    """Fold one stream event into the exchange and pass it up."""
    if isinstance(event, TextDelta):
        if exchange.first_token_at is None:
            exchange.first_token_at = time.perf_counter()
        if exchange.answer_at is None:
            exchange.answer_at = exchange.first_token_at if not exchange.thinking else time.perf_counter()
            await release_thinking(exchange, emit)
        shown = exchange.mask.feed(event.text)
        if not shown:
            return
        event = event if shown == event.text else TextDelta(shown)
        exchange.parts.append(shown)
    elif isinstance(event, ReasoningDelta):
        if exchange.first_token_at is None:
            exchange.first_token_at = time.perf_counter()
        shown = exchange.thinking_mask.feed(event.text)
        if not shown:
            return
        event = event if shown == event.text else ReasoningDelta(shown)
        exchange.thinking.append(shown)
    elif isinstance(event, UsageReport):
        exchange.usage = event.usage
    elif isinstance(event, StreamFinished):
        await release_held(exchange, emit)
        exchange.finish_reason = event.finish_reason
    await emit(event)
    if isinstance(event, (TextDelta, ReasoningDelta)):
        await exchange.draft.update(exchange.parts)


async def release_thinking(exchange: Request, emit: Emit) -> None:
    """Show and keep the thinking the key mask held back, once the answer has begun."""
    held = exchange.thinking_mask.flush()
    if held:
        exchange.thinking.append(held)
        await emit(ReasoningDelta(held))
