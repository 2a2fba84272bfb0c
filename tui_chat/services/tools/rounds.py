"""A reply's tool rounds as stored (JSON on the message) and as sent again (the API's assistant and tool messages)."""

from __future__ import annotations

import json
from typing import Any

from tui_chat.services.tools.events import ToolCall, ToolRound


def rounds_to_json(rounds: list[ToolRound]) -> str:
    """The rounds as the JSON text stored on the reply."""
    return json.dumps(
        [{"text": tool_round.text, "calls": [call.to_dict() for call in tool_round.calls]} for tool_round in rounds],
        ensure_ascii=False,
    )


def rounds_from_json(text: str) -> list[ToolRound]:
    """The stored rounds; text that is not a list of rounds gives none."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return []
    rounds: list[ToolRound] = []
    for number, entry in enumerate(data if isinstance(data, list) else [], start=1):
        if not isinstance(entry, dict):
            continue
        calls = [ToolCall.from_dict(call, number) for call in entry.get("calls") or [] if isinstance(call, dict)]
        rounds.append(ToolRound(str(entry.get("text") or ""), calls))
    return rounds


def round_messages(tool_round: ToolRound) -> list[dict[str, Any]]:
    """The assistant message asking for the round's calls, then one tool message per call."""
    calls = [
        {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        for call in tool_round.calls
    ]
    messages: list[dict[str, Any]] = [{"role": "assistant", "content": tool_round.text or None, "tool_calls": calls}]
    messages += [{"role": "tool", "tool_call_id": call.id, "content": call.result} for call in tool_round.calls]
    return messages


def replayed(content: str, tool_rounds: str) -> tuple[list[dict[str, Any]], str]:
    """A stored reply's finished rounds as API messages, and the text of its final answer.

    A round whose calls did not all end (the reply was cancelled meanwhile) is not sent again: the API
    wants a result for every call it was shown.
    """
    rounds = rounds_from_json(tool_rounds)
    messages: list[dict[str, Any]] = []
    shown = ""
    for tool_round in rounds:
        shown += tool_round.text
        if tool_round.calls and all(call.status not in ("pending", "running") for call in tool_round.calls):
            messages += round_messages(tool_round)
    final = content[len(shown) :] if content.startswith(shown) else content
    return messages, final


def countable(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The messages with tool calls written out as text, for the tokenizer's estimates."""
    flat = []
    for message in messages:
        text = str(message.get("content") or "")
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            text += f"{function.get('name', '')}({function.get('arguments', '')})"
        flat.append({"role": str(message.get("role", "")), "content": text})
    return flat


def exported_calls(tool_rounds: str) -> list[dict[str, Any]]:
    """A reply's tool calls for an export, each with its round."""
    return [
        {"round": number, **call.to_dict()}
        for number, tool_round in enumerate(rounds_from_json(tool_rounds), start=1)
        for call in tool_round.calls
    ]


def markdown_calls(tool_rounds: str) -> list[str]:
    """A reply's tool calls as Markdown list items: name, arguments, how it ended, result."""
    lines = []
    for call in exported_calls(tool_rounds):
        took = f", {call['duration_ms']} ms" if call["duration_ms"] is not None else ""
        result = " ".join(str(call["result"]).split())
        lines.append(f"- Tool `{call['name']}` ({call['arguments']}): {call['status']}{took}: {result}")
    return lines
