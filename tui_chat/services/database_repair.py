"""Moving a damaged database aside so tui-chat can start fresh, refusing for any file that is not damaged."""

from __future__ import annotations

from pathlib import Path

from tui_chat.core.errors import TuiChatError
from tui_chat.store.database_files import move_aside
from tui_chat.store.failures import CorruptDatabaseError


class NotMovedError(TuiChatError):
    """The database was left where it is: missing, healthy, or from a newer tui-chat."""

    kind = "store_not_moved"
    title = "Database not moved"


async def move_aside_if_damaged(path: Path) -> Path:
    """Rename the database at `path` (and its -wal/-shm) to `<name>.corrupt-<timestamp>` if it is damaged.

    The file is opened and SQLite's quick check run over every page: only a file SQLite reports as
    damaged is moved. A file from a newer tui-chat raises its NewerSchemaError unchanged, and
    nothing is ever deleted.
    """
    from tui_chat.store.db import Database

    if not path.exists():
        raise NotMovedError(f"There is no database at {path}.")
    try:
        database = await Database.open(path)
        try:
            damage = await database.quick_check()
        finally:
            await database.close()
    except CorruptDatabaseError:
        return move_aside(path)
    if damage:
        return move_aside(path)
    raise NotMovedError(f"{path} opens fine and SQLite's check finds no damage, so it was left where it is.")
