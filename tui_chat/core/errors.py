"""Errors that carry a user-facing title and a next step; one place turns them into toasts."""

from __future__ import annotations


class TuiChatError(Exception):
    """An error the user should see as a short title, a detail and what to do next."""

    kind = "error"
    title = "Something went wrong"

    def __init__(self, detail: str = "", *, hint: str = "", title: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.hint = hint
        if title is not None:
            self.title = title

    @property
    def message(self) -> str:
        """The detail followed by the next step, as one plain-text paragraph."""
        parts = [part for part in (self.detail, self.hint) if part]
        return "\n".join(parts)


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
