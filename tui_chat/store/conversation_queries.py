"""SQL for managing conversations: list with totals, search, export, settings, edits and alternatives."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from tui_chat.core.models import (
    Conversation,
    ConversationExport,
    ConversationSummary,
    Message,
    Role,
    SearchHit,
    UsageRecord,
)
from tui_chat.core.redaction import redact, redact_spans
from tui_chat.store.rows import (
    conversation_from_row,
    from_millis,
    from_picodollars,
    message_from_row,
)

if TYPE_CHECKING:
    import aiosqlite

    from tui_chat.store.db import Database

HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"


def fts_query(text: str) -> str:
    """An FTS5 query matching every word of `text` as a quoted prefix, so user input is never syntax."""
    terms = [term.replace('"', '""') for term in text.split() if any(c.isalnum() for c in term)]
    return " ".join(f'"{term}"*' for term in terms)


def split_highlights(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Plain one-line text and the (start, end) spans that FTS5's snippet() marked."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    length = 0
    for character in marked:
        if character == HIGHLIGHT_START:
            start = length
        elif character == HIGHLIGHT_END:
            spans.append((start, length))
        else:
            plain.append(" " if character in "\r\n\t" else character)
            length += 1
    return "".join(plain), tuple(spans)


class ConversationReader(Protocol):
    """The Repository reads an export is made of."""

    async def get_conversation(self, conversation_id: int) -> Conversation | None: ...

    async def messages(self, conversation_id: int, *, include_hidden: bool = False) -> list[Message]: ...

    async def usage_rows(self, conversation_id: int | None = None) -> list[UsageRecord]: ...


class ConversationQueries:
    """Repository methods for the conversation list, search, export and message actions."""

    database: Database

    @property
    def _read(self) -> aiosqlite.Connection:
        return self.database.connection

    async def set_archived(self, conversation_id: int, archived: bool) -> None:
        """Archive or unarchive a conversation."""
        async with self.database.transaction() as tx:
            await tx.execute("UPDATE conversations SET archived = ? WHERE id = ?", (int(archived), conversation_id))

    async def delete_conversation(self, conversation_id: int) -> bool:
        """Delete a conversation and its messages; its usage rows stay, no longer linked to it."""
        async with self.database.transaction() as tx:
            cursor = await tx.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cursor.rowcount > 0

    async def conversation_summaries(
        self, *, archived: bool | None = False, limit: int = 500
    ) -> list[ConversationSummary]:
        """Conversations newest activity first, each with its message count and total cost."""
        where = "" if archived is None else "WHERE c.archived = ?"
        params: list[object] = [] if archived is None else [int(archived)]
        async with self._read.execute(
            "SELECT c.*, COALESCE(u.cost_pusd, 0) AS cost_pusd, COALESCE(u.unpriced, 0) AS unpriced,"
            " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.hidden = 0)"
            " AS message_count FROM conversations c LEFT JOIN (SELECT conversation_id,"
            " SUM(cost_pusd) AS cost_pusd, SUM(cost_pusd IS NULL) AS unpriced FROM usage"
            f" GROUP BY conversation_id) u ON u.conversation_id = c.id {where}"
            " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
            [*params, limit],
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            ConversationSummary(
                conversation=conversation_from_row(row),
                message_count=row["message_count"],
                cost=from_picodollars(row["cost_pusd"]) or Decimal("0"),
                unpriced_requests=row["unpriced"],
            )
            for row in rows
        ]

    async def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Shown messages matching every word of `text` (as prefixes), best match first."""
        query = fts_query(text)
        if not query:
            return []
        async with self._read.execute(
            "SELECT m.id, m.conversation_id, m.role, m.created_at, c.title,"
            " snippet(messages_fts, -1, ?, ?, '…', 16) AS excerpt"
            " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ? AND m.hidden = 0 AND m.status != 'streaming'"
            " ORDER BY rank, m.id DESC LIMIT ?",
            (HIGHLIGHT_START, HIGHLIGHT_END, query, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        hits = []
        for row in rows:
            excerpt, highlights = split_highlights(row["excerpt"])
            excerpt, moved = redact_spans(excerpt, highlights)  # a database may hold a key a server echoed
            hits.append(
                SearchHit(
                    conversation_id=row["conversation_id"],
                    message_id=row["id"],
                    conversation_title=redact(row["title"]),
                    role=Role(row["role"]),
                    excerpt=excerpt,
                    highlights=tuple(dict.fromkeys(moved)),
                    created_at=from_millis(row["created_at"]),
                )
            )
        return hits

    async def export_data(self: ConversationReader, conversation_id: int) -> ConversationExport | None:
        """A conversation with all its messages (alternatives included) and all its usage rows."""
        conversation = await self.get_conversation(conversation_id)
        if conversation is None:
            return None
        messages = await self.messages(conversation_id, include_hidden=True)
        usage = await self.usage_rows(conversation_id)
        return ConversationExport(conversation, messages, usage)

    async def set_conversation_model(self, conversation_id: int, provider: str, model: str) -> None:
        """Send the conversation's next requests to another provider and model."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE conversations SET provider = ?, model = ? WHERE id = ?", (provider, model, conversation_id)
            )

    async def update_conversation_settings(
        self, conversation_id: int, *, system_prompt: str, temperature: float | None, max_tokens: int | None
    ) -> None:
        """Store the conversation's system prompt, temperature and reply length limit (None: the server's)."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE conversations SET system_prompt = ?, temperature = ?, max_tokens = ? WHERE id = ?",
                (system_prompt, temperature, max_tokens, conversation_id),
            )

    async def get_message(self, message_id: int) -> Message | None:
        """One message by id, hidden or not."""
        async with self._read.execute("SELECT * FROM messages WHERE id = ?", (message_id,)) as cursor:
            row = await cursor.fetchone()
        return message_from_row(row) if row else None

    async def messages_after(self, conversation_id: int, after_id: int, *, limit: int = 40) -> list[Message]:
        """The shown messages following `after_id`, oldest first (paging down from a search hit)."""
        async with self._read.execute(
            "SELECT * FROM messages WHERE conversation_id = ? AND id > ? AND hidden = 0 AND status != 'streaming'"
            " ORDER BY id LIMIT ?",
            (conversation_id, after_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [message_from_row(row) for row in rows]

    async def delete_message(self, message_id: int) -> bool:
        """Delete one message; if it was a shown alternative, the newest remaining one is shown instead."""
        async with self.database.transaction() as tx:
            async with tx.execute(
                "SELECT COALESCE(alternative_of, id) AS root, hidden FROM messages WHERE id = ?", (message_id,)
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                return False
            root, was_hidden = found["root"], bool(found["hidden"])
            async with tx.execute(
                "SELECT id FROM messages WHERE (id = ? OR alternative_of = ?) AND id != ? ORDER BY id",
                (root, root, message_id),
            ) as cursor:
                others = [row["id"] for row in await cursor.fetchall()]
            if others and message_id == root:
                new_root = others[0]
                await tx.execute("UPDATE messages SET alternative_of = NULL WHERE id = ?", (new_root,))
                await tx.execute(
                    "UPDATE messages SET alternative_of = ? WHERE alternative_of = ? AND id != ?",
                    (new_root, root, new_root),
                )
            await tx.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            if others and not was_hidden:
                await tx.execute("UPDATE messages SET hidden = 0 WHERE id = ?", (others[-1],))
        return True

    async def delete_messages_from(self, conversation_id: int, message_id: int) -> int:
        """Delete a message and every later one of its conversation (usage rows stay); the count removed."""
        async with self.database.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND id >= ?", (conversation_id, message_id)
            )
            return cursor.rowcount

    async def mark_alternative(self, reply_id: int, replaces_id: int) -> None:
        """Make `reply_id` a regenerated alternative of `replaces_id`: it is shown, the others hidden."""
        async with self.database.transaction() as tx:
            async with tx.execute(
                "SELECT COALESCE(alternative_of, id) AS root FROM messages WHERE id = ?", (replaces_id,)
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                return
            root = found["root"]
            await tx.execute("UPDATE messages SET alternative_of = ?, hidden = 0 WHERE id = ?", (root, reply_id))
            await tx.execute(
                "UPDATE messages SET hidden = 1 WHERE (id = ? OR alternative_of = ?) AND id != ?",
                (root, root, reply_id),
            )

    async def alternatives(self, message_id: int) -> list[Message]:
        """Every reply of the message's regenerate group, oldest first (just itself when it has none)."""
        async with self._read.execute(
            "SELECT * FROM messages WHERE COALESCE(alternative_of, id) ="
            " (SELECT COALESCE(alternative_of, id) FROM messages WHERE id = ?) ORDER BY id",
            (message_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [message_from_row(row) for row in rows]

    async def show_alternative(self, message_id: int) -> None:
        """Show this reply of its regenerate group and hide the others."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE messages SET hidden = (id != ?) WHERE COALESCE(alternative_of, id) ="
                " (SELECT COALESCE(alternative_of, id) FROM messages WHERE id = ?)",
                (message_id, message_id),
            )

    async def recent_models(self, provider: str | None = None, *, limit: int = 20) -> list[str]:
        """Models used lately (from usage rows and replies), most recent first."""
        clause = "WHERE provider = ?" if provider is not None else ""
        params: list[object] = [provider, provider] if provider is not None else []
        async with self._read.execute(
            "SELECT model, MAX(at) AS last FROM ("
            f" SELECT model, created_at AS at, provider FROM usage {clause}"
            " UNION ALL SELECT m.model, m.created_at, c.provider FROM messages m"
            f" JOIN conversations c ON c.id = m.conversation_id {clause.replace('provider', 'c.provider')}"
            ") WHERE model != '' GROUP BY model ORDER BY last DESC LIMIT ?",
            [*params, limit],
        ) as cursor:
            rows = await cursor.fetchall()
        return [row["model"] for row in rows]

    async def recent_prompts(self, *, limit: int = 100) -> list[str]:
        """The user's latest distinct prompts across conversations, newest first (prompt history)."""
        async with self._read.execute(
            "SELECT content, MAX(id) AS last FROM messages WHERE role = 'user' AND content != ''"
            " GROUP BY content ORDER BY last DESC LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [row["content"] for row in rows]
