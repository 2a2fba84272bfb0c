"""Migrations 3 and 4's pre-summed usage tables: backfilled on upgrade, kept equal to a GROUP BY over
usage by triggers, and the figures read from them equal direct sums over usage to the picodollar."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.usage_helpers import direct
from tui_chat.core.periods import DAY_MS, PeriodKind, local_date, period_for
from tui_chat.services.usage_report import filter_for
from tui_chat.store.db import Database
from tui_chat.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tui_chat.store.usage_percentiles import value_bucket_sql
from tui_chat.store.usage_stats import PICO, UsageFilter, UsageStats

ROLLUP_COLUMNS = (
    "bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens, output_tokens,"
    " reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count"
)
EXPECTED_ROLLUP = """
    SELECT created_at - ((created_at % {width}) + {width}) % {width} AS bucket, model, provider,
        COUNT(*), COALESCE(SUM(cost_pusd), 0), SUM(cost_pusd IS NULL), SUM(input_tokens), SUM(cached_tokens),
        SUM(output_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(status = 'complete'), SUM(attempts - 1),
        COUNT(latency_ms), COUNT(ttft_ms)
    FROM usage GROUP BY bucket, model, provider ORDER BY 1, 2, 3
"""
INSERT_USAGE = (
    "INSERT INTO usage (conversation_id, provider, model, input_tokens, cached_tokens, output_tokens,"
    " reasoning_tokens, estimated, cost_pusd, status, attempts, latency_ms, ttft_ms, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
MODELS = (("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("groq", "llama"), ("local", "qwen3:8b"))
STATUSES = ("complete", "partial", "cancelled", "failed", "truncated")
START_MS = int(datetime(2024, 3, 20, tzinfo=UTC).timestamp() * 1000)
NEAR_MIDNIGHT_MS = START_MS - 90 * 60_000
ODD_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "UTC")


ROLLUPS = (("usage_rollup", 900_000), ("usage_rollup_hour", 3_600_000), ("usage_rollup_day", 86_400_000))
# Migration 4's per-conversation sums and per-day timing histogram, stored and as a GROUP BY over usage.
DERIVED = (
    (
        "SELECT conversation_id, requests, cost_pusd, unpriced, input_tokens, cached_tokens, output_tokens, estimated"
        " FROM usage_rollup_conversation ORDER BY 1",
        "SELECT COALESCE(conversation_id, 0) AS conversation, COUNT(*), COALESCE(SUM(cost_pusd), 0),"
        " SUM(cost_pusd IS NULL), SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens), SUM(estimated)"
        " FROM usage GROUP BY conversation ORDER BY 1",
    ),
    (
        "SELECT bucket_ms, metric, value_bucket, requests FROM usage_timing_day ORDER BY 1, 2, 3",
        "SELECT day, metric, value_bucket, COUNT(*) FROM ("
        " SELECT created_at - ((created_at % 86400000) + 86400000) % 86400000 AS day, 'latency_ms' AS metric,"
        f" {value_bucket_sql('latency_ms')} AS value_bucket FROM usage WHERE latency_ms IS NOT NULL"
        " UNION ALL SELECT created_at - ((created_at % 86400000) + 86400000) % 86400000, 'ttft_ms',"
        f" {value_bucket_sql('ttft_ms')} FROM usage WHERE ttft_ms IS NOT NULL"
        ") GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    ),
)


def rollup_rows(connection: sqlite3.Connection) -> list[list[tuple]]:
    return [
        connection.execute(f"SELECT {ROLLUP_COLUMNS} FROM {table} ORDER BY 1, 2, 3").fetchall() for table, _ in ROLLUPS
    ] + [connection.execute(stored).fetchall() for stored, _ in DERIVED]


def expected_rows(connection: sqlite3.Connection) -> list[list[tuple]]:
    return [connection.execute(EXPECTED_ROLLUP.format(width=width)).fetchall() for _, width in ROLLUPS] + [
        connection.execute(expected).fetchall() for _, expected in DERIVED
    ]


def usage_values(
    rng: random.Random, conversations: int, span_ms: int = 400 * DAY_MS, start_ms: int = START_MS
) -> tuple:
    """One random usage row: some unpriced, some failed without timings, some retried."""
    provider, model = MODELS[rng.randrange(len(MODELS))]
    status = STATUSES[rng.randrange(len(STATUSES))]
    input_tokens = rng.randrange(0, 50_000)
    timed = status != "failed"
    return (
        rng.randrange(1, conversations + 1) if conversations and rng.random() < 0.9 else None,
        provider,
        model,
        input_tokens,
        rng.randrange(input_tokens + 1),
        rng.randrange(0, 5_000),
        rng.randrange(0, 100),
        int(rng.random() < 0.2),
        None if rng.random() < 0.15 else rng.randrange(0, 10**12),
        status,
        rng.randrange(1, 4),
        rng.randrange(50, 30_000) if timed else None,
        rng.randrange(20, 3_000) if timed and rng.random() < 0.9 else None,
        start_ms + rng.randrange(span_ms),
    )


def schema_at(connection: sqlite3.Connection, version: int) -> None:
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


def fresh_connection() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    schema_at(connection, SCHEMA_VERSION)
    return connection


async def test_upgrading_from_version_2_backfills_the_rollup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path, isolation_level=None)
    schema_at(connection, 2)
    connection.executemany(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (?, '', 'openai', 'm', 0, 0)",
        [(number,) for number in range(1, 21)],
    )
    rng = random.Random(3)
    connection.executemany(INSERT_USAGE, [usage_values(rng, 20) for _ in range(2_000)])
    connection.close()

    database = await Database.open(path)
    try:
        assert await database.schema_version() == SCHEMA_VERSION
    finally:
        await database.close()
    connection = sqlite3.connect(path)
    try:
        rows = rollup_rows(connection)
        assert rows == expected_rows(connection)
        assert [sum(row[3] for row in table) for table in rows[:3]] == [2_000, 2_000, 2_000]
        assert sum(row[1] for row in rows[3]) == 2_000
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"usage_latency", "usage_ttft", "usage_conversation_cost"} <= indexes
    finally:
        connection.close()


def test_an_empty_upgrade_leaves_an_empty_rollup() -> None:
    connection = fresh_connection()
    assert rollup_rows(connection) == [[], [], [], [], []]


async def test_upgrading_from_version_3_backfills_days_conversations_and_timings(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    connection = sqlite3.connect(path, isolation_level=None)
    schema_at(connection, 3)
    connection.executemany(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (?, '', 'openai', 'm', 0, 0)",
        [(number,) for number in range(1, 11)],
    )
    rng = random.Random(4)
    connection.executemany(INSERT_USAGE, [usage_values(rng, 10) for _ in range(1_500)])
    connection.close()
    database = await Database.open(path)
    await database.close()
    connection = sqlite3.connect(path)
    try:
        rows = rollup_rows(connection)
        assert rows == expected_rows(connection)
        assert all(rows), "every pre-summed table has rows"
    finally:
        connection.close()


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(("insert", "insert", "insert", "delete", "update", "drop_conversation")), st.integers(0, 2**32)
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_triggers_keep_the_rollup_equal_to_a_group_by(operations) -> None:
    connection = fresh_connection()
    connection.executemany(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (?, '', 'openai', 'm', 0, 0)",
        [(number,) for number in range(1, 6)],
    )
    for operation, seed in operations:
        rng = random.Random(seed)
        ids = [row[0] for row in connection.execute("SELECT id FROM usage")]
        if operation == "insert":
            # Few distinct instants, on both sides of a UTC midnight, so rows often share a bucket.
            connection.execute(INSERT_USAGE, usage_values(rng, 5, span_ms=3 * 3_600_000, start_ms=NEAR_MIDNIGHT_MS))
        elif operation == "delete" and ids:
            connection.execute("DELETE FROM usage WHERE id = ?", (rng.choice(ids),))
        elif operation == "update" and ids:
            values = usage_values(rng, 5, span_ms=3 * 3_600_000, start_ms=NEAR_MIDNIGHT_MS)
            connection.execute(
                "UPDATE usage SET conversation_id = ?, provider = ?, model = ?, input_tokens = ?, cost_pusd = ?,"
                " status = ?, attempts = ?, latency_ms = ?, ttft_ms = ?, created_at = ? WHERE id = ?",
                (
                    values[0],
                    values[1],
                    values[2],
                    values[3],
                    values[8],
                    values[9],
                    values[10],
                    values[11],
                    values[12],
                    values[13],
                    rng.choice(ids),
                ),
            )
        elif operation == "drop_conversation":
            # ON DELETE SET NULL updates usage.conversation_id: the rollup must not count the rows twice.
            number = rng.randrange(1, 6)
            connection.execute("DELETE FROM conversations WHERE id = ?", (number,))
            connection.execute(
                "INSERT INTO conversations (id, title, provider, model, created_at, updated_at)"
                " VALUES (?, '', 'openai', 'm', 0, 0)",
                (number,),
            )  # later inserts may point at it again
        assert rollup_rows(connection) == expected_rows(connection), operation
    connection.close()


@pytest.mark.parametrize("seed", range(4))
async def test_rollup_figures_equal_direct_sums_over_usage(stats: UsageStats, seed: int) -> None:
    rng = random.Random(seed)
    connection = stats.database.connection
    await connection.executemany(INSERT_USAGE, [usage_values(rng, 0) for _ in range(3_000)])
    zone = ZoneInfo(ODD_ZONES[seed % len(ODD_ZONES)])
    today = local_date(START_MS + 200 * DAY_MS, zone)
    for kind in (PeriodKind.ALL, PeriodKind.LAST_30_DAYS, PeriodKind.LAST_MONTH, PeriodKind.TODAY):
        usage_filter = filter_for(period_for(kind, today), zone)
        tables = {piece.table for piece in usage_filter.pieces()}
        assert "usage" not in tables
        whole_hours = kind is PeriodKind.ALL or zone.key in ("Europe/Berlin", "America/New_York", "UTC")
        assert ("usage_rollup" in tables) is not whole_hours
        where, params = usage_filter.where()
        [row] = await direct(
            stats,
            "SELECT SUM(cost_pusd), COUNT(*), SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens),"
            f" SUM(cost_pusd IS NULL), SUM(estimated), SUM(status = 'complete'), SUM(attempts - 1) FROM usage{where}",
            params,
        )
        totals = await stats.totals(usage_filter)
        expected_cost = Decimal(row[0] or 0) * PICO
        assert totals.cost == expected_cost  # exact to the picodollar
        assert (
            totals.requests,
            totals.input_tokens,
            totals.cached_tokens,
            totals.output_tokens,
            totals.unpriced_requests,
            totals.estimated_requests,
            totals.succeeded,
            totals.retries,
        ) == (row[1], row[2] or 0, row[3] or 0, row[4] or 0, row[5] or 0, row[6] or 0, row[7] or 0, row[8] or 0)

        # Per model and provider, against a GROUP BY over usage.
        for by in ("model", "provider"):
            groups = await stats.grouped(usage_filter, by)
            expected = await direct(
                stats,
                f"SELECT {by}, COALESCE(SUM(cost_pusd), 0), COUNT(*), SUM(cost_pusd IS NULL) FROM usage{where}"
                f" GROUP BY {by} ORDER BY 2 DESC, 3 DESC, {by}",
                params,
            )
            assert [(g.key, g.cost, g.requests, g.unpriced_requests) for g in groups] == [
                (r[0], Decimal(r[1]) * PICO, r[2], r[3]) for r in expected
            ]

        # Per local day, against each row's local date computed in Python.
        rows = await direct(stats, f"SELECT created_at, cost_pusd FROM usage{where}", params)
        per_day: dict[str, list[int]] = {}
        for created_at, cost in rows:
            day = per_day.setdefault(local_date(created_at, zone).isoformat(), [0, 0, 0])
            day[0] += cost or 0
            day[1] += 1
            day[2] += cost is None
        days = await stats.grouped(usage_filter, "day", zone)
        assert {d.key: (d.cost, d.requests, d.unpriced_requests) for d in days} == {
            key: (Decimal(value[0]) * PICO, value[1], value[2]) for key, value in per_day.items()
        }
        chart = await stats.daily_by_model(usage_filter, zone)
        assert sum(point.cost for point in chart) == expected_cost


async def test_a_status_filter_or_an_unaligned_bound_reads_usage(stats: UsageStats) -> None:
    rng = random.Random(9)
    await stats.database.connection.executemany(INSERT_USAGE, [usage_values(rng, 0) for _ in range(500)])
    assert [piece.table for piece in UsageFilter(status="failed").pieces()] == ["usage"]
    assert [piece.table for piece in UsageFilter(start_ms=START_MS + 1).pieces()] == [
        "usage",
        "usage_rollup",
        "usage_rollup_hour",
        "usage_rollup_day",
    ]
    failed = await stats.totals(UsageFilter(status="failed"))
    [row] = await direct(stats, "SELECT COUNT(*), COALESCE(SUM(cost_pusd), 0) FROM usage WHERE status = 'failed'", [])
    assert (failed.requests, failed.cost) == (row[0], Decimal(row[1]) * PICO)
    start = START_MS + 7 * DAY_MS + 123_456
    partial = await stats.totals(UsageFilter(start_ms=start))
    [row] = await direct(stats, "SELECT COUNT(*) FROM usage WHERE created_at >= ?", [start])
    assert partial.requests == row[0]


def test_every_offset_of_the_test_zones_is_a_whole_bucket() -> None:
    """The premise of the rollup: local midnights and offset changes fall on 15-minute boundaries."""
    for name in ODD_ZONES:
        zone = ZoneInfo(name)
        moment = datetime(2024, 1, 1, tzinfo=UTC)
        while moment.year < 2026:
            offset = moment.astimezone(zone).utcoffset()
            assert offset is not None and offset.total_seconds() % 900 == 0, name
            moment += timedelta(days=7)
