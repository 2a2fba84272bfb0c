"""Sending one chat completion the way a script says: held back, cut off, stalled, malformed or without choices."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from tests.loopback.script import MALFORMED_EVENT, Script, override_usage
from tui_chat.demo.corpus import split_tokens
from tui_chat.demo.http import send_json
from tui_chat.demo.protocol import ChunkFormatter, completion_payload
from tui_chat.demo.stream import Pacer, ReplyPlan, finish_stream, start_stream


class EmptyChoicesFormatter(ChunkFormatter):
    """Chunks whose `choices` list is empty, as some proxies send."""

    def _choice_event(self, delta: bytes, finish_reason: bytes) -> bytes:
        return self._prefix + b"[]" + self._suffix


class RestartablePacer(Pacer):
    """A pacer that can resume its steady rate after a stall."""

    def restart(self, index: int) -> None:
        """Pace the tokens from this index on as if the stream had been steady until now."""
        if self._tokens_per_second is not None:
            self._origin = time.monotonic() - index / self._tokens_per_second


def scripted_plan(plan: ReplyPlan, script: Script) -> ReplyPlan:
    """The plan with the script's thinking, finish reason, usage numbers and usage chunk choice."""
    if script.reasoning is not None or script.reasoning_format is not None:
        reasoning = split_tokens(script.reasoning) if script.reasoning is not None else list(plan.reasoning)
        plan = plan.with_reasoning(reasoning, script.reasoning_format or plan.reasoning_format)
    return dataclasses.replace(
        plan,
        finish_reason=script.finish_reason or plan.finish_reason,
        usage=override_usage(
            plan.usage, script.usage if script.cost is None else {**(script.usage or {}), "cost": script.cost}
        ),
        with_usage=plan.with_usage if script.include_usage is None else script.include_usage,
    )


async def send_completion(
    writer: asyncio.StreamWriter, plan: ReplyPlan, script: Script, headers: dict[str, str], *, keep_alive: bool
) -> bool:
    """Send a whole `chat.completion`, or close unanswered with drop_after; False closes the connection."""
    if script.drop_after is not None:
        return False
    body = completion_payload(
        plan.completion_id, plan.created, plan.model, "".join(plan.tokens), plan.finish_reason, plan.usage
    )
    if script.empty_choices:
        body["choices"] = []
    await send_json(writer, 200, body, keep_alive=keep_alive, headers=headers)
    return True


async def stream_completion(
    writer: asyncio.StreamWriter, plan: ReplyPlan, script: Script, headers: dict[str, str], *, keep_alive: bool
) -> bool:
    """Stream the reply as SSE chunks with the script's faults; return False when the connection must be closed."""
    formatter_class = EmptyChoicesFormatter if script.empty_choices else ChunkFormatter
    formatter = formatter_class(plan.completion_id, plan.created, plan.model, with_usage=plan.with_usage)
    body = await start_stream(writer, plan, headers, keep_alive=keep_alive)
    await body.queue(formatter.role())
    pacer = RestartablePacer(plan.tokens_per_second)
    pieces = plan.pieces
    for index in range(len(pieces) + 1):
        if index == script.drop_after:
            await body.flush()
            return False
        if index == script.stall_after:
            await body.flush()
            await asyncio.sleep(script.stall_seconds)
            pacer.restart(index)
        if index == len(pieces):
            break
        delay = pacer.delay(index)
        if delay > 0:
            await body.flush()
            await asyncio.sleep(delay)
        event = MALFORMED_EVENT if index == script.malformed_at else plan.event(formatter, pieces[index])
        await body.queue(event)
    await finish_stream(body, plan, formatter)
    return True
