"""Usage aggregations in SQL for the usage screen and `tui-chat usage`; small dataclasses out.

A sibling of repository.py so the reporting SQL stays in one reviewable place.  Every figure is a
GROUP BY or an indexed ORDER BY ... LIMIT 1 OFFSET n in SQLite; Python only touches the grouped
rows or one page of requests, never every row.
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
        where, params = usage_filter.where()
        row = await self._one(
            f"SELECT {_SUMS}, COALESCE(SUM(status = 'complete'), 0), COALESCE(SUM(attempts - 1), 0),"
            f" COUNT(latency_ms), COUNT(ttft_ms) FROM usage{where}",
            params,
        )
        latency_count, ttft_count = row[9], row[10]
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
            median_latency_ms=await self._nth(usage_filter, "latency_ms", (latency_count - 1) // 2, latency_count),
            p95_latency_ms=await self._nth(usage_filter, "latency_ms", _p95_rank(latency_count), latency_count),
            median_ttft_ms=await self._nth(usage_filter, "ttft_ms", (ttft_count - 1) // 2, ttft_count),
        )

    async def _nth(self, usage_filter: UsageFilter, column: str, rank: int, count: int) -> int | None:
        """The `rank`-th smallest non-null value of a column (nearest-rank percentiles)."""
        if count == 0:
            return None
        where, params = usage_filter.where()
        where = f"{where} AND {column} IS NOT NULL" if where else f" WHERE {column} IS NOT NULL"
        row = await self._one(
            f"SELECT {column} FROM usage{where} ORDER BY {column} LIMIT 1 OFFSET ?", [*params, rank]
        )
        return None if row is None else row[0]

    async def grouped(
        self, usage_filter: UsageFilter, by: str, zone: tzinfo | None = None, limit: int | None = None
    ) -> list[GroupTotals]:
        """Totals per local day (oldest first) or per model, provider or conversation (costliest first)."""
        if by not in GROUPINGS:
            raise ValueError(f"cannot group usage by {by!r}")
        where, params = usage_filter.where()
        if by == "day":
            span = await self.span(usage_filter)
            if span is None:
                return []
            day_sql, day_params = local_day_sql(offset_segments(span[0], span[1] + 1, zone))
            rows = await self._all(
                f"SELECT {day_sql} AS day, {_SUMS} FROM usage{where} GROUP BY day ORDER BY day",
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
        span = await self.span(usage_filter)
        if span is None:
            return []
        where, params = usage_filter.where()
        day_sql, day_params = local_day_sql(offset_segments(span[0], span[1] + 1, zone))
        rows = await self._all(
            f"SELECT {day_sql} AS day, model, COALESCE(SUM(cost_pusd), 0) FROM usage{where}"
            " GROUP BY day, model ORDER BY day, model",
            [*day_params, *params],
        )
        return [DailyModelSpend(day_from_number(row[0]), row[1], dollars(row[2]) or Decimal(0)) for row in rows]

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
