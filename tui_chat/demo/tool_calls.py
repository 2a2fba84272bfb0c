"""Tool calls in the demo server: asked what time it is with current_time offered, the demo model calls it.

Loopback scripts use the same sending code to answer with any tool calls, their arguments cut in pieces.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from typing import Any

from tui_chat.demo.content import message_text
from tui_chat.demo.corpus import split_tokens
from tui_chat.demo.http import send_json
from tui_chat.demo.protocol import DONE_EVENT, ChunkFormatter, build_usage, completion_payload
from tui_chat.demo.stream import ReplyPlan, start_stream

TIME_QUESTION = re.compile(r"\bwhat time\b|\btime is it\b|\bcurrent time\b", re.IGNORECASE)


def offered_tools(payload: dict[str, Any]) -> set[str]:
    """The names of the functions the request offers."""
    names = set()
    for tool in payload.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


def demo_tool_calls(payload: dict[str, Any]) -> list[dict[str, str]] | None:
    """The demo model's calls: current_time when the last message asks the time and the tool is offered."""
    messages = payload.get("messages") or []
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    if last.get("role") != "user" or "current_time" not in offered_tools(payload):
        return None
    if not TIME_QUESTION.search(message_text(last)):
        return None
    return [{"id": "call_demo_time", "name": "current_time", "arguments": "{}"}]


def tool_answer(messages: list[Any]) -> str | None:
    """The demo model's answer after a tool result, or None when the last message is not one."""
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    if last.get("role") != "tool":
        return None
    return f"The tool answered: {message_text(last)}"


class ToolCallFormatter(ChunkFormatter):
    """Chunks that carry pieces of tool calls."""

    def tool_call(self, index: int, piece: dict[str, Any]) -> bytes:
        """One delta of the call at `index`: its id and name first, then pieces of its arguments."""
        delta = {"tool_calls": [{"index": index, **piece}]}
        return self._choice_event(json.dumps(delta, separators=(",", ":")).encode(), b"null")


def call_pieces(call: dict[str, Any], chunk: int | None) -> list[dict[str, Any]]:
    """The deltas of one call: id, type and name, then its arguments in pieces of `chunk` characters."""
    arguments = str(call.get("arguments", ""))
    size = chunk if chunk and chunk > 0 else max(1, len(arguments))
    pieces: list[dict[str, Any]] = [
        {"id": call.get("id", ""), "type": "function", "function": {"name": call.get("name", ""), "arguments": ""}}
    ]
    pieces += [{"function": {"arguments": arguments[i : i + size]}} for i in range(0, len(arguments), size)]
    return pieces


def with_call_usage(plan: ReplyPlan, calls: list[dict[str, Any]]) -> ReplyPlan:
    """The plan with the calls' arguments counted as completion tokens."""
    call_tokens = sum(len(split_tokens(f"{call.get('name', '')}{call.get('arguments', '')}")) for call in calls)
    usage = build_usage(plan.usage["prompt_tokens"], len(plan.tokens) + call_tokens)
    return dataclasses.replace(plan, usage=usage, finish_reason="tool_calls")


async def send_tool_calls(
    writer: asyncio.StreamWriter,
    plan: ReplyPlan,
    calls: list[dict[str, Any]],
    headers: dict[str, str],
    *,
    keep_alive: bool,
    stream: bool = True,
    chunk: int | None = None,
) -> bool:
    """Answer with the plan's text (if any) and then the tool calls, streamed or whole."""
    if not stream:
        body = completion_payload(
            plan.completion_id, plan.created, plan.model, "".join(plan.tokens), plan.finish_reason, plan.usage
        )
        body["choices"][0]["message"]["tool_calls"] = [
            {
                "id": c.get("id"),
                "type": "function",
                "function": {"name": c.get("name"), "arguments": c.get("arguments")},
            }
            for c in calls
        ]
        await send_json(writer, 200, body, keep_alive=keep_alive, headers=headers)
        return True
    formatter = ToolCallFormatter(plan.completion_id, plan.created, plan.model, with_usage=plan.with_usage)
    body_stream = await start_stream(writer, plan, headers, keep_alive=keep_alive)
    await body_stream.queue(formatter.role())
    for text_piece in plan.pieces:  # its thinking, if any, then its text
        await body_stream.queue(plan.event(formatter, text_piece))
    for index, call in enumerate(calls):
        for piece in call_pieces(call, chunk):
            await body_stream.queue(formatter.tool_call(index, piece))
    await body_stream.queue(formatter.finish(plan.finish_reason))
    if plan.with_usage:
        await body_stream.queue(formatter.usage(plan.usage))
    await body_stream.queue(DONE_EVENT)
    await body_stream.finish()
    return True
