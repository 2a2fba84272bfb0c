"""Errors that carry a user-facing title and a next step; one place turns them into toasts."""

from __future__ import annotations


class TuiChatError(Exception):
    """An error the user should see as a short title, a detail and what to do next."""

    kind = "error"
    title = "Something went wrong"

    def __init__(self, detail: str = "", *, hint: str = "", title: str | None = None, cli_hint: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.hint = hint
        self.cli_hint = cli_hint
        """The next step on the command line, where it differs from the app's (which names keys)."""
        if title is not None:
            self.title = title

    @property
    def message(self) -> str:
        """The detail followed by the next step, as one plain-text paragraph."""
        parts = [part for part in (self.detail, self.hint) if part]
        return "\n".join(parts)

    def one_line(self) -> str:
        """Title, detail and the command line's next step on one line, keys masked and controls removed, for stderr."""
        from tui_chat.core.redaction import redact
        from tui_chat.core.text import strip_control

        parts = [part for part in (self.detail, self.cli_hint or self.hint) if part]
        text = f"{self.title}: {' '.join(parts)}" if parts else self.title
        return " ".join(strip_control(redact(text)).split())


class ConfigError(TuiChatError):
    """The config file could not be used as written."""

    kind = "config"
    title = "Config file problem"


class StoreError(TuiChatError):
    """The database could not be opened, read or written."""

    kind = "store"
    title = "Database problem"


class ProviderError(TuiChatError):
    """A request to a model provider failed."""

    kind = "provider"
    title = "Request failed"
    retryable = False
