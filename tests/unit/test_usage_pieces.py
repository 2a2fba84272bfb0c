"""Sums over any range from the day, hour and quarter-hour tables plus the usage rows at the edges;
the per-conversation rollup; the same figures from the worker-thread reader."""

from __future__ import annotations

import random
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.unit.test_usage_rollup import INSERT_USAGE, START_MS, schema_at, usage_values
from tests.usage_helpers import direct
from tui_chat.core.periods import PeriodKind, period_for
from tui_chat.services.usage_report import filter_for
from tui_chat.store.db import Database
from tui_chat.store.usage_reader import SchemaNotCurrent, read_file, read_usage
from tui_chat.store.usage_rollups import BUCKET_TABLES, DAY_MS, HOUR_MS, QUARTER_HOUR_MS, cover, usable_widths
from tui_chat.store.usage_stats import PICO, UsageFilter, UsageStats

BOUNDS = st.one_of(
    st.none(),
    st.integers(0, 40).map(lambda days: START_MS + days * DAY_MS),
    st.integers(0, 40 * 24).map(lambda hours: START_MS + hours * HOUR_MS),
    st.integers(0, 40 * 96).map(lambda quarters: START_MS + quarters * QUARTER_HOUR_MS),
    st.integers(0, 40 * DAY_MS).map(lambda millis: START_MS + millis),
)


