"""The stored copy of a reply while it streams: inserted at the first text, then flushed about once a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

from tui_chat.core.errors import StoreError
from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.store.repository import Repository

FLUSH_SECONDS = 1.0
"""Seconds between writes of a streaming reply's text: a crash loses at most about this much of it."""

T = TypeVar("T")


class ReplyDraft:
    """Keeps a streaming reply's row up to date on a timer, never per token, each write its own transaction.

    A write that fails (a full disk) stops the flushing but not the stream; the final save
    reports the problem if it is still there.
    """

    def __init__(
        self,
        repository: Repository,
        conversation_id: int,
        model: str,
        created_at: datetime,
        *,
        replaces: int | None = None,
        interval: float = FLUSH_SECONDS,
    ) -> None:
        self.repository = repository
        self.conversation_id = conversation_id
        self.model = model
        self.created_at = created_at
        self.replaces = replaces
        self.interval = interval
        self.message_id: int | None = None
        self.problem: StoreError | None = None
        self._written_at = 0.0
        self._written_length = 0
        self._pending: asyncio.Future[Any] | None = None
        self.thinking: list[str] = []
        """The reply's thinking so far (the session's list), stored beside its text."""

    async def update(self, parts: list[str]) -> None:
        """Store the text so far when it is the first text or `interval` has passed since the last write."""
        if self.problem is not None or self._pending is not None:
            return
        now = time.monotonic()
        if self.message_id is not None and now - self._written_at < self.interval:
            return
        text, thinking = "".join(parts), "".join(self.thinking)
        if not (text or thinking) or len(text) + len(thinking) == self._written_length:
            return
        self._written_at = now
        try:
            await self._complete_even_if_cancelled(self._write(text, thinking))
        except StoreError as exc:
            self.problem = exc

    async def settle(self) -> None:
        """Wait for a write still under way (one a cancellation interrupted) before the final save."""
        if self._pending is not None:
            try:
                await self._pending
            except StoreError as exc:
                self.problem = exc

    async def _write(self, text: str, thinking: str) -> None:
        if self.message_id is None:
            reply = Message(
                0,
                self.conversation_id,
                Role.ASSISTANT,
                text,
                model=self.model,
                status=MessageStatus.STREAMING,
                created_at=self.created_at,
                thinking=thinking,
            )
            self.message_id = (await self.repository.start_reply(reply)).id
            if self.replaces is not None:
                await self.repository.mark_alternative(self.message_id, self.replaces)
        else:
            await self.repository.flush_reply(self.message_id, text, thinking)
        self._written_length = len(text) + len(thinking)

    async def _complete_even_if_cancelled(self, write: Awaitable[T]) -> T:
        """Run a write to its end even when the stream is cancelled meanwhile, so its row id is known."""
        task = asyncio.ensure_future(write)
        self._pending = task
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            await self.settle()
            raise
        finally:
            if task.done():
                self._pending = None
        return result
