"""Usage aggregations: totals, local-day grouping across midnight and DST, percentiles, keyset pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.usage_helpers import local_zone, record  # noqa: F401
from tui_chat.core.periods import PeriodKind, period_for
from tui_chat.services.usage_report import build_report, filter_for
from tui_chat.store.db import Database
from tui_chat.store.repository import Repository
from tui_chat.store.usage_stats import UsageFilter, UsageStats

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
async def store():
    database = await Database.open(None)
    yield Repository(database), UsageStats(database)
    await database.close()


async def test_an_empty_database_has_zero_totals_and_no_groups(store) -> None:
    _, stats = store
    totals = await stats.totals(UsageFilter())
    assert (totals.cost, totals.requests, totals.success_rate, totals.median_latency_ms) == (Decimal(0), 0, None, None)
    assert await stats.grouped(UsageFilter(), "day") == []
    assert await stats.daily_by_model(UsageFilter()) == []
    assert (await stats.requests(UsageFilter())).rows == []


async def test_one_row(store) -> None:
    repository, stats = store
    await repository.add_usage(record(datetime(2025, 5, 1, 12, tzinfo=UTC), cost="0.001234", cached_tokens=40))
    totals = await stats.totals(UsageFilter())
    assert (totals.cost, totals.requests, totals.cached_tokens) == (Decimal("0.001234"), 1, 40)
    assert (totals.median_latency_ms, totals.p95_latency_ms, totals.median_ttft_ms) == (1000, 1000, 200)
    [day] = await stats.grouped(UsageFilter(), "day", BERLIN)
    assert (day.key, day.requests) == ("2025-05-01", 1)


async def test_totals_count_unpriced_estimated_failures_and_retries(store) -> None:
    repository, stats = store
    moment = datetime(2025, 5, 1, 12, tzinfo=UTC)
    await repository.add_usage(record(moment, cost=None, estimated=True))
    await repository.add_usage(record(moment, status="failed", attempts=3, latency_ms=None, ttft_ms=None))
    for latency in (100, 200, 300, 400, 500):
        await repository.add_usage(record(moment, latency_ms=latency))
    totals = await stats.totals(UsageFilter())
    assert (totals.requests, totals.unpriced_requests, totals.estimated_requests) == (7, 1, 1)
    assert (totals.succeeded, totals.retries) == (6, 2)
    assert totals.cost == Decimal("0.006")
    assert (totals.median_latency_ms, totals.p95_latency_ms) == (300, 1000)  # lower median of six


async def test_rows_exactly_at_local_midnight_start_the_new_day(store) -> None:
    repository, stats = store
    midnight = datetime(2025, 6, 2, tzinfo=BERLIN)
    await repository.add_usage(record(midnight))
    await repository.add_usage(record(datetime.fromtimestamp(midnight.timestamp() - 0.001, UTC)))
    days = await stats.grouped(UsageFilter(), "day", BERLIN)
    assert [(day.key, day.requests) for day in days] == [("2025-06-01", 1), ("2025-06-02", 1)]
    today = filter_for(period_for(PeriodKind.TODAY, date(2025, 6, 2)), BERLIN)
    assert (await stats.totals(today)).requests == 1


async def test_at_utc_midnight_in_utc_the_day_table_answers_and_splits_the_days(store) -> None:
    repository, stats = store
    midnight = datetime(2025, 6, 2, tzinfo=UTC)
    await repository.add_usage(record(midnight, cost="0.5"))
    await repository.add_usage(record(datetime.fromtimestamp(midnight.timestamp() - 0.001, UTC), cost="0.25"))
    usage_filter = filter_for(period_for(PeriodKind.LAST_7_DAYS, date(2025, 6, 3)), UTC)
    assert {piece.table for piece in usage_filter.pieces((0,))} == {"usage_rollup_day"}
    days = await stats.grouped(usage_filter, "day", UTC)
    assert [(day.key, day.cost) for day in days] == [("2025-06-01", Decimal("0.25")), ("2025-06-02", Decimal("0.5"))]
    chart = await stats.daily_by_model(usage_filter, UTC)
    assert [(point.day, point.cost) for point in chart] == [
        (date(2025, 6, 1), Decimal("0.25")),
        (date(2025, 6, 2), Decimal("0.5")),
    ]


async def test_days_across_a_daylight_saving_change(store) -> None:
    repository, stats = store
    # 23:30 local on each side of New York's spring change and one 30 minutes into the next day.
    for moment in (
        datetime(2025, 3, 8, 23, 30, tzinfo=NEW_YORK),
        datetime(2025, 3, 9, 23, 30, tzinfo=NEW_YORK),
        datetime(2025, 3, 10, 0, 30, tzinfo=NEW_YORK),
    ):
        await repository.add_usage(record(moment.astimezone(UTC)))
    days = await stats.grouped(UsageFilter(), "day", NEW_YORK)
    assert [(day.key, day.requests) for day in days] == [("2025-03-08", 1), ("2025-03-09", 1), ("2025-03-10", 1)]
    march_9 = filter_for(period_for(PeriodKind.TODAY, date(2025, 3, 9)), NEW_YORK)
    assert (await stats.totals(march_9)).requests == 1


async def test_the_process_time_zone_with_tzset(store, local_zone) -> None:
    local_zone("Europe/Berlin")
    repository, stats = store
    await repository.add_usage(record(datetime(2025, 10, 25, 22, 30, tzinfo=UTC)))  # 00:30 CEST on the 26th
    await repository.add_usage(record(datetime(2025, 10, 26, 22, 30, tzinfo=UTC)))  # 23:30 CET on the 26th
    [day] = await stats.grouped(UsageFilter(), "day")
    assert (day.key, day.requests) == ("2025-10-26", 2)


async def test_groups_by_model_and_provider_costliest_first(store) -> None:
    repository, stats = store
    moment = datetime(2025, 5, 1, tzinfo=UTC)
    await repository.add_usage(record(moment, model="small", cost="0.001"))
    await repository.add_usage(record(moment, model="big", provider="openrouter", cost="0.5"))
    models = await stats.grouped(UsageFilter(), "model")
    assert [group.key for group in models] == ["big", "small"]
    providers = await stats.grouped(UsageFilter(provider="openai"), "provider")
    assert [(group.key, group.cost) for group in providers] == [("openai", Decimal("0.001"))]


async def test_conversations_carry_their_titles(store) -> None:
    repository, stats = store
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o", title="Taxes")
    await repository.add_usage(record(datetime(2025, 5, 1, tzinfo=UTC), conversation_id=conversation.id))
    [group] = await stats.grouped(UsageFilter(), "conversation")
    assert (group.key, group.label) == (str(conversation.id), "Taxes")


async def test_keyset_pages_cover_every_row_once(store) -> None:
    repository, stats = store
    moment = datetime(2025, 5, 1, tzinfo=UTC)
    for index in range(25):
        await repository.add_usage(record(moment, cost=None if index % 5 == 0 else f"0.00{index % 3}"))
    for sort in ("time", "cost", "latency", "tokens"):
        seen, cursor = [], None
        while True:
            page = await stats.requests(UsageFilter(), sort=sort, after=cursor, limit=7)
            seen += [row.id for row in page.rows]
            if (cursor := page.next_cursor) is None:
                break
        assert sorted(seen) == list(range(1, 26)), sort


async def test_report_money_is_an_exact_string(store) -> None:
    repository, stats = store
    await repository.add_usage(record(datetime(2025, 5, 1, 12, tzinfo=UTC), cost="10"))
    report = await build_report(stats, period_for(PeriodKind.ALL, date(2025, 5, 2)), "model", BERLIN)
    assert '"cost_usd": "10"' in report.to_json()
    assert report.to_csv().splitlines()[1].startswith("gpt-4o,10,1,")
