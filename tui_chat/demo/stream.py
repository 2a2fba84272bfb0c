"""Sending one chat completion of the demo server, streamed as SSE or whole."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tui_chat.demo.http import ChunkedBody, merge_headers, send_json
from tui_chat.demo.protocol import DONE_EVENT, ChunkFormatter, build_usage, completion_payload
from tui_chat.demo.reasoning import reasoning_delta, reasoning_pieces


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
    reasoning: tuple[str, ...] = ()
    """Thinking sent before the answer, token by token (counted as output and as reasoning tokens)."""
    reasoning_format: str = "reasoning_content"

    @property
    def pieces(self) -> list[tuple[str, str]]:
        """The (delta field, token) pieces of the stream: the thinking, then the answer."""
        return reasoning_pieces(list(self.reasoning), self.reasoning_format, self.tokens)

    def event(self, formatter: ChunkFormatter, piece: tuple[str, str]) -> bytes:
        """The SSE event of one piece."""
        field, token = piece
        return formatter.content(token) if field == "content" else formatter.delta(reasoning_delta(field, token))

    def with_reasoning(self, reasoning: list[str], reasoning_format: str) -> ReplyPlan:
        """The plan with this thinking before its answer, counted in its usage."""
        usage = {**self.usage, "completion_tokens": len(self.tokens) + len(reasoning)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        usage["completion_tokens_details"] = {"reasoning_tokens": len(reasoning)}
        return dataclasses.replace(self, reasoning=tuple(reasoning), reasoning_format=reasoning_format, usage=usage)

    @classmethod
    def build(
        cls,
        payload: dict[str, Any],
        tokens: list[str],
        prompt_tokens: int,
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
            finish_reason=finish_reason,
            usage=build_usage(prompt_tokens, len(tokens)),
            with_usage=usage_requested,
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


async def send_completion(
    writer: asyncio.StreamWriter, plan: ReplyPlan, headers: dict[str, str], *, keep_alive: bool
) -> bool:
    """Send a whole `chat.completion`; return False when the connection must be closed."""
    body = completion_payload(
        plan.completion_id, plan.created, plan.model, "".join(plan.tokens), plan.finish_reason, plan.usage
    )
    await send_json(writer, 200, body, keep_alive=keep_alive, headers=headers)
    return True


async def start_stream(
    writer: asyncio.StreamWriter, plan: ReplyPlan, headers: dict[str, str], *, keep_alive: bool
) -> ChunkedBody:
    """Send the SSE response head; the body is then queued event by event."""
    body = ChunkedBody(writer)
    default_headers = {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "Connection": "keep-alive" if keep_alive else "close",
    }
    await body.start(200, merge_headers(default_headers, headers))
    return body


async def finish_stream(body: ChunkedBody, plan: ReplyPlan, formatter: ChunkFormatter) -> None:
    """Queue the finish event, the usage event when asked for and [DONE], and end the body."""
    await body.queue(formatter.finish(plan.finish_reason))
    if plan.with_usage:
        await body.queue(formatter.usage(plan.usage))
    await body.queue(DONE_EVENT)
    await body.finish()


async def stream_completion(
    writer: asyncio.StreamWriter, plan: ReplyPlan, headers: dict[str, str], *, keep_alive: bool
) -> bool:
    """Stream the reply as OpenAI's SSE chunks, paced; return False when the connection must be closed."""
    formatter = ChunkFormatter(plan.completion_id, plan.created, plan.model, with_usage=plan.with_usage)
    body = await start_stream(writer, plan, headers, keep_alive=keep_alive)
    await body.queue(formatter.role())
    pacer = Pacer(plan.tokens_per_second)
    for index, piece in enumerate(plan.pieces):
        delay = pacer.delay(index)
        if delay > 0:
            await body.flush()
            await asyncio.sleep(delay)
        await body.queue(plan.event(formatter, piece))
    await finish_stream(body, plan, formatter)
    return True
