"""Usage aggregations in SQL for the usage screen and `tui-chat usage`; small dataclasses out.

A sibling of repository.py so the reporting SQL stays in one reviewable place.  Every figure is a
GROUP BY or an indexed ORDER BY ... LIMIT 1 OFFSET n in SQLite; Python only touches the grouped
rows or one page of requests, never every row.

Sums over a period (totals, by day, model or provider, the daily chart) read `usage_rollup`, the
per-15-minute-bucket sums that migration 3's triggers keep equal to a GROUP BY over `usage`.  A
period's bounds are local midnights, and every real UTC offset is a multiple of 15 minutes, so
the bounds fall on bucket starts and a bucket's start lies on the same local day as its rows:
the rollup gives exactly the figures a scan of `usage` would.  A filter it cannot answer (a
status, or a bound off a bucket edge) falls back to `usage`.  Percentiles come from the
latency/TTFT indexes and the per-conversation table from the covering index on `usage`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_chat.core.periods import day_from_number, local_day_sql, offset_segments

if TYPE_CHECKING:
    from tui_chat.store.db import Database

PICO = Decimal("1e-12")
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
# The same seven figures, in the same order, from usage_rollup.
_ROLLUP_SUMS = (
    "COALESCE(SUM(cost_pusd), 0), COALESCE(SUM(requests), 0), COALESCE(SUM(input_tokens), 0),"
    " COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(output_tokens), 0),"
    " COALESCE(SUM(unpriced), 0), COALESCE(SUM(estimated), 0)"
)
ROLLUPS = (("usage_rollup_hour", 3_600_000), ("usage_rollup", 900_000))
"""The pre-summed tables, coarsest first, with their bucket widths (15 minutes is the granularity
of every real UTC offset; whole hours serve most zones with four times fewer rows)."""


def dollars(picodollars: int | None) -> Decimal | None:
    """Exact dollars from whole picodollars."""
    if picodollars is None:
        return None
    return (Decimal(picodollars) * PICO).normalize() if picodollars else Decimal(0)


@dataclass(frozen=True, slots=True)
class UsageFilter:
    """Which usage rows a figure covers: a UTC millisecond range [start, end) and optional equalities."""

    start_ms: int | None = None
    end_ms: int | None = None
    model: str | None = None
    provider: str | None = None
    status: str | None = None

    def where(self) -> tuple[str, list[object]]:
        """The WHERE clause (empty or starting with " WHERE") and its parameters."""
        clauses: list[str] = []
        params: list[object] = []
        for sql, value in (
            ("created_at >= ?", self.start_ms),
            ("created_at < ?", self.end_ms),
            ("model = ?", self.model),
            ("provider = ?", self.provider),
            ("status = ?", self.status),
        ):
            if value is not None:
                clauses.append(sql)
                params.append(value)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params

    def rollup_where(self, instants: tuple[int, ...] = ()) -> tuple[str, str, list[object]] | None:
        """The coarsest rollup table that answers exactly, with the same WHERE over it; else None.

        A bucket holds rows of one model and provider but any status, and a bound (or, for
        grouping by day, an offset or offset change in `instants`) inside a bucket would cut it;
        those need the usage table.
        """
        if self.status is not None:
            return None
        points = [bound for bound in (self.start_ms, self.end_ms) if bound is not None] + list(instants)
        table = next((name for name, width in ROLLUPS if all(point % width == 0 for point in points)), None)
        if table is None:
            return None
        clauses: list[str] = []
        params: list[object] = []
        for sql, value in (
            ("bucket_ms >= ?", self.start_ms),
            ("bucket_ms < ?", self.end_ms),
            ("model = ?", self.model),
            ("provider = ?", self.provider),
        ):
            if value is not None:
                clauses.append(sql)
                params.append(value)
        return table, (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """Summed spend and tokens of one group (a day, model, provider or conversation)."""

    key: str
    label: str
    cost: Decimal
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    unpriced_requests: int
    estimated_requests: int


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    """The headline figures of a period."""

    cost: Decimal
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    unpriced_requests: int
    estimated_requests: int
    succeeded: int
    retries: int
    median_latency_ms: int | None = None
    p95_latency_ms: int | None = None
    median_ttft_ms: int | None = None

    @property
    def success_rate(self) -> float | None:
        """The share of requests that completed, None with no requests."""
        return self.succeeded / self.requests if self.requests else None


@dataclass(frozen=True, slots=True)
class DailyModelSpend:
    """Spend of one model on one local day."""

    day: date
    model: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One usage row as the requests table shows it."""

    id: int
    created_at_ms: int
    conversation_id: int | None
    provider: str
    model: str
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost: Decimal | None
    estimated: bool
    status: str
    attempts: int
    latency_ms: int | None
    ttft_ms: int | None
    sort_value: object = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RequestPage:
    """One page of requests and the cursor to fetch the next one (None at the end)."""

    rows: list[RequestRow]
    next_cursor: tuple[object, int] | None