@given(BOUNDS, BOUNDS, st.sampled_from([BUCKET_TABLES, BUCKET_TABLES[1:], BUCKET_TABLES[2:], ()]))
@example(START_MS + 1, START_MS + 1 + QUARTER_HOUR_MS, BUCKET_TABLES)
def test_pieces_cover_the_range_once_on_whole_buckets(start, end, tables) -> None:
    pieces = cover(start, end, tables)
    if start is not None and end is not None and start >= end:
        assert pieces == []
        return
    pieces.sort(key=lambda piece: -1 if piece.start_ms is None else piece.start_ms)
    assert pieces[0].start_ms == start and pieces[-1].end_ms == end
    for before, after in zip(pieces, pieces[1:]):
        assert before.end_ms == after.start_ms is not None
    widths = dict(tables)
    finest = min(widths.values(), default=None)
    for piece in pieces:
        if piece.table == "usage":
            # Raw rows are read only where no whole bucket of the finest width fits (an unaligned range of
            # exactly one width has none).
            first_boundary = None if finest is None else -(-piece.start_ms // finest) * finest
            assert first_boundary is None or first_boundary + finest > piece.end_ms
        else:
            assert all(bound is None or bound % widths[piece.table] == 0 for bound in (piece.start_ms, piece.end_ms))


def test_only_tables_whose_buckets_fit_the_zone_are_used_for_days() -> None:
    assert [table for table, _ in usable_widths((0,))] == ["usage_rollup_day", "usage_rollup_hour", "usage_rollup"]
    assert [table for table, _ in usable_widths((3_600_000, 7_200_000))] == ["usage_rollup_hour", "usage_rollup"]
    assert [table for table, _ in usable_widths((20_700_000,))] == ["usage_rollup"]  # UTC+05:45


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(BOUNDS, BOUNDS)
async def test_totals_and_groups_over_any_range_equal_a_scan(stats: UsageStats, start, end) -> None:
    if not await direct(stats, "SELECT 1 FROM usage LIMIT 1", []):
        rng = random.Random(5)
        await stats.database.connection.executemany(
            INSERT_USAGE, [usage_values(rng, 0, span_ms=40 * DAY_MS) for _ in range(2_000)]
        )
    usage_filter = UsageFilter(start_ms=start, end_ms=end)
    where, params = usage_filter.where()
    [row] = await direct(
        stats,
        f"SELECT COALESCE(SUM(cost_pusd), 0), COUNT(*), COALESCE(SUM(input_tokens), 0),"
        f" COALESCE(SUM(status = 'complete'), 0), COALESCE(SUM(attempts - 1), 0) FROM usage{where}",
        params,
    )
    totals = await stats.totals(usage_filter)
    assert (totals.cost, totals.requests, totals.input_tokens, totals.succeeded, totals.retries) == (
        Decimal(row[0]) * PICO,
        *row[1:],
    )
    models = await stats.grouped(usage_filter, "model")
    expected = await direct(
        stats,
        f"SELECT model, COALESCE(SUM(cost_pusd), 0), COUNT(*) FROM usage{where}"
        " GROUP BY model ORDER BY 2 DESC, 3 DESC, 1",
        params,
    )
    assert [(group.key, group.cost, group.requests) for group in models] == [
        (model, Decimal(cost) * PICO, count) for model, cost, count in expected
    ]


async def test_conversations_from_the_rollup_equal_a_scan(stats: UsageStats) -> None:
    connection = stats.database.connection
    await connection.executemany(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (?, ?, 'openai', 'm', 0, 0)",
        [(number, f"Chat {number}") for number in range(1, 9)],
    )
    rng = random.Random(8)
    await connection.executemany(INSERT_USAGE, [usage_values(rng, 8) for _ in range(800)])
    await connection.execute("DELETE FROM conversations WHERE id = 3")  # its rows now have no conversation
    everything = await stats.grouped(UsageFilter(), "conversation")
    assert await stats.holds_every_row(UsageFilter(start_ms=START_MS, end_ms=START_MS + 500 * DAY_MS))
    around = await stats.grouped(UsageFilter(start_ms=START_MS, end_ms=START_MS + 500 * DAY_MS), "conversation")
    expected = await direct(
        stats,
        "SELECT conversation_id, COALESCE(SUM(cost_pusd), 0), COUNT(*), SUM(output_tokens)"
        " FROM usage GROUP BY conversation_id ORDER BY 2 DESC, 3 DESC, 1",
        [],
    )
    for groups in (everything, around):
        assert [(g.key, g.cost, g.requests, g.output_tokens) for g in groups] == [
            ("" if key is None else str(key), Decimal(cost) * PICO, count, output)
            for key, cost, count, output in expected
        ]
    assert "(deleted)" in [group.label for group in everything] and "Chat 3" not in [g.label for g in everything]
    part = UsageFilter(start_ms=START_MS + 100 * DAY_MS, end_ms=START_MS + 200 * DAY_MS)
    assert not await stats.holds_every_row(part)
    assert (
        sum(group.requests for group in await stats.grouped(part, "conversation"))
        == (await stats.totals(part)).requests
    )


async def test_model_names_reach_the_chart_exactly(stats: UsageStats) -> None:
    names = ['quote "it"', "comma, [bold]x[/bold]", "ünï 🦓\\n", "o'clock"]
    for index, name in enumerate(names):
        await stats.database.connection.execute(
            "INSERT INTO usage (provider, model, status, cost_pusd, created_at) VALUES ('p', ?, 'complete', ?, ?)",
            (name, 10**12 + index, START_MS + index * DAY_MS),
        )
    points = await stats.daily_by_model(UsageFilter())
    assert sorted((point.model, point.cost) for point in points) == sorted(
        (name, Decimal(10**12 + index) * PICO) for index, name in enumerate(names)
    )


async def test_the_thread_reader_gives_the_same_figures(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "usage.db")
    rng = random.Random(6)
    await database.connection.executemany(INSERT_USAGE, [usage_values(rng, 0) for _ in range(1_000)])
    usage_filter = filter_for(period_for(PeriodKind.LAST_30_DAYS, date(2024, 7, 1)))

    async def figures(stats: UsageStats):
        return (
            await stats.totals(usage_filter),
            await stats.daily_by_model(usage_filter),
            await stats.grouped(usage_filter, "provider"),
            await stats.grouped(UsageFilter(), "conversation"),
        )

    in_thread = await read_usage(database, figures)
    assert in_thread == await figures(UsageStats(database)) and in_thread[0].requests > 0
    await database.close()


def test_the_thread_reader_refuses_a_missing_or_old_file(tmp_path: Path) -> None:
    async def count(stats: UsageStats) -> int:
        return (await stats.totals(UsageFilter())).requests

    missing = tmp_path / "none.db"
    with pytest.raises(SchemaNotCurrent):
        read_file(missing, count)
    assert not missing.exists()
    old = tmp_path / "v3.db"
    connection = sqlite3.connect(old, isolation_level=None)
    schema_at(connection, 3)
    connection.close()
    with pytest.raises(SchemaNotCurrent):
        read_file(old, count)
