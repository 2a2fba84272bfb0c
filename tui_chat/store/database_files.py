"""The database file on disk: its header read without SQLite, and moving a damaged one aside."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from tui_chat.store.failures import CorruptDatabaseError

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
USER_VERSION_OFFSET = 60
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside the database; they belong to it and move with it."""


def header_user_version(path: Path) -> int | None:
    """The schema number in the file's header, None for an empty or missing file.

    Reading the header directly means a file from a newer tui-chat, or one that is not a
    database at all, is refused before SQLite opens it (and before a journal file appears).
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except FileNotFoundError:
        return None
    if not header:
        return None
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        raise CorruptDatabaseError(path, "it does not start with a SQLite header")
    return int.from_bytes(header[USER_VERSION_OFFSET : USER_VERSION_OFFSET + 4], "big", signed=True)


def schema_version_read_only(path: Path) -> int | None:
    """The schema number as SQLite sees it, read without writing; None if SQLite cannot read it so.

    A write-ahead log left by a crash may hold a newer number than the file's header; this
    reads it without the checkpoint a normal connection would write when it closes.
    """
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error:
        return None


def aside_name(path: Path, moment: datetime) -> Path:
    """A free name beside `path`, `<name>.corrupt-YYYYmmdd-HHMMSS`, numbered if that one is taken."""
    stem = f"{path.name}.corrupt-{moment:%Y%m%d-%H%M%S}"
    candidate = path.with_name(stem)
    number = 2
    while any(Path(f"{candidate}{suffix}").exists() for suffix in ("", *COMPANION_SUFFIXES)):
        candidate = path.with_name(f"{stem}-{number}")
        number += 1
    return candidate


def move_aside(path: Path, moment: datetime | None = None) -> Path:
    """Rename the database and its companion files to a timestamped name; return the new name.

    Nothing is deleted or overwritten. Companion files move first, so a fresh database created
    at `path` afterwards can never pick up the old write-ahead log.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    target = aside_name(path, moment or datetime.now())
    for suffix in COMPANION_SUFFIXES:
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            os.rename(companion, Path(f"{target}{suffix}"))
    os.rename(path, target)
    return target
