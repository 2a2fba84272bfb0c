"""A real tui-chat database with a few conversations whose inner pages were overwritten, header intact."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from tui_chat.core.models import Role
from tui_chat.store.db import Database
from tui_chat.store.repository import Repository

DAMAGED_PAGES = (2, 3)
"""The pages overwritten: the first tables after the schema page, so the header and schema still read."""


async def _fill(path: Path, conversations: int) -> None:
    repository = Repository(await Database.open(path))
    for number in range(conversations):
        conversation = await repository.create_conversation(provider="demo", model="demo", title=f"zebra talk {number}")
        await repository.add_message(conversation.id, Role.USER, f"zebra question {number} " * 20)
        await repository.add_message(conversation.id, Role.ASSISTANT, f"zebra answer {number} " * 40)
    await repository.database.close()


def damage_inside(path: Path, conversations: int = 4) -> bytes:
    """Write a database holding a few conversations, then overwrite pages 2 and 3; return the damaged bytes."""
    return asyncio.run(damaged_database(path, conversations))


async def damaged_database(path: Path, conversations: int = 4) -> bytes:
    """`damage_inside` for a test already running an event loop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    await _fill(path, conversations)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    first, last = DAMAGED_PAGES
    data[(first - 1) * page_size : last * page_size] = b"\xab" * ((last - first + 1) * page_size)
    path.write_bytes(bytes(data))
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    return bytes(data)
