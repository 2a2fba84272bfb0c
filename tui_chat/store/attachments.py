"""All SQL of attachments: blobs stored once by sha256, linked to messages, pruned when unused."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from tui_chat.core.attachments import Attachment

if TYPE_CHECKING:
    import aiosqlite

    from tui_chat.store.db import Database

_COLUMNS = "a.message_id, a.name, a.kind, a.mime, a.original_size, a.width, a.height, a.pages, a.detail, a.sha256"


class AttachmentStore:
    """Reads and writes the files messages carry."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def link(self, message_id: int, attachments: Sequence[Attachment]) -> None:
        """Store each attachment's bytes (once per content) and attach them to a message, in order."""
        if not attachments:
            return
        async with self.database.transaction("save the attachments") as tx:
            for position, attachment in enumerate(attachments):
                await tx.execute(
                    "INSERT OR IGNORE INTO blobs (sha256, data, size) VALUES (?, ?, ?)",
                    (attachment.sha256, attachment.data, len(attachment.data)),
                )
                await tx.execute(
                    "INSERT INTO message_attachments (message_id, position, sha256, name, kind, mime,"
                    " original_size, width, height, pages, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        message_id,
                        position,
                        attachment.sha256,
                        attachment.name,
                        attachment.kind,
                        attachment.mime,
                        attachment.original_size,
                        attachment.width,
                        attachment.height,
                        attachment.pages,
                        attachment.detail,
                    ),
                )

    async def for_messages(self, message_ids: Iterable[int]) -> dict[int, list[Attachment]]:
        """The attachments of these messages, by message id, each list in the order attached."""
        ids = list(message_ids)
        found: dict[int, list[Attachment]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            sql = (
                f"SELECT {_COLUMNS}, b.data FROM message_attachments a JOIN blobs b ON b.sha256 = a.sha256"
                f" WHERE a.message_id IN ({marks}) ORDER BY a.message_id, a.position"
            )
            async with self.database.connection.execute(sql, chunk) as cursor:
                for row in await cursor.fetchall():
                    found.setdefault(row[0], []).append(_attachment(row))
        return found

    async def for_conversation(self, conversation_id: int) -> dict[int, list[Attachment]]:
        """The attachments of every message of a conversation, by message id."""
        async with self.database.connection.execute(
            "SELECT a.message_id FROM message_attachments a JOIN messages m ON m.id = a.message_id"
            " WHERE m.conversation_id = ?",
            (conversation_id,),
        ) as cursor:
            ids = {row[0] for row in await cursor.fetchall()}
        return await self.for_messages(sorted(ids)) if ids else {}

    async def prune(self) -> int:
        """Delete the blobs no message carries any more; how many went."""
        async with self.database.transaction("delete unused attachments") as tx:
            cursor = await tx.execute(
                "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM message_attachments a WHERE a.sha256 = blobs.sha256)"
            )
            return max(cursor.rowcount, 0)


def _attachment(row: aiosqlite.Row) -> Attachment:
    """An Attachment from a joined row of message_attachments and blobs."""
    _, name, kind, mime, original_size, width, height, pages, detail, sha256, data = row
    return Attachment(
        name=name,
        kind=kind,
        mime=mime,
        data=bytes(data),
        original_size=original_size,
        width=width,
        height=height,
        pages=pages,
        detail="low" if detail == "low" else "high",
        sha256=sha256,
    )
