"""Scripts that make the loopback server misbehave on purpose, and the log of what it received."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from tui_chat.demo.protocol import error_body

MALFORMED_EVENT = b"data: {not json\n\n"
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
    # Thinking streamed before the answer (counted in the usage as reasoning tokens), in one of
    # REASONING_FORMATS; None keeps the model's own (none, except for the demo-think models).
    reasoning: str | None = None
    reasoning_format: str | None = None
    # Tool calls to answer with, each {"id", "name", "arguments"} (arguments a string, sent as given).
    tool_calls: list[dict[str, Any]] | None = None
    # Send each call's arguments in pieces of this many characters (None: in one piece).
    argument_chunk: int | None = None
    # The charged dollars put in the usage object as `cost`, as OpenRouter sends them when asked.
    cost: float | None = None

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


def default_error_body(status: int) -> dict[str, Any]:
    """The error body OpenAI typically sends with this status."""
    fallback = ("Request failed.", "server_error" if status >= 500 else "invalid_request_error", None)
    message, error_type, code = DEFAULT_ERRORS.get(status, fallback)
    return error_body(message, error_type, code)


def override_usage(usage: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """The usage with the script's numbers in place of the computed ones; total_tokens follows unless given."""
    merged = dict(usage)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    if override and "total_tokens" not in override:
        merged["total_tokens"] = merged["prompt_tokens"] + merged["completion_tokens"]
    return merged
