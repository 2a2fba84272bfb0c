"""SQL for model comparisons: the comparison row, its usage rows, its replies as one group, the pick and its counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.core.models import utc_now
from tui_chat.store.rows import inserted_id, to_millis

if TYPE_CHECKING:
    from tui_chat.store.db import Database


@dataclass(frozen=True, slots=True)
class PickedCount:
    """How often one model took part in comparisons and how often it was picked."""

    provider: str
    model: str
    compared: int
    picked: int


class ComparisonStore:
    """Stores comparisons; the replies themselves are ordinary messages written by the chat session."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, conversation_id: int, prompt_message_id: int, *, blind: bool) -> int:
        """A new comparison of replies to one stored prompt; its id."""
        async with self.database.transaction("save the comparison") as tx:
            cursor = await tx.execute(
                "INSERT INTO comparisons (conversation_id, prompt_message_id, blind, created_at) VALUES (?, ?, ?, ?)",
                (conversation_id, prompt_message_id, int(blind), to_millis(utc_now())),
            )
            return inserted_id(cursor)

    async def tag_usage(self, comparison_id: int, usage_id: int) -> None:
        """Mark a usage row as one of the comparison's requests."""
        async with self.database.transaction("save the comparison") as tx:
            await tx.execute("UPDATE usage SET comparison_id = ? WHERE id = ?", (comparison_id, usage_id))

    async def group(self, reply_ids: list[int], shown_id: int) -> None:
        """Make the replies one group of alternatives (the first is its root) with only `shown_id` shown."""
        if not reply_ids:
            return
        root, others = reply_ids[0], reply_ids[1:]
        marks = ", ".join("?" * len(reply_ids))
        async with self.database.transaction("save the comparison") as tx:
            for other in others:
                await tx.execute("UPDATE messages SET alternative_of = ? WHERE id = ?", (root, other))
            await tx.execute(f"UPDATE messages SET hidden = (id != ?) WHERE id IN ({marks})", (shown_id, *reply_ids))

    async def pick(self, comparison_id: int, message_id: int, provider: str, model: str) -> None:
        """Record the reply the user picked and show it in place of the others of its group."""
        async with self.database.transaction("save the pick") as tx:
            await tx.execute(
                "UPDATE comparisons SET picked_message_id = ?, picked_provider = ?, picked_model = ? WHERE id = ?",
                (message_id, provider, model, comparison_id),
            )
            await tx.execute(
                "UPDATE messages SET hidden = (id != ?) WHERE COALESCE(alternative_of, id) ="
                " (SELECT COALESCE(alternative_of, id) FROM messages WHERE id = ?)",
                (message_id, message_id),
            )

    async def picked_counts(self) -> list[PickedCount]:
        """Per model: the comparisons it answered in and how many it won, most picked first."""
        async with self.database.connection.execute(
            "SELECT u.provider, u.model, COUNT(DISTINCT u.comparison_id) AS compared,"
            " COUNT(DISTINCT CASE WHEN c.picked_provider = u.provider AND c.picked_model = u.model"
            " THEN c.id END) AS picked"
            " FROM usage u JOIN comparisons c ON c.id = u.comparison_id"
            " GROUP BY u.provider, u.model ORDER BY picked DESC, compared DESC, u.provider, u.model"
        ) as cursor:
            rows = await cursor.fetchall()
        return [PickedCount(row["provider"], row["model"], row["compared"], row["picked"]) for row in rows]
