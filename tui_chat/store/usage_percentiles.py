"""Exact nearest-rank percentiles of request latency and time to first token, without sorting a period.

Three ways, all exact, the cheapest that applies:

- every stored request: one OFFSET along the timing's index (from the top for a high rank);
- a period of at most HISTOGRAM_DAYS: `usage_timing_day` (requests per UTC day and value bucket,
  migration 4) plus the rows of the part-days at the edges give the count below each bucket, so
  the rank's bucket is found among a few hundred grouped rows; the value is then an OFFSET within
  that bucket's stretch of the index, read only for the period's rows;
- otherwise (a long period, or a model, provider or status filter): one walk along the index,
  skipping rows outside the filter, its cost bounded by the size of the index.

A bucket keeps two significant digits: 1234 ms falls in [1200, 1300), values under 100 ms in
their own bucket, negative values in bucket 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.store.usage_rollups import DAY_MS, cover

if TYPE_CHECKING:
    from tui_chat.store.usage_stats import UsageFilter, UsageStats

TIMING_INDEXES = {"latency_ms": "usage_latency", "ttft_ms": "usage_ttft"}
HISTOGRAM_DAYS = 100


def median_rank(count: int) -> int:
    """The zero-based nearest-rank index of the (lower) median among `count` values."""
    return max(0, (count - 1) // 2)


def p95_rank(count: int) -> int:
    """The zero-based nearest-rank index of the 95th percentile among `count` values."""
    return max(0, -(-count * 95 // 100) - 1)


def value_bucket_sql(column: str) -> str:
    """SQL for the bucket of a timing value; the same expression migration 4's triggers use."""
    whole = f"CAST({column} AS INTEGER)"
    return f"CASE WHEN {column} < 0 THEN 0 ELSE length({whole}) * 100 + CAST(substr({whole}, 1, 2) AS INTEGER) END"


def bucket_bounds(bucket: int) -> tuple[int | None, int]:
    """The values [low, high) of a bucket; low is None for bucket 0 (every negative value)."""
    if bucket == 0:
        return None, 0
    digits, leading = divmod(bucket, 100)
    scale = 10 ** max(0, digits - 2)
    return leading * scale, (leading + 1) * scale


async def nth_values(
    stats: UsageStats, usage_filter: UsageFilter, ranks: dict[str, tuple[int, ...]], counts: dict[str, int]
) -> dict[str, list[int | None]]:
    """For each timing column, its `ranks`-th smallest non-null values among the filter's `counts[column]` rows."""
    wanted = {column: wanted_ranks for column, wanted_ranks in ranks.items() if counts[column]}
    found: dict[str, list[int | None]] = {column: [None for _ in ranks[column]] for column in ranks}
    if not wanted:
        return found
    start, end = usage_filter.start_ms, usage_filter.end_ms
    plain = all(value is None for value in usage_filter.equalities().values())
    lookups: list[tuple[str, str, list[object]]] | None = None
    if plain and start is not None and end is not None and end - start <= HISTOGRAM_DAYS * DAY_MS:
        lookups = await _histogram_lookups(stats, wanted, start, end)
    if lookups is None:
        where, params = ("", []) if await stats.holds_every_row(usage_filter) else usage_filter.where()
        lookups = [
            _offset_lookup(column, where, params, rank, counts[column])
            for column, column_ranks in wanted.items()
            for rank in column_ranks
        ]
    # Every lookup is a scalar sub-select of one statement: one trip to the database for all of them.
    selects = ", ".join(f"({sql})" for _, sql, _ in lookups)
    row = await stats._one(f"SELECT {selects}", [value for _, _, params in lookups for value in params])
    values = iter(row)
    for column, column_ranks in wanted.items():
        found[column] = [next(values) for _ in column_ranks]
    return found


def _offset_lookup(
    column: str, where: str, params: list[object], rank: int, count: int
) -> tuple[str, str, list[object]]:
    """A select of one rank along the column's index, walked from whichever end is nearer."""
    where = f"{where} AND {column} IS NOT NULL" if where else f" WHERE {column} IS NOT NULL"
    descending = rank > count // 2
    sql = (
        f"SELECT {column} FROM usage INDEXED BY {TIMING_INDEXES[column]}{where}"
        f" ORDER BY {column}{' DESC' if descending else ''} LIMIT 1 OFFSET ?"
    )
    return column, sql, [*params, count - 1 - rank if descending else rank]


async def _histogram_lookups(
    stats: UsageStats, wanted: dict[str, tuple[int, ...]], start_ms: int, end_ms: int
) -> list[tuple[str, str, list[object]]] | None:
    """Each rank's bucket from the day histogram and the part-days at the edges, as a select of its value.

    The running count below each bucket is a window sum in SQL, so only the buckets holding a
    wanted rank come back (a row each), not the whole histogram.
    """
    parts: list[str] = []
    params: list[object] = []
    columns = list(wanted)
    for piece in cover(start_ms, end_ms, (("usage_timing_day", DAY_MS),)):
        if piece.table == "usage":
            for column in columns:
                parts.append(
                    f"SELECT ? AS metric, {value_bucket_sql(column)} AS value_bucket, COUNT(*) AS requests FROM usage"
                    f" WHERE created_at >= ? AND created_at < ? AND {column} IS NOT NULL GROUP BY 2"
                )
                params += [column, piece.start_ms, piece.end_ms]
        else:
            parts.append(
                "SELECT metric, value_bucket, SUM(requests) AS requests FROM usage_timing_day"
                f" WHERE bucket_ms >= ? AND bucket_ms < ? AND metric IN ({', '.join('?' * len(columns))}) GROUP BY 1, 2"
            )
            params += [piece.start_ms, piece.end_ms, *columns]
    targets = [(column, rank) for column, ranks in wanted.items() for rank in ranks]
    rows = await stats._all(
        "WITH histogram AS (SELECT metric, value_bucket, SUM(requests) AS requests"
        f" FROM ({' UNION ALL '.join(parts)}) GROUP BY 1, 2),"
        " running AS (SELECT metric, value_bucket, requests,"
        " SUM(requests) OVER (PARTITION BY metric ORDER BY value_bucket) - requests AS below FROM histogram),"
        f" targets (position, metric, rank) AS (VALUES {', '.join('(?, ?, ?)' for _ in targets)})"
        " SELECT targets.position, running.value_bucket, targets.rank - running.below FROM targets JOIN running"
        " ON running.metric = targets.metric AND targets.rank >= running.below"
        " AND targets.rank < running.below + running.requests ORDER BY targets.position",
        [*params, *(value for position, (column, rank) in enumerate(targets) for value in (position, column, rank))],
    )
    if [row[0] for row in rows] != list(range(len(targets))):
        return None
    return [
        _within_bucket(column, bucket, start_ms, end_ms, offset)
        for (column, _), (_, bucket, offset) in zip(targets, rows)
    ]


def _within_bucket(column: str, bucket: int, start_ms: int, end_ms: int, offset: int) -> tuple[str, str, list[object]]:
    """A select of the `offset`-th smallest value of the period's rows inside one bucket, along the column's index."""
    low, high = bucket_bounds(bucket)
    clauses = ([f"{column} >= ?"] if low is not None else []) + [f"{column} < ?", "created_at >= ?", "created_at < ?"]
    sql = (
        f"SELECT {column} FROM usage INDEXED BY {TIMING_INDEXES[column]} WHERE {' AND '.join(clauses)}"
        f" ORDER BY {column} LIMIT 1 OFFSET ?"
    )
    return column, sql, [*([low] if low is not None else []), high, start_ms, end_ms, offset]
