"""Database errors a user can act on, each naming the file and the next step, and the mapping from SQLite's."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from tui_chat.core.errors import StoreError

MOVE_ASIDE_COMMAND = "tui-chat db move-aside"
"""The command that renames a damaged database so the next start begins with a fresh one."""

SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


class CorruptDatabaseError(StoreError):
    """The file is not a readable SQLite database; it can be moved aside, never deleted."""

    kind = "store_corrupt"
    title = "Database file is damaged"

    def __init__(self, path: Path | None, reason: str) -> None:
        super().__init__(
            f"{path} cannot be read as a tui-chat database ({reason}).",
            hint=f"Move the file aside to start fresh: `{MOVE_ASIDE_COMMAND}` renames it with a timestamp;"
            " nothing is deleted.",
        )
        self.path = path


class NewerSchemaError(StoreError):
    """The database was written by a newer tui-chat; it is left untouched."""

    kind = "store_newer"
    title = "Database is from a newer tui-chat"

    def __init__(self, path: Path | None, version: int, known: int) -> None:
        super().__init__(
            f"{path} has schema version {version}; this tui-chat knows up to {known}.",
            hint="Upgrade tui-chat to open it. The file has not been changed.",
        )
        self.path = path
        self.version = version


class DiskFullError(StoreError):
    """A write ran out of space; the transaction was rolled back."""

    kind = "store_full"
    title = "Disk full"


class ReadOnlyDatabaseError(StoreError):
    """The database file or its folder cannot be written."""

    kind = "store_read_only"
    title = "Database is read-only"


class DatabaseBusyError(StoreError):
    """Another program held the database locked for too long."""

    kind = "store_busy"
    title = "Database is busy"


def primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (extended codes folded), when it has one."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


CORRUPTION_MESSAGES = ("database disk image is malformed", "file is not a database")
"""SQLite's own words for a damaged file, for an error that arrives without its result code."""


def is_corruption(exc: BaseException) -> bool:
    """Whether SQLite itself reported the file as damaged (SQLITE_CORRUPT or SQLITE_NOTADB)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = primary_code(exc)
    if code is not None:
        return code in (SQLITE_CORRUPT, SQLITE_NOTADB)
    return any(words in str(exc) for words in CORRUPTION_MESSAGES)


def translate(exc: sqlite3.Error, path: Path | None, doing: str) -> StoreError | None:
    """The StoreError a user can act on for a SQLite error while `doing` something, or None for a bug."""
    code = primary_code(exc)
    where = path.parent if path is not None else "the data folder"
    if is_corruption(exc):
        return CorruptDatabaseError(path, str(exc))
    if code == SQLITE_FULL:
        return DiskFullError(
            f"Could not {doing}: the disk holding {path} is full. Nothing was half-written.",
            hint=f"Free some space on the disk holding {where}, then try again.",
        )
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
        return ReadOnlyDatabaseError(
            f"Could not {doing}: {path} cannot be written ({exc}). Nothing was half-written.",
            hint=f"Make {where} and the files in it writable by you, then try again.",
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseBusyError(
            f"Could not {doing}: another program is holding {path} locked.",
            hint="Close other copies of tui-chat or tools using the file, then try again.",
        )
    if code == SQLITE_IOERR:
        return StoreError(
            f"Could not {doing}: reading or writing {path} failed ({exc}). Nothing was half-written.",
            hint=f"Check the disk holding {where}, then try again.",
        )
    return None


def opening_problem(exc: sqlite3.Error, path: Path | None) -> StoreError:
    """What to tell the user when the file cannot be opened; it is called damaged only if SQLite says so."""
    return translate(exc, path, "open the database") or StoreError(
        f"Could not open {path}: {exc}. The file has not been changed.",
        hint="Try again; if it keeps happening, run `tui-chat doctor`.",
        title="Cannot open the database",
    )


def from_os_error(exc: OSError, path: Path, doing: str) -> StoreError:
    """A StoreError for a file-system error met before SQLite was reached (creating the folder or file)."""
    if exc.errno == errno.ENOSPC:
        return DiskFullError(
            f"Could not {doing}: the disk holding {path} is full.",
            hint=f"Free some space on the disk holding {path.parent}, then try again.",
        )
    return ReadOnlyDatabaseError(
        f"Could not {doing}: {exc.filename or path}: {exc.strerror or exc}.",
        hint=f"Make {path.parent} and the files in it readable and writable by you (or point XDG_DATA_HOME"
        " elsewhere), then try again.",
        title=None if isinstance(exc, PermissionError) or exc.errno == errno.EROFS else "Cannot use the database file",
    )
