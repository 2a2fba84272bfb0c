"""SQL for the cost figures: a period's requests by model (recorded cost, summed tokens), distinct counts, budgets."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_chat.core.models import Usage
from tui_chat.core.what_if import ModelGroup
from tui_chat.store.rows import from_picodollars, to_picodollars

if TYPE_CHECKING:
    from tui_chat.store.db import Database


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
        """The period's requests by provider and model, with cached and reasoning counts clamped per row."""
        where, params = _where(start_ms, end_ms, conversation_id, model)
        rows = await self._all(
            "SELECT provider, model, COUNT(*), COALESCE(SUM(cost_pusd), 0), SUM(cost_pusd IS NULL),"
            " SUM(input_tokens), SUM(MIN(cached_tokens, input_tokens)), SUM(output_tokens),"
            f" SUM(MIN(reasoning_tokens, output_tokens)) FROM usage{where} GROUP BY provider, model",
            params,
        )
        return [
            ModelGroup(
                provider=row[0],
                model=row[1],
                requests=row[2],
                cost=from_picodollars(row[3]) or Decimal(0),
                unpriced=row[4],
                input_tokens=row[5],
                cached_tokens=row[6],
                output_tokens=row[7],
                reasoning_tokens=row[8],
            )
            for row in rows
        ]

    async def usage_counts(
        self,
        start_ms: int | None = None,
        end_ms: int | None = None,
        *,
        conversation_id: int | None = None,
        model: str | None = None,
    ) -> list[tuple[Usage, int]]:
        """Each distinct set of token counts in the period and how many requests had it (for tiered prices)."""
        where, params = _where(start_ms, end_ms, conversation_id, model)
        rows = await self._all(
            "SELECT input_tokens, cached_tokens, output_tokens, reasoning_tokens, COUNT(*)"
            f" FROM usage{where} GROUP BY 1, 2, 3, 4",
            params,
        )
        return [(Usage(row[0], row[2], row[1], row[3]), row[4]) for row in rows]

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
