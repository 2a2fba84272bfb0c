"""Usage aggregations in SQL for the usage screen and `tui-chat usage`; small dataclasses out.

A sibling of repository.py so the reporting SQL stays in one reviewable place.  Every figure is a
GROUP BY or an indexed ORDER BY ... LIMIT 1 OFFSET n in SQLite; Python only touches the grouped
rows or one page of requests, never every row.

Sums over a period (totals, by day, model or provider, the daily chart) add up the pre-summed
day, hour and quarter-hour tables that cover the period (usage_rollups.py), which equal a scan of
`usage` to the picodollar; a status filter reads `usage`.  The per-conversation table of all
history reads `usage_rollup_conversation`, of a shorter period the covering index on `usage`.
Percentiles are exact nearest-rank values (usage_percentiles.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import tzinfo
from decimal import Decimal
from typing import Any, Protocol

from tui_chat.core.periods import day_from_number, local_day_sql, offset_segments
from tui_chat.store.usage_figures import (  # noqa: F401 - the figures are imported from here too
    PICO,
    DailyModelSpend,
    GroupTotals,
    PeriodTotals,
    RequestPage,
    RequestRow,
    UsageFilter,
    dollars,
    group_from_row,
    summed_figures,
)
from tui_chat.store.usage_percentiles import median_rank, nth_values, p95_rank
from tui_chat.store.usage_rollups import GROUP_FIGURES, Piece, summed_sql

__all__ = [
    "GROUPINGS",
    "PICO",
    "REQUEST_SORTS",
    "DailyModelSpend",
    "GroupTotals",
    "PeriodTotals",
    "RequestPage",
    "RequestRow",
    "UsageFilter",
    "UsageSource",
    "UsageStats",
    "dollars",
]

GROUPINGS = ("day", "model", "provider", "conversation")
REQUEST_SORTS = {
    "time": "created_at",
    "cost": "COALESCE(cost_pusd, -1)",
    "latency": "COALESCE(latency_ms, -1)",
    "tokens": "(input_tokens + output_tokens)",
}
_SUMS = (
    "COALESCE(SUM(cost_pusd), 0), COUNT(*), COALESCE(SUM(input_tokens), 0),"
    " COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(output_tokens), 0),"
    " COALESCE(SUM(cost_pusd IS NULL), 0), COALESCE(SUM(estimated), 0)"
)
_CONVERSATION_SUMS = "cost_pusd, requests, input_tokens, cached_tokens, output_tokens, unpriced, estimated"


class RowCursor(Protocol):
    """The fetch methods of an aiosqlite cursor; a row is a sqlite3.Row or a plain tuple."""

    async def fetchone(self) -> Sequence[Any] | None: ...

    async def fetchall(self) -> Iterable[Sequence[Any]]: ...


class RowConnection(Protocol):
    """The part of an aiosqlite connection the usage queries use."""

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> AbstractAsyncContextManager[RowCursor]: ...


class UsageSource(Protocol):
    """What UsageStats needs of a Database: its connection."""

    @property
    def connection(self) -> RowConnection: ...


class UsageStats:
    """Read-only usage figures over one open database."""

    def __init__(self, database: UsageSource) -> None:
        self.database = database

    async def _all(self, sql: str, params: Sequence[object]) -> list[Sequence[Any]]:
        async with self.database.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: Sequence[object]) -> Sequence[Any]:
        """The one row of a query that always returns one (aggregates without GROUP BY)."""
        async with self.database.connection.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        assert row is not None, "an aggregate without GROUP BY returns one row"
        return row

    async def span(self, usage_filter: UsageFilter) -> tuple[int, int] | None:
        """The first and last `created_at` in the filter, None when it has no rows.

        Two sub-selects, because SQLite reads a lone MIN or MAX from the end of an index but
        scans every row for both in one select.
        """
        where, params = usage_filter.where()
        row = await self._one(
            f"SELECT (SELECT MIN(created_at) FROM usage{where}), (SELECT MAX(created_at) FROM usage{where})",
            [*params, *params],
        )
        return None if row[0] is None else (row[0], row[1])

    async def totals(self, usage_filter: UsageFilter) -> PeriodTotals:
        """Spend, tokens, success, retries and latency percentiles for the filter."""
        sql, params = summed_sql(usage_filter.pieces(), usage_filter.equalities())
        row = await self._one(sql, params)
        latency_count, ttft_count = row[9], row[10]
        found = await nth_values(
            self,
            usage_filter,
            {
                "latency_ms": (median_rank(latency_count), p95_rank(latency_count)),
                "ttft_ms": (median_rank(ttft_count),),
            },
            {"latency_ms": latency_count, "ttft_ms": ttft_count},
        )
        (median_latency, p95_latency), [median_ttft] = found["latency_ms"], found["ttft_ms"]
        return PeriodTotals(
            **summed_figures(row),
            succeeded=row[7],
            retries=row[8],
            median_latency_ms=median_latency,
            p95_latency_ms=p95_latency,
            median_ttft_ms=median_ttft,
        )

    async def grouped(
        self, usage_filter: UsageFilter, by: str, zone: tzinfo | None = None, limit: int | None = None
    ) -> list[GroupTotals]:
        """Totals per local day (oldest first) or per model, provider or conversation (costliest first)."""
        if by not in GROUPINGS:
            raise ValueError(f"cannot group usage by {by!r}")
        if by == "conversation":
            return await self._by_conversation(usage_filter, limit)
        if by == "day":
            source = await self._day_source(usage_filter, zone)
            if source is None:
                return []
            pieces, day_sql, day_params = source
            sql, params = summed_sql(pieces, usage_filter.equalities(), (day_sql,), day_params, GROUP_FIGURES)
            rows = await self._all(f"{sql} ORDER BY 1", params)
            days = [day_from_number(row[0]).isoformat() for row in rows]
            return [group_from_row(day, day, row[1:]) for day, row in zip(days, rows)]
        sql, params = summed_sql(usage_filter.pieces(), usage_filter.equalities(), (by,), [], GROUP_FIGURES)
        sql += " ORDER BY 2 DESC, 3 DESC, 1"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [group_from_row(row[0], row[0], row[1:]) for row in await self._all(sql, params)]

    async def _by_conversation(self, usage_filter: UsageFilter, limit: int | None) -> list[GroupTotals]:
        """Totals per conversation, costliest first, with their titles; "(deleted)" for none.

        When the filter holds every row (no equalities, a range around all of them) the
        per-conversation rollup answers; otherwise the covering index on `usage` does.
        """
        order = " ORDER BY 2 DESC, 3 DESC, 1" + ("" if limit is None else f" LIMIT {int(limit)}")
        if await self.holds_every_row(usage_filter):
            rows = await self._all(
                f"SELECT NULLIF(conversation_id, 0), {_CONVERSATION_SUMS} FROM usage_rollup_conversation{order}", []
            )
        else:
            where, params = usage_filter.where()
            rows = await self._all(
                f"SELECT conversation_id, {_SUMS} FROM usage{where} GROUP BY conversation_id{order}", params
            )
        titles = await self._titles([row[0] for row in rows if row[0] is not None])
        return [
            group_from_row(row[0], titles.get(row[0], "") if row[0] is not None else "(deleted)", row[1:])
            for row in rows
        ]

    async def holds_every_row(self, usage_filter: UsageFilter) -> bool:
        """Whether the filter is only a time range that contains every stored request."""
        if any(value is not None for value in usage_filter.equalities().values()):
            return False
        if usage_filter.start_ms is None and usage_filter.end_ms is None:
            return True
        span = await self.span(UsageFilter())
        if span is None:
            return True
        first, last = span
        return (usage_filter.start_ms is None or usage_filter.start_ms <= first) and (
            usage_filter.end_ms is None or last < usage_filter.end_ms
        )

    async def _titles(self, conversation_ids: list[int]) -> dict[int, str]:
        """Conversation titles by id, for the ids given."""
        if not conversation_ids:
            return {}
        marks = ",".join("?" * len(conversation_ids))
        rows = await self._all(f"SELECT id, title FROM conversations WHERE id IN ({marks})", conversation_ids)
        return {row[0]: row[1] for row in rows}

    async def daily_by_model(self, usage_filter: UsageFilter, zone: tzinfo | None = None) -> list[DailyModelSpend]:
        """Spend per local day and model, oldest day first."""
        source = await self._day_source(usage_filter, zone)
        if source is None:
            return []
        pieces, day_sql, day_params = source
        sql, params = summed_sql(pieces, usage_filter.equalities(), (day_sql, "model"), day_params, 1)
        # One row holding every (day, model, spend) as JSON: a few hundred rows read one by one
        # hand the GIL back and forth once per row, slow while the UI thread is busy.
        [packed] = await self._one(f"SELECT json_group_array(json_array(k0, k1, f0)) FROM ({sql})", params)
        rows = sorted(json.loads(packed))
        return [DailyModelSpend(day_from_number(day), model, dollars(cost) or Decimal(0)) for day, model, cost in rows]

    async def _day_source(
        self, usage_filter: UsageFilter, zone: tzinfo | None
    ) -> tuple[list[Piece], str, list[int]] | None:
        """The pieces and the local-day expression (over "{time}") for grouping by day; None when no row
        can match (an unbounded side is bounded by the first or last row).

        A bucket's start lies on the local day of every row in it when the zone's offsets and the
        instants they change fall on bucket boundaries, as they do for the tables `pieces` picks.
        """
        first_ms, end_ms = usage_filter.start_ms, usage_filter.end_ms
        if first_ms is None or end_ms is None:
            span = await self.span(usage_filter)
            if span is None:
                return None
            first_ms = span[0] if first_ms is None else first_ms
            end_ms = span[1] + 1 if end_ms is None else end_ms
        segments = offset_segments(first_ms, end_ms, zone)
        instants = tuple(
            point for segment in segments for point in (segment.offset_ms, segment.until_ms) if point is not None
        )
        day_sql, day_params = local_day_sql(segments, "{time}")
        return usage_filter.pieces(instants), day_sql, day_params

    async def requests(
        self,
        usage_filter: UsageFilter,
        *,
        sort: str = "time",
        descending: bool = True,
        after: tuple[object, int] | None = None,
        limit: int = 200,
    ) -> RequestPage:
        """One page of requests in sort order, continuing after a cursor (keyset pagination)."""
        if sort not in REQUEST_SORTS:
            raise ValueError(f"cannot sort requests by {sort!r}")
        key = REQUEST_SORTS[sort]
        where, params = usage_filter.where()
        if after is not None:
            comparison = "<" if descending else ">"
            where = f"{where} AND" if where else " WHERE"
            where += f" ({key}, id) {comparison} (?, ?)"
            params = [*params, after[0], after[1]]
        direction = "DESC" if descending else "ASC"
        rows = await self._all(
            "SELECT id, created_at, conversation_id, provider, model, input_tokens, cached_tokens,"
            f" output_tokens, cost_pusd, estimated, status, attempts, latency_ms, ttft_ms, {key}"
            f" FROM usage{where} ORDER BY {key} {direction}, id {direction} LIMIT ?",
            [*params, limit],
        )
        page = [
            RequestRow(
                id=row[0],
                created_at_ms=row[1],
                conversation_id=row[2],
                provider=row[3],
                model=row[4],
                input_tokens=row[5],
                cached_tokens=row[6],
                output_tokens=row[7],
                cost=dollars(row[8]),
                estimated=bool(row[9]),
                status=row[10],
                attempts=row[11],
                latency_ms=row[12],
                ttft_ms=row[13],
                sort_value=row[14],
            )
            for row in rows
        ]
        cursor = (page[-1].sort_value, page[-1].id) if len(page) == limit else None
        return RequestPage(page, cursor)
