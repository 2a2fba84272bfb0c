"""SQL for the cost figures: a period's requests by model (recorded cost, summed tokens), distinct counts, budgets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_chat.core.models import Usage
from tui_chat.core.what_if import ModelGroup
from tui_chat.store.rows import from_picodollars, to_picodollars
from tui_chat.store.usage_rollups import BUCKET_TABLES, Piece, cover

if TYPE_CHECKING:
    from tui_chat.store.db import Database


_ROW_FIGURES = (
    "COALESCE(SUM(cost_pusd), 0) AS f0, COUNT(*) AS f1, SUM(cost_pusd IS NULL) AS f2, SUM(input_tokens) AS f3,"
    " SUM(cached_tokens) AS f4, SUM(output_tokens) AS f5, SUM(reasoning_tokens) AS f6"
)
_ROLLUP_FIGURES = (
    "SUM(cost_pusd) AS f0, SUM(requests) AS f1, SUM(unpriced) AS f2, SUM(input_tokens) AS f3,"
    " SUM(cached_tokens) AS f4, SUM(output_tokens) AS f5, SUM(reasoning_tokens) AS f6"
)
"""The same seven sums over single requests and over pre-summed buckets, in ModelGroup's order."""


@dataclass(frozen=True, slots=True)
class ReconciliationRecord:
    """One comparison of recorded spend with a provider's bill over UTC days `first_day`..`last_day`."""

    provider: str
    ran_at_ms: int
    first_day: str
    last_day: str
    ours: Decimal
    billed: Decimal
    days_apart: int

    def line(self) -> str:
        """The comparison in words."""
        from tui_chat.core.pricing import format_money

        apart = f"{self.days_apart} days differ" if self.days_apart else "every day agrees"
        return (
            f"{self.provider}, {self.first_day} – {self.last_day}: ours {format_money(self.ours)},"
            f" billed {format_money(self.billed)} ({apart})"
        )


