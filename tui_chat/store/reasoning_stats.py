"""SQL for what reasoning cost: reasoning tokens per provider and model over a usage filter."""

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
    where, params = usage_filter.where()
    where = f"{where} AND reasoning_tokens > 0" if where else " WHERE reasoning_tokens > 0"
    async with stats.database.connection.execute(
        f"SELECT provider, model, SUM(reasoning_tokens) FROM usage{where} GROUP BY provider, model", params
    ) as cursor:
        rows = await cursor.fetchall()
    return [(row[0], row[1], int(row[2])) for row in rows]
