"""SQL for model comparisons: the comparison row, its usage rows, its replies as one group, the pick and its counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_chat.core.models import utc_now
from tui_chat.store.rows import from_millis, from_picodollars, inserted_id, to_millis

if TYPE_CHECKING:
    from datetime import datetime

    from tui_chat.store.db import Database

PERIOD = "u.created_at >= COALESCE(?, u.created_at) AND u.created_at < COALESCE(?, u.created_at + 1)"
"""A usage row's time within [start, end) milliseconds; a None bound is open."""


@dataclass(frozen=True, slots=True)
class PickedCount:
    """How often one model took part in comparisons and how often it was picked."""

    provider: str
    model: str
    compared: int
    picked: int


@dataclass(frozen=True, slots=True)
class ComparisonRequest:
    """One request of a comparison: its model, outcome, figures and whether its reply was the one picked."""

    comparison_id: int
    created_at: datetime
    provider: str
    model: str
    status: str
    ttft_ms: int | None
    input_tokens: int
    output_tokens: int
    cost: Decimal | None
    picked: bool


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
        root = reply_ids[0]
        marks = ", ".join("?" * len(reply_ids))
        async with self.database.transaction("save the comparison") as tx:
            await tx.execute(
                "UPDATE messages SET alternative_of = CASE WHEN id = ? THEN NULL ELSE ? END, hidden = (id != ?)"
                f" WHERE id IN ({marks})",
                (root, root, shown_id, *reply_ids),
            )

    async def streaming_reply(
        self, conversation_id: int, prompt_id: int, model: str, taken: Sequence[int | None]
    ) -> int | None:
        """The reply of `model` to the prompt that is still streaming, except those already `taken`."""
        ids = [reply_id for reply_id in taken if reply_id is not None]
        others = f" AND id NOT IN ({', '.join('?' * len(ids))})" if ids else ""
        async with self.database.connection.execute(
            "SELECT id FROM messages WHERE conversation_id = ? AND id > ? AND role = 'assistant' AND model = ?"
            f" AND status = 'streaming'{others} ORDER BY id LIMIT 1",
            (conversation_id, prompt_id, model, *ids),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def file(self, reply_id: int, root_id: int) -> None:
        """Make a reply the root of its comparison's group (shown) or a hidden alternative of the root."""
        async with self.database.transaction("save the comparison") as tx:
            await tx.execute(
                "UPDATE messages SET alternative_of = CASE WHEN id = ? THEN NULL ELSE ? END, hidden = (id != ?)"
                " WHERE id = ?",
                (root_id, root_id, root_id, reply_id),
            )

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

    async def picked_counts(self, start_ms: int | None = None, end_ms: int | None = None) -> list[PickedCount]:
        """Per model: the comparisons it answered in and how many it won, most picked first."""
        async with self.database.connection.execute(
            "SELECT u.provider, u.model, COUNT(DISTINCT u.comparison_id) AS compared,"
            " COUNT(DISTINCT CASE WHEN c.picked_provider = u.provider AND c.picked_model = u.model"
            " THEN c.id END) AS picked"
            f" FROM usage u JOIN comparisons c ON c.id = u.comparison_id WHERE {PERIOD}"
            " GROUP BY u.provider, u.model ORDER BY picked DESC, compared DESC, u.provider, u.model",
            (start_ms, end_ms),
        ) as cursor:
            rows = await cursor.fetchall()
        return [PickedCount(row["provider"], row["model"], row["compared"], row["picked"]) for row in rows]

    async def requests(
        self, start_ms: int | None = None, end_ms: int | None = None, limit: int = 500
    ) -> list[ComparisonRequest]:
        """The requests made by comparisons in [start, end), newest first."""
        async with self.database.connection.execute(
            "SELECT u.comparison_id, u.created_at, u.provider, u.model, u.status, u.ttft_ms, u.input_tokens,"
            " u.output_tokens, u.cost_pusd, (c.picked_message_id IS NOT NULL AND c.picked_message_id = u.message_id)"
            f" AS picked FROM usage u JOIN comparisons c ON c.id = u.comparison_id WHERE {PERIOD}"
            " ORDER BY u.created_at DESC, u.id DESC LIMIT ?",
            (start_ms, end_ms, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            ComparisonRequest(
                row[0],
                from_millis(row[1]),
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                from_picodollars(row[8]),
                bool(row[9]),
            )
            for row in rows
        ]
