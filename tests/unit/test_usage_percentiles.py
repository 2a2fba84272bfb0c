"""Exact percentiles of latency and time to first token: every way of finding them agrees with sorting in Python."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_chat.core.periods import DAY_MS, Period, PeriodKind
from tui_chat.services.usage_report import filter_for
from tui_chat.store.db import Database
from tui_chat.store.usage_percentiles import (
    HISTOGRAM_DAYS,
    bucket_bounds,
    median_rank,
    p95_rank,
    value_bucket_sql,
)
from tui_chat.store.usage_stats import UsageFilter, UsageStats

BERLIN = ZoneInfo("Europe/Berlin")
START_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)
EDGES = (0, 1, 9, 10, 99, 100, 101, 999, 1000, 1299, 1300, 9999, 10_000, 123_456, 3_600_000)
INSERT = (
    "INSERT INTO usage (conversation_id, provider, model, status, latency_ms, ttft_ms, created_at)"
    " VALUES (NULL, 'openai', ?, 'complete', ?, ?, ?)"
)


def value_bucket(value: int) -> int:
    """The bucket the SQL expression should give: digits * 100 plus the two leading digits; 0 when negative."""
    if value < 0:
        return 0
    text = str(int(value))
    return len(text) * 100 + int(text[:2])


class SpyingStats(UsageStats):
    """UsageStats that remembers every statement it runs."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.statements: list[str] = []

    async def _all(self, sql: str, params: list[object]) -> list:
        self.statements.append(sql)
        return await super()._all(sql, params)

    async def _one(self, sql: str, params: list[object]):
        self.statements.append(sql)
        return await super()._one(sql, params)


@pytest.fixture
async def stats():
    database = await Database.open(None)
    yield SpyingStats(database)
    await database.close()


def timing(rng: random.Random) -> int | None:
    """Mostly lognormal-ish milliseconds, some exact bucket edges, some missing."""
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.3:
        return rng.choice(EDGES)
    return int(rng.lognormvariate(7, 1.2))


async def fill(stats: UsageStats, rows: int, seed: int) -> list[tuple[str, int | None, int | None, int]]:
    rng = random.Random(seed)
    values = [
        (rng.choice(("gpt-4o", "mini")), timing(rng), timing(rng), START_MS + rng.randrange(300 * DAY_MS))
        for _ in range(rows)
    ]
    await stats.database.connection.executemany(INSERT, values)
    return values


def expected(values, usage_filter: UsageFilter) -> tuple[int | None, int | None, int | None]:
    """Median and p95 latency and median TTFT by sorting the matching rows in Python."""
    chosen = [
        (latency, ttft)
        for model, latency, ttft, at in values
        if (usage_filter.start_ms is None or at >= usage_filter.start_ms)
        and (usage_filter.end_ms is None or at < usage_filter.end_ms)
        and (usage_filter.model is None or model == usage_filter.model)
    ]
    latencies = sorted(latency for latency, _ in chosen if latency is not None)
    ttfts = sorted(ttft for _, ttft in chosen if ttft is not None)
    return (
        latencies[median_rank(len(latencies))] if latencies else None,
        latencies[p95_rank(len(latencies))] if latencies else None,
        ttfts[median_rank(len(ttfts))] if ttfts else None,
    )


def period(first: date, last: date) -> UsageFilter:
    return filter_for(Period(PeriodKind.CUSTOM, first, last), BERLIN)


@pytest.mark.parametrize("seed", range(3))
async def test_every_way_matches_a_sort_in_python(stats: SpyingStats, seed: int) -> None:
    values = await fill(stats, 1_500, seed)
    cases = {
        "all history: offsets along the index": (UsageFilter(), False),
        "30 days across the spring DST change: histogram": (period(date(2024, 3, 15), date(2024, 4, 13)), True),
        "one local day: the histogram of its part-days": (period(date(2024, 6, 1), date(2024, 6, 1)), True),
        "200 days: a walk along the index": (period(date(2024, 3, 10), date(2024, 9, 25)), False),
        "a range around every row: offsets": (period(date(2024, 1, 1), date(2025, 12, 31)), False),
        "a model within a month: a walk": (
            filter_for(Period(PeriodKind.CUSTOM, date(2024, 5, 1), date(2024, 5, 31)), BERLIN, model="mini"),
            False,
        ),
    }
    for name, (usage_filter, histogram) in cases.items():
        stats.statements.clear()
        totals = await stats.totals(usage_filter)
        found = (totals.median_latency_ms, totals.p95_latency_ms, totals.median_ttft_ms)
        assert found == expected(values, usage_filter), name
        assert any("INDEXED BY usage_latency" in sql for sql in stats.statements), name
        assert any("WITH histogram" in sql for sql in stats.statements) is histogram, name


async def test_a_period_without_timed_requests_has_no_percentiles(stats: SpyingStats) -> None:
    await stats.database.connection.execute(INSERT, ("gpt-4o", None, None, START_MS + DAY_MS))
    totals = await stats.totals(period(date(2024, 3, 1), date(2024, 3, 5)))
    assert totals.requests == 1
    assert (totals.median_latency_ms, totals.p95_latency_ms, totals.median_ttft_ms) == (None, None, None)


async def test_the_histogram_bounds_reach_every_period_length(stats: SpyingStats) -> None:
    values = await fill(stats, 400, 7)
    last = date(2024, 3, 1).toordinal() + HISTOGRAM_DAYS - 2
    usage_filter = period(date(2024, 3, 1), date.fromordinal(last))
    assert usage_filter.end_ms - usage_filter.start_ms <= HISTOGRAM_DAYS * DAY_MS
    totals = await stats.totals(usage_filter)
    assert (totals.median_latency_ms, totals.p95_latency_ms, totals.median_ttft_ms) == expected(values, usage_filter)
    assert any("usage_timing_day" in sql and "WITH histogram" in sql for sql in stats.statements)


@given(st.integers(-10_000, 10**12), st.integers(-10_000, 10**12))
def test_buckets_hold_their_values_in_order(first: int, second: int) -> None:
    for value in (first, second):
        low, high = bucket_bounds(value_bucket(value))
        assert (low is None or low <= value) and value < high
    if first <= second:
        assert value_bucket(first) <= value_bucket(second)


async def test_the_sql_bucket_is_the_python_bucket(stats: SpyingStats) -> None:
    samples = [*EDGES, -5, -1, 42, 12_345, 99_999, 100_000, 2**40]
    for value in samples:
        row = await stats._one(f"SELECT {value_bucket_sql('value')} FROM (SELECT ? AS value)", [value])
        assert row[0] == value_bucket(value), value
