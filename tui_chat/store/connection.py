"""The aiosqlite connection every query goes through, which names a damaged file wherever SQLite finds it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

from tui_chat.store.failures import CorruptDatabaseError, is_corruption

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a statement waits for another process's lock before it gives up as busy."""


class GuardedConnection(aiosqlite.Connection):
    """An aiosqlite connection whose every call turns SQLite's report of a damaged file into CorruptDatabaseError.

    Damage inside a file with an intact header only shows when a query reaches the broken page,
    which can be any later read or write; catching it here gives every command and screen the same
    message and way forward (move the file aside) without each of them knowing SQLite's codes.
    """

    def __init__(self, path: Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        super().__init__(
            lambda: sqlite3.connect(target, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS),
            iter_chunk_size=64,
        )
        self.path = path

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            # aiosqlite leaves _execute unannotated.
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                raise CorruptDatabaseError(self.path, str(exc)) from exc
            raise


async def connect(path: Path | None) -> GuardedConnection:
    """Open a connection to `path` (None: in memory) with the busy timeout set before its first statement."""
    connection = GuardedConnection(path)
    await connection
    return connection
