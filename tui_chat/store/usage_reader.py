"""Run a batch of UsageStats queries in a worker thread on a private connection, in one hop.

Each query through the app's aiosqlite connection is a round trip through the event loop, and
while a screen is being built the loop is busy for tens of milliseconds at a time, so a dozen
small queries can take ten times their cost.  Here the same UsageStats code runs on a plain
sqlite3 connection in a thread: its awaits complete at once, and the loop waits for one result
(or, with `start_reading`, does not wait at all and looks at the future when it is ready).
The connection is query-only and refuses a file that is missing or not at the current schema
(SchemaNotCurrent: use the app's connection, which migrates); an in-memory database (tests) has
no second connection and keeps the shared one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from tui_chat.store.failures import CorruptDatabaseError, is_corruption

if TYPE_CHECKING:
    from tui_chat.store.db import Database
    from tui_chat.store.usage_stats import UsageStats

Result = TypeVar("Result")


class _Cursor:
    """A sqlite3 cursor behind aiosqlite's awaitable fetch methods."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchone(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._cursor.fetchone()
        return row

    async def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._cursor.close()


class _Connection:
    """The part of an aiosqlite connection UsageStats uses, answered synchronously."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Cursor:
        return _Cursor(self._connection.execute(sql, parameters))


class _ThreadDatabase:
    """What UsageStats needs of a Database: a connection."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = _Connection(connection)
        self.path = path


class SchemaNotCurrent(Exception):
    """The file is missing or not migrated to this version's schema yet."""


def read_file(path: Path, job: Callable[[UsageStats], Coroutine[Any, Any, Result]]) -> Result:
    """Open a query-only connection to an existing, current database, run the job to completion on it, close it."""
    from tui_chat.store.migrations import SCHEMA_VERSION
    from tui_chat.store.usage_stats import UsageStats

    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=5.0)
    except sqlite3.OperationalError as exc:
        raise SchemaNotCurrent(str(exc)) from exc
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            raise SchemaNotCurrent(f"{path} is not at schema version {SCHEMA_VERSION}")
        connection.execute("PRAGMA query_only = ON")
        return asyncio.run(job(UsageStats(_ThreadDatabase(connection, path))))
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise CorruptDatabaseError(path, str(exc)) from exc
        raise
    finally:
        connection.close()


def start_reading(path: Path, job: Callable[[UsageStats], Coroutine[Any, Any, Result]]) -> Future[Result]:
    """Run `read_file` in a new thread; the future is done as soon as the thread is, loop or no loop."""
    future: Future[Result] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(read_file(path, job))
        except BaseException as exc:  # handed to whoever reads the future
            future.set_exception(exc)

    threading.Thread(target=run, name="usage-read", daemon=True).start()
    return future


async def read_usage(database: Database, job: Callable[[UsageStats], Coroutine[Any, Any, Result]]) -> Result:
    """The result of `job` run over the database's usage figures, off the event loop when it has a file."""
    if database.path is None:
        from tui_chat.store.usage_stats import UsageStats

        return await job(UsageStats(database))
    return await asyncio.to_thread(read_file, database.path, job)
