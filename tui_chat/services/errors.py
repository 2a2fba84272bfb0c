"""Turn whatever the SDK or the network raised into a ProviderFailure with a title and a next step.

Servers echo keys in error bodies, so every text taken from one is redacted before it is cut (a key
cut in half would no longer match), and every failure's detail once more when it is built.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping

from tui_chat.core.errors import ProviderError
from tui_chat.core.redaction import redact

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
MAX_DETAIL = 500
"""Characters of a server's error message kept: it becomes a toast and a line in the chat."""


class ProviderFailure(ProviderError):
    """A request that failed, classified so the retry policy and the UI know what to do."""

    attempts: int
    """How many attempts the retry policy made; set only on failures raised out of call_with_retries."""

    def __init__(
        self,
        kind: str,
        title: str,
        detail: str = "",
        *,
        hint: str = "",
        retryable: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
        cli_hint: str = "",
    ) -> None:
        super().__init__(redact(detail), hint=hint, title=title, cli_hint=cli_hint)
        self.kind = kind
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail else self.title

    @classmethod
    def empty_choices(cls) -> ProviderFailure:
        """The server answered but sent no choices at all."""
        return cls(
            "empty_choices",
            "Empty reply",
            "The server answered without any choices.",
            hint="Try again, or pick another model.",
        )

    @classmethod
    def content_filtered(cls) -> ProviderFailure:
        """The provider's content filter ended the reply."""
        return cls(
            "content_filter",
            "Stopped by the content filter",
            "The provider's content filter ended this reply.",
            hint="What arrived is kept; rephrase the prompt to try again.",
        )

    @classmethod
    def malformed(cls) -> ProviderFailure:
        """A streamed chunk was not valid JSON."""
        return cls(
            "malformed",
            "Malformed reply from server",
            "A streamed chunk could not be read.",
            hint="Try again; if it repeats, the server is not OpenAI-compatible.",
        )


MAX_RETRY_AFTER = 366 * 86_400.0
"""A server's requested wait is read as at most a year: beyond that it says "not soon", and a clock cannot show it."""


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The server's requested wait from retry-after-ms or Retry-After (seconds or an HTTP date)."""
    seconds = _requested_wait(headers)
    return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def _requested_wait(headers: Mapping[str, str] | None) -> float | None:
    """The raw wait a server's headers ask for, in seconds, or None."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _error_fields(body: object) -> tuple[str, str]:
    """The (message, code) of an OpenAI-style error body."""
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            message = error.get("message") or error.get("detail") or ""  # "detail": FastAPI-style proxies
            return redact(str(message)), redact(str(error.get("code") or error.get("type") or ""))
        return redact(str(error)), ""
    if isinstance(body, str):
        try:
            return _error_fields(json.loads(body))
        except ValueError:
            return redact(body)[:300], ""
    return "", ""


def _from_status(status: int, message: str, code: str, headers: Mapping[str, str]) -> ProviderFailure:
    """Classify an HTTP error response."""
    message = redact(message)
    detail = (message if len(message) <= MAX_DETAIL else message[: MAX_DETAIL - 1] + "…") or f"HTTP {status}"
    if status == 401:
        return ProviderFailure(
            "auth",
            "API key rejected",
            detail,
            hint="Press ctrl+k to set a working key.",
            cli_hint="Set a working key with `tui-chat keys set <provider>`.",
            status=status,
        )
    if status == 403:
        return ProviderFailure(
            "permission", "Permission denied", detail, hint="Your key cannot use this model or endpoint.", status=status
        )
    if status == 404:
        return ProviderFailure(
            "not_found",
            "Unknown model or endpoint",
            detail,
            hint="Pick another model with the model picker (ctrl+l).",
            cli_hint="Choose another model with --model, or check --base-url.",
            status=status,
        )
    if status == 429 and code == "insufficient_quota":
        return ProviderFailure(
            "quota", "Quota exhausted", detail, hint="Add credit or raise the limit with your provider.", status=status
        )
    if status == 429:
        return ProviderFailure(
            "rate_limit",
            "Rate limited",
            detail,
            hint="Wait a moment, then send again.",
            retryable=True,
            status=status,
            retry_after=retry_after_seconds(headers),
        )
    if code == "context_length_exceeded" or "context length" in message.lower():
        return ProviderFailure(
            "context_length",
            "Conversation too long for the model",
            detail,
            hint="Start a new conversation or pick a model with a larger context window.",
            status=status,
        )
    if status >= 500 or status in RETRYABLE_STATUS:
        return ProviderFailure(
            "server",
            f"Server error ({status})",
            detail,
            hint="The provider is having trouble; try again shortly.",
            retryable=True,
            status=status,
            retry_after=retry_after_seconds(headers),
        )
    return ProviderFailure(
        "bad_request",
        f"Request refused ({status})",
        detail,
        hint="Check the model and the conversation settings.",
        status=status,
    )


def error_event(chunk: Mapping[str, object]) -> ProviderFailure:
    """A failure from an error object sent inside the stream."""
    message, code = _error_fields(chunk)
    error = chunk.get("error")
    status = error.get("status") if isinstance(error, Mapping) else None
    return _from_status(status if isinstance(status, int) else 500, message, code, {})


def translate_error(exc: BaseException) -> ProviderFailure:
    """Classify any exception raised while talking to a provider."""
    if isinstance(exc, ProviderFailure):
        return exc
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        headers = dict(response.headers) if response is not None else {}
        message, code = _error_fields(getattr(exc, "body", None))
        if not message:
            message = redact(str(getattr(exc, "message", "") or ""))
        return _from_status(status, message, code, headers)
    names = {cls.__name__ for cls in type(exc).__mro__}
    causes = {cls.__name__ for cause in (exc.__cause__, exc.__context__) if cause for cls in type(cause).__mro__}
    if names & {"ConnectTimeout", "PoolTimeout"} or (
        "APITimeoutError" in names and causes & {"ConnectTimeout", "PoolTimeout"}
    ):
        return ProviderFailure(
            "connect_timeout",
            "Connection timed out",
            "The server did not accept a connection in time.",
            hint="Check the base URL and your network.",
            retryable=True,
        )
    if names & {"ReadTimeout", "APITimeoutError", "TimeoutError"}:
        return ProviderFailure(
            "read_timeout",
            "Server stopped answering",
            "No data arrived before the read timeout.",
            hint="The partial reply, if any, is kept; retry or continue.",
            retryable=True,
        )
    if "RemoteProtocolError" in names or causes & {"RemoteProtocolError", "ReadError"} or names & {"ReadError"}:
        return ProviderFailure(
            "dropped",
            "Connection dropped",
            "The server closed the connection mid-reply.",
            hint="Retry, or continue from the partial reply.",
            retryable=True,
        )
    if names & {"APIConnectionError", "ConnectError", "ConnectionError", "OSError"}:
        return ProviderFailure(
            "offline",
            "Cannot reach the server",
            "The connection was refused or the host was not found.",
            hint="Check the base URL, that the server is running, and your network.",
            retryable=True,
        )
    if names & {"JSONDecodeError", "ValueError", "APIResponseValidationError"}:
        return ProviderFailure(
            "malformed",
            "Malformed reply from server",
            "A streamed chunk could not be read.",
            hint="Try again; if it repeats, the server is not OpenAI-compatible.",
        )
    return ProviderFailure(
        "unexpected", "Request failed", redact(f"{type(exc).__name__}: {exc}")[:300], hint="Try again."
    )
