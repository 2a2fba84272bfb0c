"""SQL for what reasoning cost and took: reasoning tokens per provider and model, and time to the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.store.usage_figures import UsageFilter
    from tui_chat.store.usage_stats import UsageStats


async def reasoning_tokens_by_model(stats: UsageStats, usage_filter: UsageFilter) -> list[tuple[str, str, int]]:
    """(provider, model, reasoning tokens) for every pair that reasoned within the filter.

    The rollups do not hold reasoning tokens, so this reads `usage` over the filter's range (by its
    time index); only rows that reasoned are summed.
    """
    where, params = reasoned(usage_filter)
    async with stats.database.connection.execute(
        f"SELECT provider, model, SUM(reasoning_tokens) FROM usage{where} GROUP BY provider, model", params
    ) as cursor:
        rows = await cursor.fetchall()
    return [(row[0], row[1], int(row[2])) for row in rows]


async def median_answer_ms(stats: UsageStats, usage_filter: UsageFilter) -> int | None:
    """The median time to the first answer token of the requests that reasoned, None when there are none."""
    where, params = reasoned(usage_filter)
    async with stats.database.connection.execute(
        f"SELECT answer_ms FROM usage{where} AND answer_ms IS NOT NULL ORDER BY answer_ms", params
    ) as cursor:
        values = [row[0] for row in await cursor.fetchall()]
    return values[(len(values) - 1) // 2] if values else None


def reasoned(usage_filter: UsageFilter) -> tuple[str, list[object]]:
    """The filter's WHERE clause narrowed to requests that reasoned (which their partial index covers)."""
    where, params = usage_filter.where()
    return (f"{where} AND reasoning_tokens > 0" if where else " WHERE reasoning_tokens > 0"), params