def _group(key: object, label: str, row) -> GroupTotals:
    return GroupTotals(
        key="" if key is None else str(key),
        label=label,
        cost=dollars(row[0]) or Decimal(0),
        requests=row[1],
        input_tokens=row[2],
        cached_tokens=row[3],
        output_tokens=row[4],
        unpriced_requests=row[5],
        estimated_requests=row[6],
    )


class UsageStats:
    """Read-only usage figures over one open database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _all(self, sql: str, params: list[object]) -> list:
        async with self.database.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: list[object]):
        async with self.database.connection.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def span(self, usage_filter: UsageFilter) -> tuple[int, int] | None:
        """The first and last `created_at` in the filter, None when it has no rows."""
        where, params = usage_filter.where()
        row = await self._one(f"SELECT MIN(created_at), MAX(created_at) FROM usage{where}", params)
        return None if row[0] is None else (row[0], row[1])

    async def totals(self, usage_filter: UsageFilter) -> PeriodTotals:
        """Spend, tokens, success, retries and latency percentiles for the filter."""
        rollup = usage_filter.rollup_where()
        if rollup is not None:
            table, where, params = rollup
            row = await self._one(
                f"SELECT {_ROLLUP_SUMS}, COALESCE(SUM(succeeded), 0), COALESCE(SUM(retries), 0),"
                f" COALESCE(SUM(latency_count), 0), COALESCE(SUM(ttft_count), 0) FROM {table}{where}",
                params,
            )
        else:
            where, params = usage_filter.where()
            row = await self._one(
                f"SELECT {_SUMS}, COALESCE(SUM(status = 'complete'), 0), COALESCE(SUM(attempts - 1), 0),"
                f" COUNT(latency_ms), COUNT(ttft_ms) FROM usage{where}",
                params,
            )
        latency_count, ttft_count = row[9], row[10]
        median_latency, p95_latency = await self._nth(
            usage_filter, "latency_ms", (latency_count - 1) // 2, _p95_rank(latency_count), latency_count
        )
        median_ttft, _ = await self._nth(usage_filter, "ttft_ms", (ttft_count - 1) // 2, None, ttft_count)
        return PeriodTotals(
            cost=dollars(row[0]) or Decimal(0),
            requests=row[1],
            input_tokens=row[2],
            cached_tokens=row[3],
            output_tokens=row[4],
            unpriced_requests=row[5],
            estimated_requests=row[6],
            succeeded=row[7],
            retries=row[8],
            median_latency_ms=median_latency,
            p95_latency_ms=p95_latency,
            median_ttft_ms=median_ttft,
        )

    async def _nth(
        self, usage_filter: UsageFilter, column: str, rank: int, upper_rank: int | None, count: int
    ) -> tuple[int | None, int | None]:
        """The `rank`-th and `upper_rank`-th smallest non-null values of a column (nearest-rank
        percentiles), from one ordered walk: MIN and MAX of the slice between the two ranks.

        With no bounds the walk is the (column, created_at) index itself, one OFFSET per rank;
        with a period SQLite sorts the period's rows once instead of once per percentile.
        """
        if count == 0:
            return None, None
        upper = rank if upper_rank is None else max(rank, upper_rank)
        where, params = usage_filter.where()
        where = f"{where} AND {column} IS NOT NULL" if where else f" WHERE {column} IS NOT NULL"
        if usage_filter.start_ms is None and usage_filter.end_ms is None:
            # Unbounded, the index walk is cheapest as plain OFFSETs (a sub-select would copy the slice).
            rows = [
                await self._one(f"SELECT {column} FROM usage{where} ORDER BY {column} LIMIT 1 OFFSET ?", [*params, nth])
                for nth in dict.fromkeys((rank, upper))
            ]
            return rows[0][0], (None if upper_rank is None else rows[-1][0])
        row = await self._one(
            f"SELECT MIN(value), MAX(value) FROM (SELECT {column} AS value FROM usage{where}"
            f" ORDER BY {column} LIMIT ? OFFSET ?)",
            [*params, upper - rank + 1, rank],
        )
        return row[0], (None if upper_rank is None else row[1])

    async def grouped(
        self, usage_filter: UsageFilter, by: str, zone: tzinfo | None = None, limit: int | None = None
    ) -> list[GroupTotals]:
        """Totals per local day (oldest first) or per model, provider or conversation (costliest first)."""
        if by not in GROUPINGS:
            raise ValueError(f"cannot group usage by {by!r}")
        where, params = usage_filter.where()
        rollup = usage_filter.rollup_where()
        if by == "day":
            source = await self._day_source(usage_filter, zone)
            if source is None:
                return []
            day_sql, day_params, table, where, params = source
            sums = _SUMS if table == "usage" else _ROLLUP_SUMS
            rows = await self._all(
                f"SELECT {day_sql} AS day, {sums} FROM {table}{where} GROUP BY day ORDER BY day",
                [*day_params, *params],
            )
            days = [day_from_number(row[0]).isoformat() for row in rows]
            return [_group(day, day, row[1:]) for day, row in zip(days, rows)]
        if by == "conversation":
            sql = (
                f"SELECT conversation_id, {_SUMS} FROM usage{where} GROUP BY conversation_id"
                " ORDER BY 2 DESC, 3 DESC, conversation_id"
            )
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            rows = await self._all(sql, params)
            titles = await self._titles([row[0] for row in rows if row[0] is not None])
            return [
                _group(row[0], titles.get(row[0], "") if row[0] is not None else "(deleted)", row[1:])
                for row in rows
            ]
        if rollup is not None:
            table, where, params = rollup
            sql = f"SELECT {by}, {_ROLLUP_SUMS} FROM {table}{where} GROUP BY {by} ORDER BY 2 DESC, 3 DESC, {by}"
        else:
            sql = f"SELECT {by}, {_SUMS} FROM usage{where} GROUP BY {by} ORDER BY 2 DESC, 3 DESC, {by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_group(row[0], row[0], row[1:]) for row in await self._all(sql, params)]

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
        day_sql, day_params, table, where, params = source
        rows = await self._all(
            f"SELECT {day_sql} AS day, model, COALESCE(SUM(cost_pusd), 0) FROM {table}{where}"
            " GROUP BY day, model ORDER BY day, model",
            [*day_params, *params],
        )
        return [DailyModelSpend(day_from_number(row[0]), row[1], dollars(row[2]) or Decimal(0)) for row in rows]

    async def _day_source(
        self, usage_filter: UsageFilter, zone: tzinfo | None
    ) -> tuple[str, list[int], str, str, list[object]] | None:
        """The local-day expression, table and WHERE for grouping by day; None when nothing matches.

        From a rollup table the day of a bucket's start is the day of every row in it when the
        offsets and the instants they change fall on bucket boundaries, as local midnights then do.
        """
        span = await self.span(usage_filter)
        if span is None:
            return None
        segments = offset_segments(span[0], span[1] + 1, zone)
        instants = tuple(
            point for segment in segments for point in (segment.offset_ms, segment.until_ms) if point is not None
        )
        rollup = usage_filter.rollup_where(instants)
        if rollup is None:
            where, params = usage_filter.where()
            day_sql, day_params = local_day_sql(segments)
            return day_sql, day_params, "usage", where, params
        table, where, params = rollup
        day_sql, day_params = local_day_sql(segments, "bucket_ms")
        return day_sql, day_params, table, where, params

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
                id=row[0], created_at_ms=row[1], conversation_id=row[2], provider=row[3], model=row[4],
                input_tokens=row[5], cached_tokens=row[6], output_tokens=row[7], cost=dollars(row[8]),
                estimated=bool(row[9]), status=row[10], attempts=row[11], latency_ms=row[12],
                ttft_ms=row[13], sort_value=row[14],
            )
            for row in rows
        ]
        cursor = (page[-1].sort_value, page[-1].id) if len(page) == limit else None
        return RequestPage(page, cursor)


def _p95_rank(count: int) -> int:
    """The zero-based nearest-rank index of the 95th percentile among `count` values."""
    return max(0, -(-count * 95 // 100) - 1)
