"""The demo server's reasoning models: thinking streamed in each wire format servers use, and never taken back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tui_chat.demo.corpus import split_tokens
from tui_chat.demo.protocol import error_body

REASONING_FORMATS = ("reasoning_content", "reasoning", "reasoning_details", "inline")
"""Where a reply's thinking goes: DeepSeek's field, OpenRouter's and Ollama's, OpenRouter's typed list, or `<think>` tags."""

THINKING_MODELS = {"demo-think": "reasoning_content", "demo-think-inline": "inline"}
"""The demo models that think before answering, and the format each sends its thinking in."""

REASONING_KEYS = ("reasoning_content", "reasoning", "reasoning_details")


def demo_thinking(prompt: str) -> str:
    """The demo model's thinking about a prompt: a few deterministic lines."""
    words = len(prompt.split())
    return (
        f"The user wrote {words} word{'s' if words != 1 else ''}. This is the offline demo, so there is no real"
        " model to ask.\nI should say so plainly, quote the message back, and show how to reach a real model.\n"
        "A table of counts and a small code sample will show off the Markdown rendering.\n"
        "Keep it short and friendly."
    )


def reasoning_pieces(reasoning: list[str], reasoning_format: str, answer: list[str]) -> list[tuple[str, str]]:
    """The (field, token) pieces of a reply: its thinking in the format asked for, then its answer as content."""
    if reasoning_format not in REASONING_FORMATS:
        raise ValueError(f"reasoning_format must be one of {', '.join(REASONING_FORMATS)}")
    if reasoning_format == "inline":
        thinking = [("content", "<think>"), *(("content", token) for token in reasoning), ("content", "</think>\n\n")]
        return [*thinking, *(("content", token) for token in answer)] if reasoning else [("content", t) for t in answer]
    return [*((reasoning_format, token) for token in reasoning), *(("content", token) for token in answer)]


def reasoning_delta(field: str, token: str) -> dict[str, Any]:
    """The delta object carrying one piece in `field`."""
    if field == "reasoning_details":
        return {"reasoning_details": [{"type": "reasoning.text", "text": token, "format": "unknown", "index": 0}]}
    return {field: token}


def carried_reasoning(messages: Iterable[Any]) -> dict[str, Any] | None:
    """The 400 body for a request whose messages carry earlier thinking back (as DeepSeek refuses), else None."""
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        sent = [key for key in REASONING_KEYS if key in message]
        content = message.get("content")
        if not sent and message.get("role") == "assistant" and isinstance(content, str):
            sent = ["<think>"] if content.lstrip().startswith("<think>") else []
        if sent:
            text = f"The reasoning of an earlier reply must not be sent back (messages[{index}] has {sent[0]})."
            return error_body(text, "invalid_request_error", "invalid_request_message_order", f"messages[{index}]")
    return None


def thinking_tokens(model: str, prompt: str) -> list[str]:
    """The thinking the demo model sends before answering `prompt` (none for a model that does not think)."""
    return split_tokens(demo_thinking(prompt)) if model in THINKING_MODELS else []
