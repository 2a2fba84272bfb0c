"""Which pre-summed usage tables answer a sum over a time range exactly, and the SQL that adds them up.

Migrations 3 and 4 keep `usage_rollup_day`, `usage_rollup_hour` and `usage_rollup` (15 minutes)
equal to a GROUP BY over `usage` per UTC bucket, model and provider.  A range [start, end) is
cut into pieces: the whole days inside it from the day table, the whole hours left at its edges
from the hour table, then whole quarter hours, and any remainder (a bound off a quarter hour)
from `usage` itself, so every figure is exactly the sum a scan of `usage` would give.  Grouping
by local day also needs every bucket to lie within one local day: a table qualifies only when
the zone's offsets and the instants they change are whole buckets (the day table at UTC+0, the
hour table in most zones, the quarter-hour table in all real ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

QUARTER_HOUR_MS = 900_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
BUCKET_TABLES = (("usage_rollup_day", DAY_MS), ("usage_rollup_hour", HOUR_MS), ("usage_rollup", QUARTER_HOUR_MS))
"""The pre-summed tables, coarsest first, with their bucket widths."""

FIGURES: tuple[tuple[str, str], ...] = (
    ("cost_pusd", "cost_pusd"),
    ("requests", "1"),
    ("input_tokens", "input_tokens"),
    ("cached_tokens", "cached_tokens"),
    ("output_tokens", "output_tokens"),
    ("unpriced", "cost_pusd IS NULL"),
    ("estimated", "estimated"),
    ("succeeded", "status = 'complete'"),
    ("retries", "attempts - 1"),
    ("latency_count", "latency_ms IS NOT NULL"),
    ("ttft_count", "ttft_ms IS NOT NULL"),
)
"""Each summed figure as a rollup column and as an expression over one usage row, in result order."""

GROUP_FIGURES = 7
"""Spend, requests, input, cached and output tokens, unpriced and estimated requests."""


@dataclass(frozen=True, slots=True)
class Piece:
    """Part of a time range [start_ms, end_ms) (None: unbounded) read from one table."""

    table: str
    start_ms: int | None
    end_ms: int | None

    @property
    def time_column(self) -> str:
        """The column holding each row's instant: a bucket's start, or the request's time."""
        return "created_at" if self.table == "usage" else "bucket_ms"


def usable_widths(instants: Iterable[int] = ()) -> tuple[tuple[str, int], ...]:
    """The bucket tables whose buckets never straddle any of `instants` (offsets or offset changes)."""
    points = list(instants)
    return tuple((table, width) for table, width in BUCKET_TABLES if all(point % width == 0 for point in points))


def cover(start_ms: int | None, end_ms: int | None, tables: tuple[tuple[str, int], ...]) -> list[Piece]:
    """Pieces that together hold every instant of [start_ms, end_ms) once, coarsest tables first."""
    if start_ms is not None and end_ms is not None and start_ms >= end_ms:
        return []
    if not tables:
        return [Piece("usage", start_ms, end_ms)]
    (table, width), finer = tables[0], tables[1:]
    inner_start = None if start_ms is None else -(-start_ms // width) * width
    inner_end = None if end_ms is None else end_ms // width * width
    if inner_start is not None and inner_end is not None and inner_start >= inner_end:
        return cover(start_ms, end_ms, finer)
    pieces = [Piece(table, inner_start, inner_end)]
    if start_ms is not None and inner_start is not None and start_ms < inner_start:
        pieces = cover(start_ms, inner_start, finer) + pieces
    if end_ms is not None and inner_end is not None and inner_end < end_ms:
        pieces += cover(inner_end, end_ms, finer)
    return pieces


def summed_sql(
    pieces: list[Piece],
    equalities: dict[str, object],
    keys: tuple[str, ...] = (),
    key_params: Sequence[object] = (),
    figures: int = len(FIGURES),
) -> tuple[str, list[object]]:
    """One query summing the first `figures` FIGURES over the pieces, grouped by `keys`.

    A key may name the piece's time column as "{time}".  Result rows are the keys (k0, k1 ...)
    then the figures (f0, f1 ...); with no pieces it returns no rows (or one of zeros ungrouped).
    """
    parts: list[str] = []
    params: list[object] = []
    for piece in pieces:
        column = piece.time_column
        selected = [f"{key.replace('{time}', column)} AS k{index}" for index, key in enumerate(keys)]
        rollup = piece.table != "usage"
        selected += [
            f"SUM({FIGURES[index][0] if rollup else FIGURES[index][1]}) AS f{index}" for index in range(figures)
        ]
        clauses: list[str] = []
        values: list[object] = []
        for sql, bound in ((f"{column} >= ?", piece.start_ms), (f"{column} < ?", piece.end_ms)):
            if bound is not None:
                clauses.append(sql)
                values.append(bound)
        for name, value in equalities.items():
            if value is not None:
                clauses.append(f"{name} = ?")
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        group = f" GROUP BY {', '.join(f'k{index}' for index in range(len(keys)))}" if keys else ""
        parts.append(f"SELECT {', '.join(selected)} FROM {piece.table}{where}{group}")
        params += [*key_params, *values]
    outer_keys = [f"k{index}" for index in range(len(keys))]
    outer = outer_keys + [f"COALESCE(SUM(f{index}), 0) AS f{index}" for index in range(figures)]
    union = (
        " UNION ALL ".join(parts)
        if parts
        else "SELECT "
        + ", ".join(
            [f"NULL AS k{index}" for index in range(len(keys))] + [f"0 AS f{index}" for index in range(figures)]
        )
        + " WHERE 0"
    )
    group = f" GROUP BY {', '.join(outer_keys)}" if keys else ""
    return f"SELECT {', '.join(outer)} FROM ({union}){group}", params