def _where(
    start_ms: int | None, end_ms: int | None, conversation_id: int | None, model: str | None
) -> tuple[str, list[object]]:
    """The WHERE clause of a period [start, end), optionally one conversation's or one model's rows."""
    clauses: list[str] = []
    params: list[object] = []
    for clause, value in (
        ("created_at >= ?", start_ms),
        ("created_at < ?", end_ms),
        ("conversation_id = ?", conversation_id),
        ("model = ?", model),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


class CostQueries:
    """Read and write the figures behind forecasts, what-ifs, cache savings and per-conversation budgets."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _all(self, sql: str, params: Sequence[object]) -> list[Any]:
        async with self.database.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def model_groups(
        self,
        start_ms: int | None = None,
        end_ms: int | None = None,
        *,
        conversation_id: int | None = None,
        model: str | None = None,
    ) -> list[ModelGroup]:
        """The period's requests by provider and model, read from the pre-summed tables wherever they cover it.

        One conversation's rows are summed from `usage` itself (the rollups are not kept per conversation).
        """
        if conversation_id is not None:
            pieces = [Piece("usage", start_ms, end_ms)]
        else:
            pieces = cover(start_ms, end_ms, BUCKET_TABLES)
        parts, params = [], []
        for piece in pieces:
            where, values = _where(piece.start_ms, piece.end_ms, conversation_id, model)
            if piece.table == "usage":
                figures = _ROW_FIGURES
            else:
                figures = _ROLLUP_FIGURES
                where = where.replace("created_at", "bucket_ms")
            parts.append(f"SELECT provider, model, {figures} FROM {piece.table}{where} GROUP BY provider, model")
            params += values
        if not parts:
            return []
        sums = ", ".join(f"SUM(f{index})" for index in range(7))
        rows = await self._all(
            f"SELECT provider, model, {sums} FROM ({' UNION ALL '.join(parts)}) GROUP BY provider, model", params
        )
        return [
            ModelGroup(
                provider=row[0],
                model=row[1],
                requests=row[3],
                cost=from_picodollars(row[2]) or Decimal(0),
                unpriced=row[4],
                input_tokens=row[5],
                cached_tokens=row[6],
                output_tokens=row[7],
                reasoning_tokens=row[8],
            )
            for row in rows
        ]

    async def tier_sums(
        self,
        starts: tuple[int, ...],
        start_ms: int | None = None,
        end_ms: int | None = None,
        *,
        conversation_id: int | None = None,
        model: str | None = None,
    ) -> list[tuple[int, Usage]]:
        """The period's tokens summed per price tier: a request is in tier n when its input is above n of `starts`."""
        where, params = _where(start_ms, end_ms, conversation_id, model)
        tier = " + ".join("(input_tokens > ?)" for _ in starts) or "0"
        rows = await self._all(
            f"SELECT {tier} AS tier, SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens), SUM(reasoning_tokens)"
            f" FROM usage{where} GROUP BY tier",
            [*starts, *params],
        )
        return [(row[0], Usage(row[1], row[3], row[2], row[4])) for row in rows]

    async def mismatches(
        self, start_ms: int | None, end_ms: int | None, share: Decimal, limit: int = 5
    ) -> tuple[int, list[tuple[int, str, Decimal, Decimal]]]:
        """How many reported costs in the period differ from ours by more than `share` (1/n), and the latest few.

        Each of the few is (created_at, model, reported, computed).
        """
        where, params = _where(start_ms, end_ms, None, None)
        where += (" AND" if where else " WHERE") + " price_kind = 'reported' AND computed_cost_pusd IS NOT NULL"
        differs = f"{where} AND ABS(cost_pusd - computed_cost_pusd) * ? > computed_cost_pusd"
        parts = int(1 / share)
        count = await self._all(f"SELECT COUNT(*) FROM usage{differs}", [*params, parts])
        rows = await self._all(
            f"SELECT created_at, model, cost_pusd, computed_cost_pusd FROM usage{differs}"
            " ORDER BY created_at DESC LIMIT ?",
            [*params, parts, limit],
        )
        latest = [
            (row[0], row[1], from_picodollars(row[2]) or Decimal(0), from_picodollars(row[3]) or Decimal(0))
            for row in rows
        ]
        return count[0][0], latest

    async def daily_spend(self, provider: str, start_ms: int, end_ms: int) -> dict[int, Decimal]:
        """Recorded spend of one provider per UTC day (keyed by the day's start in ms), from the day table."""
        rows = await self._all(
            "SELECT bucket_ms, SUM(cost_pusd) FROM usage_rollup_day WHERE provider = ? AND bucket_ms >= ?"
            " AND bucket_ms < ? GROUP BY bucket_ms",
            (provider, start_ms, end_ms),
        )
        return {row[0]: from_picodollars(row[1]) or Decimal(0) for row in rows}

    async def generations(self, provider: str, start_ms: int, end_ms: int) -> list[tuple[int, str, Decimal | None]]:
        """The provider's requests in [start, end) that have its completion id: (created_at, id, our cost)."""
        rows = await self._all(
            "SELECT created_at, response_id, cost_pusd FROM usage WHERE provider = ? AND created_at >= ?"
            " AND created_at < ? AND response_id != '' ORDER BY created_at",
            (provider, start_ms, end_ms),
        )
        return [(row[0], row[1], from_picodollars(row[2])) for row in rows]

    async def save_reconciliation(self, record: ReconciliationRecord) -> None:
        """Keep a comparison with the provider's bill (the usage screen shows the latest)."""
        async with self.database.transaction("save the reconciliation") as tx:
            await tx.execute(
                "INSERT INTO reconciliations (provider, ran_at, first_day, last_day, ours_pusd, billed_pusd, days_apart)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.provider,
                    record.ran_at_ms,
                    record.first_day,
                    record.last_day,
                    to_picodollars(record.ours),
                    to_picodollars(record.billed),
                    record.days_apart,
                ),
            )

    async def last_reconciliation(self) -> ReconciliationRecord | None:
        """The latest comparison with a provider's bill, None when there has been none."""
        rows = await self._all(
            "SELECT provider, ran_at, first_day, last_day, ours_pusd, billed_pusd, days_apart FROM reconciliations"
            " ORDER BY id DESC LIMIT 1",
            (),
        )
        if not rows:
            return None
        row = rows[0]
        return ReconciliationRecord(
            row[0],
            row[1],
            row[2],
            row[3],
            from_picodollars(row[4]) or Decimal(0),
            from_picodollars(row[5]) or Decimal(0),
            row[6],
        )

    async def cached_reply(self, key: str, newer_than_ms: int) -> str | None:
        """The stored reply to the request hashed as `key`, None when there is none this fresh."""
        rows = await self._all(
            "SELECT reply FROM response_cache WHERE key = ? AND created_at >= ?", (key, newer_than_ms)
        )
        return rows[0][0] if rows else None

    async def keep_reply(self, key: str, reply: str, at_ms: int) -> None:
        """Store (or refresh) the reply to the request hashed as `key`."""
        async with self.database.transaction("save the cached reply") as tx:
            await tx.execute(
                "INSERT INTO response_cache (key, reply, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET reply = excluded.reply, created_at = excluded.created_at",
                (key, reply, at_ms),
            )

    async def conversation_budget(self, conversation_id: int) -> Decimal | None:
        """A conversation's own spending limit, None when it has none (or does not exist)."""
        rows = await self._all("SELECT budget_pusd FROM conversations WHERE id = ?", (conversation_id,))
        return from_picodollars(rows[0][0]) if rows else None

    async def set_conversation_budget(self, conversation_id: int, budget: Decimal | None) -> None:
        """Set (or, with None, clear) a conversation's own spending limit."""
        async with self.database.transaction("save the conversation's budget") as tx:
            await tx.execute(
                "UPDATE conversations SET budget_pusd = ? WHERE id = ?", (to_picodollars(budget), conversation_id)
            )
