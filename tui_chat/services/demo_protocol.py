"""Scripts, the request log and OpenAI-shaped payloads of the offline demo server."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

SYSTEM_FINGERPRINT = "fp_tui_chat_demo"
MALFORMED_EVENT = b"data: {not json\n\n"
DONE_EVENT = b"data: [DONE]\n\n"
DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Bad request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: ("The requested resource does not exist.", "invalid_request_error", None),
    429: ("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


@dataclass
class Script:
    """How one /chat/completions request is answered instead of the demo behaviour."""

    text: str | None = None
    # A status or a body replaces the completion; a status >= 400 without body gets OpenAI's usual error body.
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None
    first_byte_delay: float = 0.0
    # None keeps the model's pace; 0 means unthrottled.
    tokens_per_second: float | None = None
    # Content chunks are counted from 0; a non-streamed request with drop_after is closed unanswered.
    drop_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0
    malformed_at: int | None = None
    # None follows the request's stream_options.include_usage.
    include_usage: bool | None = None
    empty_choices: bool = False
    # None means "stop", or "length" when the request's max_tokens cut the reply.
    finish_reason: str | None = None
    # Numbers here replace the computed usage key by key; total_tokens follows unless given.
    usage: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Script:
        """A script from a JSON object of its fields; unknown fields raise ValueError."""
        if not isinstance(data, dict):
            raise ValueError("a script must be a JSON object")
        unknown = set(data) - {script_field.name for script_field in fields(cls)}
        if unknown:
            raise ValueError(f"unknown script fields: {', '.join(sorted(unknown))}")
        if not isinstance(data.get("headers", {}), dict):
            raise ValueError("headers must be an object")
        return cls(**data)

    @property
    def replaces_response(self) -> bool:
        """Whether the script answers with its own status and body instead of a completion."""
        return self.status is not None or self.body is not None


@dataclass(frozen=True)
class LoggedRequest:
    """A request the server received, as the client sent it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any | None
    received_at: float
    connection_id: int
    finished_at: float | None = None
    """When the last byte of a chat completion's response was written (time.time()); None until then."""

    @property
    def json(self) -> Any | None:
        """The decoded JSON body, or None when there was none."""
        return self.body

    def to_dict(self) -> dict[str, Any]:
        """The request as a JSON-ready dict."""
        return asdict(self)


def error_body(message: str, error_type: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error object."""
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def default_error_body(status: int) -> dict[str, Any]:
    """The error body OpenAI typically sends with this status."""
    fallback = ("Request failed.", "server_error" if status >= 500 else "invalid_request_error", None)
    message, error_type, code = DEFAULT_ERRORS.get(status, fallback)
    return error_body(message, error_type, code)


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


def build_usage(prompt_tokens: int, completion_tokens: int, override: dict[str, Any] | None) -> dict[str, Any]:
    """The usage object, with any overridden numbers taking the place of the computed ones."""
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(usage.get(key), dict):
            usage[key] = {**usage[key], **value}
        else:
            usage[key] = value
    if override and "total_tokens" not in override:
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return usage


def completion_payload(
    completion_id: str,
    created: int,
    model: str,
    text: str,
    finish_reason: str,
    usage: dict[str, Any],
    *,
    empty_choices: bool,
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
        "choices": [] if empty_choices else [choice],
        "usage": usage,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


class ChunkFormatter:
    """Builds the SSE events of one streamed reply from precomputed JSON fragments."""

    def __init__(self, completion_id: str, created: int, model: str, *, with_usage: bool, empty_choices: bool) -> None:
        envelope = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
        self._prefix = b"data: " + _dumps(envelope)[:-1] + b',"choices":'
        self._suffix = (b',"usage":null}' if with_usage else b"}") + b"\n\n"
        self._empty_choices = empty_choices

    def role(self) -> bytes:
        """The first event, announcing the assistant role."""
        return self._choice_event(b'{"role":"assistant","content":""}', b"null")

    def content(self, token: str) -> bytes:
        """An event carrying one token of content."""
        return self._choice_event(b'{"content":' + _dumps(token) + b"}", b"null")

    def finish(self, finish_reason: str) -> bytes:
        """The event with an empty delta and the finish reason."""
        return self._choice_event(b"{}", _dumps(finish_reason))

    def usage(self, usage: dict[str, Any]) -> bytes:
        """The final event with no choices and the usage numbers."""
        return self._prefix + b'[],"usage":' + _dumps(usage) + b"}\n\n"

    def _choice_event(self, delta: bytes, finish_reason: bytes) -> bytes:
        if self._empty_choices:
            return self._prefix + b"[]" + self._suffix
        choice = b'[{"index":0,"delta":' + delta + b',"logprobs":null,"finish_reason":' + finish_reason + b"}]"
        return self._prefix + choice + self._suffix


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
