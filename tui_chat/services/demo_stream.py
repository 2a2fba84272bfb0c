"""Sending one chat completion of the demo server, streamed as SSE or whole, with scripted faults."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tui_chat.services.demo_http import ChunkedBody, merge_headers, send_json
from tui_chat.services.demo_protocol import (
    DONE_EVENT,
    MALFORMED_EVENT,
    ChunkFormatter,
    Script,
    build_usage,
    completion_payload,
)


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    """Everything decided about one reply before its first byte is sent."""

    completion_id: str
    created: int
    model: str
    tokens: list[str]
    finish_reason: str
    usage: dict[str, Any]
    with_usage: bool
    tokens_per_second: float | None

    @classmethod
    def build(
        cls,
        payload: dict[str, Any],
        tokens: list[str],
        prompt_tokens: int,
        script: Script,
        tokens_per_second: float | None,
    ) -> ReplyPlan:
        """The plan for a validated request, its reply split into tokens."""
        finish_reason = "stop"
        limits = (payload.get("max_completion_tokens"), payload.get("max_tokens"))
        limit = next((value for value in limits if value is not None), None)
        if isinstance(limit, int) and not isinstance(limit, bool) and 0 <= limit < len(tokens):
            tokens = tokens[:limit]
            finish_reason = "length"
        stream_options = payload.get("stream_options")
        usage_requested = isinstance(stream_options, dict) and bool(stream_options.get("include_usage"))
        return cls(
            completion_id=f"chatcmpl-{uuid.uuid4().hex[:24]}",
            created=int(time.time()),
            model=payload["model"],
            tokens=tokens,
            finish_reason=script.finish_reason or finish_reason,
            usage=build_usage(prompt_tokens, len(tokens), script.usage),
            with_usage=usage_requested if script.include_usage is None else script.include_usage,
            tokens_per_second=tokens_per_second,
        )


class Pacer:
    """Tells how long to wait before each token so that tokens leave at a steady rate."""

    def __init__(self, tokens_per_second: float | None) -> None:
        self._tokens_per_second = tokens_per_second
        self._origin = time.monotonic()

    def delay(self, index: int) -> float:
        """Seconds to wait before sending the token at this index."""
        if self._tokens_per_second is None:
            return 0.0
        return self._origin + index / self._tokens_per_second - time.monotonic()

    def restart(self, index: int) -> None:
        """Pace the tokens from this index on as if the stream had been steady until now."""
        if self._tokens_per_second is not None:
            self._origin = time.monotonic() - index / self._tokens_per_second


async def send_completion(
    writer: asyncio.StreamWriter, plan: ReplyPlan, script: Script, headers: dict[str, str], *, keep_alive: bool
) -> bool:
    """Send a whole `chat.completion`; return False when the connection must be closed."""
    if script.drop_after is not None:
        return False
    body = completion_payload(
        plan.completion_id,
        plan.created,
        plan.model,
        "".join(plan.tokens),
        plan.finish_reason,
        plan.usage,
        empty_choices=script.empty_choices,
    )
    await send_json(writer, 200, body, keep_alive=keep_alive, headers=headers)
    return True


async def stream_completion(
    writer: asyncio.StreamWriter, plan: ReplyPlan, script: Script, headers: dict[str, str], *, keep_alive: bool
) -> bool:
    """Stream the reply as OpenAI's SSE chunks; return False when the connection must be closed."""
    formatter = ChunkFormatter(
        plan.completion_id, plan.created, plan.model, with_usage=plan.with_usage, empty_choices=script.empty_choices
    )
    body = ChunkedBody(writer)
    default_headers = {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "Connection": "keep-alive" if keep_alive else "close",
    }
    await body.start(200, merge_headers(default_headers, headers))
    await body.queue(formatter.role())
    pacer = Pacer(plan.tokens_per_second)
    for index in range(len(plan.tokens) + 1):
        if index == script.drop_after:
            await body.flush()
            return False
        if index == script.stall_after:
            await body.flush()
            await asyncio.sleep(script.stall_seconds)
            pacer.restart(index)
        if index == len(plan.tokens):
            break
        delay = pacer.delay(index)
        if delay > 0:
            await body.flush()
            await asyncio.sleep(delay)
        event = MALFORMED_EVENT if index == script.malformed_at else formatter.content(plan.tokens[index])
        await body.queue(event)
    await body.queue(formatter.finish(plan.finish_reason))
    if plan.with_usage:
        await body.queue(formatter.usage(plan.usage))
    await body.queue(DONE_EVENT)
    await body.finish()
    return True
