"""The one aiosqlite connection: PRAGMAs, migrations and serialised transactions."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from tui_chat.core.errors import StoreError
from tui_chat.paths import ensure_private_dir
from tui_chat.store.migrations import MIGRATIONS, SCHEMA_VERSION


class NewerSchemaError(StoreError):
    """The database was written by a newer tui-chat; it is left untouched."""

    title = "Database is from a newer tui-chat"


class Database:
    """An open SQLite file with WAL, foreign keys and one writer at a time."""

    def __init__(self, connection: aiosqlite.Connection, path: Path | None) -> None:
        self.connection = connection
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | None) -> Database:
        """Open (creating if needed) and migrate the database at `path`; None means in memory."""
        target = ":memory:" if path is None else str(path)
        if path is not None:
            ensure_private_dir(path.parent)
            if not path.exists():
                path.touch(mode=0o600)
        try:
            connection = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open {target}: {exc}") from exc
        connection.row_factory = sqlite3.Row
        database = cls(connection, path)
        try:
            await database._check_version()
            await database._configure()
            await database._migrate()
        except sqlite3.DatabaseError as exc:
            await connection.close()
            raise StoreError(
                f"{target} is not a readable tui-chat database ({exc}).",
                hint="Move the file aside to start fresh; nothing has been deleted.",
            ) from exc
        except BaseException:
            await connection.close()
            raise
        return database

    async def _configure(self) -> None:
        """Set the PRAGMAs every connection needs."""
        await self.connection.execute("PRAGMA foreign_keys = ON")
        await self.connection.execute("PRAGMA busy_timeout = 5000")
        if self.path is not None:
            await self.connection.execute("PRAGMA journal_mode = WAL")
            await self.connection.execute("PRAGMA synchronous = NORMAL")

    async def schema_version(self) -> int:
        """The migration number recorded in the file."""
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def _check_version(self) -> None:
        """Refuse a file from a newer tui-chat before anything (even a PRAGMA) writes to it."""
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path} has schema version {current}; this tui-chat knows up to {SCHEMA_VERSION}.",
                hint="Upgrade tui-chat to open it. The file has not been changed.",
            )

    async def _migrate(self) -> None:
        """Apply every migration newer than the file's version, each in its own transaction."""
        current = await self.schema_version()
        for number in range(current + 1, SCHEMA_VERSION + 1):
            script = MIGRATIONS[number - 1]
            await self.connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        if self.path is not None and os.name == "posix":
            os.chmod(self.path, 0o600)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one write transaction: all of it is committed, or none."""
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            else:
                await self.connection.execute("COMMIT")

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        await self.connection.close()
