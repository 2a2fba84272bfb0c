"""All SQL lives here; every function returns domain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_chat.core.models import (
    Conversation,
    Message,
    MessageStatus,
    Role,
    Usage,
    UsageRecord,
    utc_now,
)
from tui_chat.store.conversation_queries import ConversationQueries
from tui_chat.store.db import Database
from tui_chat.store.reasoning_writes import ReasoningWrites
from tui_chat.store.reply_writes import ReplyWrites
from tui_chat.store.rows import (  # noqa: F401  (re-exported)
    PICO,  # noqa: F401  (re-exported)
    from_millis,
    from_picodollars,
    inserted_id,
    to_millis,
    to_picodollars,
)
from tui_chat.store.rows import conversation_from_row as _conversation
from tui_chat.store.rows import message_from_row as _message
from tui_chat.store.tool_writes import ToolWrites

if TYPE_CHECKING:
    import aiosqlite


@dataclass(frozen=True, slots=True)
class SpendTotals:
    """Summed cost and tokens over a set of usage rows."""

    cost: Decimal
    requests: int
    input_tokens: int
    output_tokens: int
    unpriced_requests: int


class Repository(ReplyWrites, ConversationQueries, ReasoningWrites, ToolWrites):
    """Reads and writes conversations, messages and usage rows."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @property
    def _read(self) -> aiosqlite.Connection:
        return self.database.connection

    async def create_conversation(
        self, *, provider: str, model: str, title: str = "", system_prompt: str = ""
    ) -> Conversation:
        """Insert a new, empty conversation."""
        now = to_millis(utc_now())
        async with self.database.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO conversations (title, provider, model, system_prompt, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (title, provider, model, system_prompt, now, now),
            )
            conversation_id = inserted_id(cursor)
        conversation = await self.get_conversation(conversation_id)
        assert conversation is not None, "the conversation was just committed"
        return conversation

    async def get_conversation(self, conversation_id: int) -> Conversation | None:
        """One conversation by id, or None."""
        async with self._read.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)) as cursor:
            row = await cursor.fetchone()
        return _conversation(row) if row else None

    async def latest_conversation(self) -> Conversation | None:
        """The most recently active conversation that is not archived."""
        async with self._read.execute(
            "SELECT * FROM conversations WHERE archived = 0 ORDER BY updated_at DESC, id DESC LIMIT 1"
        ) as cursor:
            row = await cursor.fetchone()
        return _conversation(row) if row else None

    async def set_title(self, conversation_id: int, title: str) -> None:
        """Rename a conversation."""
        async with self.database.transaction() as tx:
            await tx.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    async def messages(
        self,
        conversation_id: int,
        *,
        limit: int | None = None,
        before_id: int | None = None,
        include_hidden: bool = False,
    ) -> list[Message]:
        """Messages oldest first; with `limit`, only the newest ones (before `before_id`).

        Replies set aside by a regenerate, and replies still streaming (a screen shows those live),
        are left out unless `include_hidden` is true.
        """
        clauses = ["conversation_id = ?"]
        params: list[object] = [conversation_id]
        if not include_hidden:
            clauses.append("hidden = 0 AND status != 'streaming'")
        if before_id is not None:
            clauses.append("id < ?")
            params.append(before_id)
        sql = f"SELECT * FROM messages WHERE {' AND '.join(clauses)} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        async with self._read.execute(sql, params) as cursor:
            rows = list(await cursor.fetchall())
        return [_message(row) for row in reversed(rows)]

    async def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str,
        *,
        model: str = "",
        status: MessageStatus = MessageStatus.COMPLETE,
    ) -> Message:
        """Insert and commit one message, touching its conversation."""
        now = to_millis(utc_now())
        async with self.database.transaction("save the message") as tx:
            cursor = await tx.execute(
                "INSERT INTO messages (conversation_id, role, content, model, status, created_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, role.value, content, model, status.value, now, now),
            )
            message_id = inserted_id(cursor)
            await tx.execute(
                "UPDATE conversations SET updated_at = ?,"
                " title = CASE WHEN title = '' AND ? = 'user' THEN ? ELSE title END WHERE id = ?",
                (now, role.value, title_from_prompt(content), conversation_id),
            )
        return Message(
            id=message_id,
            conversation_id=conversation_id,
            role=role,
            content=content,
            model=model,
            status=status,
            created_at=from_millis(now),
            finished_at=from_millis(now),
        )

    async def usage_rows(self, conversation_id: int | None = None) -> list[UsageRecord]:
        """Usage rows, oldest first, optionally for one conversation."""
        sql = "SELECT * FROM usage"
        params: tuple[object, ...] = ()
        if conversation_id is not None:
            sql += " WHERE conversation_id = ?"
            params = (conversation_id,)
        async with self._read.execute(sql + " ORDER BY id", params) as cursor:
            rows = await cursor.fetchall()
        return [
            UsageRecord(
                id=row["id"],
                conversation_id=row["conversation_id"],
                message_id=row["message_id"],
                provider=row["provider"],
                model=row["model"],
                usage=Usage(
                    input_tokens=row["input_tokens"],
                    output_tokens=row["output_tokens"],
                    cached_tokens=row["cached_tokens"],
                    reasoning_tokens=row["reasoning_tokens"],
                    estimated=bool(row["estimated"]),
                    response_id=row["response_id"],
                ),
                cost=from_picodollars(row["cost_pusd"]),
                price_source=row["price_source"],
                status=row["status"],
                error_kind=row["error_kind"],
                attempts=row["attempts"],
                latency_ms=row["latency_ms"],
                ttft_ms=row["ttft_ms"],
                created_at=from_millis(row["created_at"]),
                answer_ms=row["answer_ms"],
                computed_cost=from_picodollars(row["computed_cost_pusd"]),
                price_kind=row["price_kind"],
                prices_version=row["prices_version"],
            )
            for row in rows
        ]

    async def spend(self, *, conversation_id: int | None = None, since: datetime | None = None) -> SpendTotals:
        """Summed spend over usage rows of one conversation and/or since a moment."""
        clauses: list[str] = []
        params: list[object] = []
        if conversation_id is not None:
            clauses.append("conversation_id = ?")
            params.append(conversation_id)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(to_millis(since))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        async with self._read.execute(
            "SELECT COALESCE(SUM(cost_pusd), 0), COUNT(*), COALESCE(SUM(input_tokens), 0),"
            " COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cost_pusd IS NULL), 0) FROM usage" + where,
            params,
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None, "an aggregate without GROUP BY returns one row"
        return SpendTotals(
            cost=from_picodollars(row[0]) or Decimal("0"),
            requests=row[1],
            input_tokens=row[2],
            output_tokens=row[3],
            unpriced_requests=row[4],
        )


def title_from_prompt(prompt: str, limit: int = 60) -> str:
    """A one-line conversation title from the first prompt."""
    line = " ".join(prompt.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
