"""The one aiosqlite connection: PRAGMAs, migrations and serialised transactions."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from tui_chat.paths import ensure_private_dir
from tui_chat.store.connection import connect
from tui_chat.store.database_files import header_user_version, schema_version_read_only
from tui_chat.store.failures import (
    NewerSchemaError,
    from_os_error,
    opening_problem,
    translate,
)
from tui_chat.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tui_chat.store.writer_locks import WriterLock, writers_folder


def prepare_file(path: Path) -> None:
    """Create the private folder and an empty 0600 file if needed; refuse a newer or non-SQLite file unopened."""
    try:
        ensure_private_dir(path.parent)
        if not path.exists():
            path.touch(mode=0o600)
    except OSError as exc:
        raise from_os_error(exc, path, "create the database") from exc
    try:
        version = header_user_version(path)
    except OSError as exc:
        raise from_os_error(exc, path, "read the database") from exc
    if version is not None and Path(f"{path}-wal").exists():
        version = max(version, schema_version_read_only(path) or 0)
    if version is not None and version > SCHEMA_VERSION:
        raise NewerSchemaError(path, version, SCHEMA_VERSION)


class Database:
    """An open SQLite file with WAL, foreign keys and one writer at a time."""

    def __init__(self, connection: aiosqlite.Connection, path: Path | None) -> None:
        self.connection = connection
        self.path = path
        self._write_lock = asyncio.Lock()
        self.writer: WriterLock | None = None

    @classmethod
    async def open(cls, path: Path | None) -> Database:
        """Open (creating if needed) and migrate the database at `path`; None means in memory."""
        if path is not None:
            prepare_file(path)
        try:
            connection = await connect(path)
        except sqlite3.Error as exc:
            raise opening_problem(exc, path) from exc
        connection.row_factory = sqlite3.Row
        database = cls(connection, path)
        try:
            await database._check_version()
            await database._configure()
            await database._migrate()
            database._take_writer_lock()
        except sqlite3.Error as exc:
            await connection.close()
            raise opening_problem(exc, path) from exc
        except BaseException:
            await connection.close()
            raise
        return database

    def _take_writer_lock(self) -> None:
        """Hold this connection's writer lock, so no other start takes its streaming replies for abandoned."""
        if self.path is None:
            return
        try:
            self.writer = WriterLock.acquire(self.path)
        except OSError as exc:
            raise from_os_error(exc, writers_folder(self.path), "create the writer lock") from exc

    @property
    def writer_id(self) -> str:
        """The id stamped on the replies this connection streams; '' in memory."""
        return self.writer.writer_id if self.writer is not None else ""

    async def _configure(self) -> None:
        """Set the PRAGMAs every connection needs (the busy timeout was set when it connected)."""
        await self.connection.execute("PRAGMA foreign_keys = ON")
        if self.path is not None:
            await self.connection.execute("PRAGMA journal_mode = WAL")
            await self.connection.execute("PRAGMA synchronous = NORMAL")

    async def schema_version(self) -> int:
        """The migration number recorded in the file."""
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        assert row is not None, "PRAGMA user_version always returns one row"
        return int(row[0])

    async def _check_version(self) -> None:
        """Refuse a file from a newer tui-chat before anything (even a PRAGMA) writes to it."""
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise NewerSchemaError(self.path, current, SCHEMA_VERSION)

    async def _migrate(self) -> None:
        """Apply every migration newer than the file's version, each in its own write transaction.

        The version is read again once the write lock is held: when several processes start on a
        new file together, the others wait for the first and then find its work done.
        """
        while await self.schema_version() < SCHEMA_VERSION:
            async with self._write_lock:
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    current = await self.schema_version()
                    if current > SCHEMA_VERSION:
                        raise NewerSchemaError(self.path, current, SCHEMA_VERSION)
                    if current < SCHEMA_VERSION:
                        for statement in statements(MIGRATIONS[current]):
                            await self.connection.execute(statement)
                        await self.connection.execute(f"PRAGMA user_version = {current + 1}")
                    await self.connection.execute("COMMIT")
                except BaseException:
                    await self._roll_back()
                    raise
        if self.path is not None and os.name == "posix":
            os.chmod(self.path, 0o600)

    @asynccontextmanager
    async def transaction(self, doing: str = "save to the database") -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one write transaction: all of it is committed, or none.

        A full disk, a read-only file or a lock held elsewhere becomes a StoreError saying what
        could not be done (`doing`) and what to do about it, after the rollback.
        """
        async with self._write_lock:
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                self._raise_store_error(exc, doing)
                raise
            try:
                yield self.connection
                await self.connection.execute("COMMIT")
            except BaseException as exc:
                await self._roll_back()
                if isinstance(exc, sqlite3.Error):
                    self._raise_store_error(exc, doing)
                raise

    def _raise_store_error(self, exc: sqlite3.Error, doing: str) -> None:
        """Raise the StoreError for a failed write; return when the error is a bug (a constraint) instead."""
        problem = translate(exc, self.path, doing)
        if problem is not None:
            raise problem from exc

    async def _roll_back(self) -> None:
        """Roll back the open transaction; SQLite may already have done so itself (a full disk)."""
        try:
            await self.connection.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass

    async def quick_check(self) -> list[str]:
        """SQLite's `PRAGMA quick_check` of every page: empty when the file is sound, else what is wrong."""
        async with self.connection.execute("PRAGMA quick_check") as cursor:
            rows = await cursor.fetchall()
        problems = [str(row[0]) for row in rows]
        return [] if problems == ["ok"] else problems

    async def close(self) -> None:
        """Close the connection and drop the writer lock; safe to call twice."""
        try:
            await self.connection.close()
        finally:
            if self.writer is not None:
                self.writer.release()


def statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one each, trigger bodies kept whole.

    Python's executescript commits any open transaction first, so a migration is run statement by
    statement inside the transaction that holds the write lock.
    """
    found: list[str] = []
    start = 0
    for end, character in enumerate(script):
        if character == ";" and sqlite3.complete_statement(script[start : end + 1]):
            statement = script[start : end + 1].strip()
            if statement.strip(";").strip():
                found.append(statement)
            start = end + 1
    if script[start:].strip():
        found.append(script[start:].strip())
    return found
