"""SQL for writing replies as they stream: the first text, periodic flushes, the final save and recovery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.core.models import Message, MessageStatus, Role, UsageRecord, utc_now
from tui_chat.store.rows import from_millis, inserted_id, message_from_row, to_millis, to_picodollars
from tui_chat.store.writer_locks import writer_is_gone

if TYPE_CHECKING:
    import aiosqlite

    from tui_chat.store.db import Database

RECOVERY_WINDOW = 1000
"""How many of the newest messages are searched for replies left streaming by a crash.

Every start recovers them, so an older one cannot exist; a rowid range keeps start-up fast on a
large file, where a scan of every message would not.
"""

USAGE_COLUMNS = (
    "conversation_id, message_id, provider, model, input_tokens, cached_tokens, output_tokens, reasoning_tokens,"
    " estimated, cost_pusd, price_source, status, error_kind, attempts, latency_ms, ttft_ms, created_at,"
    " answer_ms, computed_cost_pusd, price_kind, prices_version, response_id"
)


def usage_values(record: UsageRecord) -> tuple[object, ...]:
    """A usage record's values in USAGE_COLUMNS order."""
    usage = record.usage
    return (
        record.conversation_id,
        record.message_id,
        record.provider,
        record.model,
        usage.input_tokens,
        usage.cached_tokens,
        usage.output_tokens,
        usage.reasoning_tokens,
        int(usage.estimated),
        to_picodollars(record.cost),
        record.price_source,
        record.status,
        record.error_kind,
        record.attempts,
        record.latency_ms,
        record.ttft_ms,
        to_millis(record.created_at),
        record.answer_ms,
        to_picodollars(record.computed_cost),
        record.price_kind,
        record.prices_version,
        usage.response_id,
    )


class ReplyWrites:
    """Repository methods that store a reply while it streams and once it has ended."""

    database: Database

    async def start_reply(self, reply: Message) -> Message:
        """Insert a reply whose first text has arrived, marked streaming, and return it with its id."""
        async with self.database.transaction("save the reply") as tx:
            cursor = await tx.execute(
                "INSERT INTO messages (conversation_id, role, content, model, status, created_at, writer, thinking)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reply.conversation_id,
                    Role.ASSISTANT.value,
                    reply.content,
                    reply.model,
                    MessageStatus.STREAMING.value,
                    to_millis(reply.created_at),
                    self.database.writer_id,
                    reply.thinking,
                ),
            )
            reply.id = inserted_id(cursor)
        reply.status = MessageStatus.STREAMING
        return reply

    async def flush_reply(self, message_id: int, content: str, thinking: str = "") -> None:
        """Store the text (and thinking) a streaming reply has so far, in its own short transaction."""
        async with self.database.transaction("save the reply") as tx:
            await tx.execute(
                "UPDATE messages SET content = ?, thinking = ? WHERE id = ?", (content, thinking, message_id)
            )

    async def save_reply(self, reply: Message, record: UsageRecord) -> Message:
        """Write a finished reply and its usage row together in one transaction.

        A reply already started (`reply.id` set) is updated in place. If another tui-chat found it
        left streaming and recorded it as interrupted meanwhile, its usage row is replaced, not doubled.
        """
        now = to_millis(utc_now())
        async with self.database.transaction("save the reply") as tx:
            recovered = False
            if reply.id:
                async with tx.execute("SELECT status FROM messages WHERE id = ?", (reply.id,)) as cursor:
                    row = await cursor.fetchone()
                recovered = row is not None and row["status"] == MessageStatus.INTERRUPTED.value
                await tx.execute(
                    "UPDATE messages SET content = ?, status = ?, error = ?, finished_at = ?, thinking = ? WHERE id = ?",
                    (reply.content, reply.status.value, reply.error, now, reply.thinking, reply.id),
                )
            else:
                cursor = await tx.execute(
                    "INSERT INTO messages"
                    " (conversation_id, role, content, model, status, error, created_at, finished_at, thinking)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        reply.conversation_id,
                        Role.ASSISTANT.value,
                        reply.content,
                        reply.model,
                        reply.status.value,
                        reply.error,
                        to_millis(reply.created_at),
                        now,
                        reply.thinking,
                    ),
                )
                reply.id = inserted_id(cursor)
            reply.finished_at = from_millis(now)
            record.message_id = reply.id
            if recovered:
                await self._replace_usage(tx, record)
            else:
                await self._insert_usage(tx, record)
            await tx.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, reply.conversation_id))
        return reply

    async def add_usage(self, record: UsageRecord) -> None:
        """Record a request that produced no reply message (a failure before the first token)."""
        async with self.database.transaction("save the usage record") as tx:
            await self._insert_usage(tx, record)

    @staticmethod
    async def _insert_usage(tx: aiosqlite.Connection, record: UsageRecord) -> None:
        cursor = await tx.execute(
            f"INSERT INTO usage ({USAGE_COLUMNS}) VALUES ({', '.join('?' * len(usage_values(record)))})",
            usage_values(record),
        )
        record.id = inserted_id(cursor)

    @classmethod
    async def _replace_usage(cls, tx: aiosqlite.Connection, record: UsageRecord) -> None:
        """Overwrite the usage row of `record.message_id` (or insert one if there is none)."""
        async with tx.execute(
            "SELECT id FROM usage WHERE message_id = ? ORDER BY id LIMIT 1", (record.message_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            await cls._insert_usage(tx, record)
            return
        assignments = ", ".join(f"{column.strip()} = ?" for column in USAGE_COLUMNS.split(","))
        await tx.execute(f"UPDATE usage SET {assignments} WHERE id = ?", (*usage_values(record), row["id"]))
        record.id = row["id"]

    async def abandoned_replies(self) -> list[Message]:
        """Replies left streaming among the newest messages by a writer that has ended (a crash).

        A reply another window or script is still streaming keeps its writer's lock held and is
        left alone; one from before writers were recorded counts as abandoned.
        """
        async with self.database.connection.execute(
            "SELECT * FROM messages WHERE id > (SELECT COALESCE(MAX(id), 0) FROM messages) - ?"
            " AND status = ? ORDER BY id",
            (RECOVERY_WINDOW, MessageStatus.STREAMING.value),
        ) as cursor:
            rows = await cursor.fetchall()
        path = self.database.path
        return [
            message_from_row(row)
            for row in rows
            if path is None or row["writer"] != self.database.writer_id and writer_is_gone(path, row["writer"])
        ]

    async def mark_interrupted(self, message_id: int, record: UsageRecord) -> bool:
        """Turn a reply left streaming into an interrupted one with its usage row, in one transaction.

        Returns False (and writes nothing) when the reply is no longer streaming, so it is idempotent.
        """
        now = to_millis(utc_now())
        async with self.database.transaction("record an interrupted reply") as tx:
            cursor = await tx.execute(
                "UPDATE messages SET status = ?, finished_at = ? WHERE id = ? AND status = ?",
                (MessageStatus.INTERRUPTED.value, now, message_id, MessageStatus.STREAMING.value),
            )
            if cursor.rowcount != 1:
                return False
            record.message_id = message_id
            await self._insert_usage(tx, record)
        return True
