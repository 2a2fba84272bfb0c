"""OpenAI-shaped payloads of the offline demo server: errors, completions, streamed chunks and usage."""

from __future__ import annotations

import json
from typing import Any

SYSTEM_FINGERPRINT = "fp_tui_chat_demo"
DONE_EVENT = b"data: [DONE]\n\n"


def error_body(message: str, error_type: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error object."""
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def mask_key(key: str) -> str:
    """The key with all but its first 3 and last 4 characters hidden, or fully hidden when short."""
    if len(key) < 16:
        return "*" * len(key)
    return f"{key[:3]}...{key[-4:]}"


def parse_json(body: bytes) -> Any | None:
    """The decoded JSON body, or None when the body is empty or not JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def chat_request_problem(payload: Any) -> dict[str, Any] | None:
    """The 400 error body for a chat request OpenAI would reject, or None when it is acceptable."""
    if not isinstance(payload, dict):
        message = "We could not parse the JSON body of your request. The body must be a JSON object."
        return error_body(message, "invalid_request_error")
    for name in ("model", "messages"):
        if name not in payload:
            message = f"Missing required parameter: '{name}'."
            return error_body(message, "invalid_request_error", "missing_required_parameter", name)
    if not isinstance(payload["model"], str):
        message = "Invalid type for 'model': expected a string."
        return error_body(message, "invalid_request_error", "invalid_type", "model")
    messages = payload["messages"]
    if not isinstance(messages, list) or not messages or not all(isinstance(item, dict) for item in messages):
        message = "Invalid 'messages': expected a non-empty array of message objects."
        return error_body(message, "invalid_request_error", "invalid_value", "messages")
    return None


def build_usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """The usage object of a reply."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def completion_payload(
    completion_id: str,
    created: int,
    model: str,
    text: str,
    finish_reason: str,
    usage: dict[str, Any],
) -> dict[str, Any]:
    """A non-streamed `chat.completion` object."""
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
        "logprobs": None,
        "finish_reason": finish_reason,
    }
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [choice],
        "usage": usage,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


class ChunkFormatter:
    """Builds the SSE events of one streamed reply from precomputed JSON fragments."""

    def __init__(self, completion_id: str, created: int, model: str, *, with_usage: bool) -> None:
        envelope = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
        self._prefix = b"data: " + _dumps(envelope)[:-1] + b',"choices":'
        self._suffix = (b',"usage":null}' if with_usage else b"}") + b"\n\n"

    def role(self) -> bytes:
        """The first event, announcing the assistant role."""
        return self._choice_event(b'{"role":"assistant","content":""}', b"null")

    def content(self, token: str) -> bytes:
        """An event carrying one token of content."""
        return self._choice_event(b'{"content":' + _dumps(token) + b"}", b"null")

    def delta(self, delta: dict[str, Any]) -> bytes:
        """An event carrying any delta object (the thinking of a reasoning model)."""
        return self._choice_event(_dumps(delta), b"null")

    def finish(self, finish_reason: str) -> bytes:
        """The event with an empty delta and the finish reason."""
        return self._choice_event(b"{}", _dumps(finish_reason))

    def usage(self, usage: dict[str, Any]) -> bytes:
        """The final event with no choices and the usage numbers."""
        return self._prefix + b'[],"usage":' + _dumps(usage) + b"}\n\n"

    def _choice_event(self, delta: bytes, finish_reason: bytes) -> bytes:
        """An event with one choice carrying `delta` and `finish_reason` (both JSON already)."""
        choice = b'[{"index":0,"delta":' + delta + b',"logprobs":null,"finish_reason":' + finish_reason + b"}]"
        return self._prefix + choice + self._suffix


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
