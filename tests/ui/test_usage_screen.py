"""The usage screen on a known database: totals, chart, a filter, export, and a snapshot."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import stat
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from textual.app import App

from tests.ui.pilot import wait_until
from tests.usage_helpers import record
from tui_chat.core.periods import PeriodKind
from tui_chat.screens.usage import UsageScreen
from tui_chat.store.repository import Repository
from tui_chat.widgets.usage_chart import SpendChart
from tui_chat.widgets.usage_tables import RequestsTable
from tui_chat.widgets.usage_totals import UsageTotals

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 6, 15, 12, tzinfo=BERLIN)


async def seed(services) -> None:
    """Three requests this month in two models, one unpriced, one failed; one conversation."""
    repository: Repository = await services.repository()
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o", title="Trip plans")
    for day, model, cost, status in (
        (13, "gpt-4o", "0.25", "complete"),
        (14, "gpt-4o-mini", None, "complete"),
        (15, "gpt-4o", "0.5", "failed"),
    ):
        moment = datetime(2025, 6, day, 9, tzinfo=BERLIN).astimezone(UTC)
        await repository.add_usage(
            record(moment, model=model, cost=cost, status=status, conversation_id=conversation.id)
        )


class Host(App):
    """Pushes the usage screen with a frozen clock and records what it posts."""

    def __init__(self, services, period: PeriodKind = PeriodKind.LAST_30_DAYS) -> None:
        super().__init__()
        self.services = services
        self.period = period
        self.opened: list[int] = []
        self.loads = 0

    def on_mount(self) -> None:
        self.push_screen(UsageScreen(self.services, clock=lambda: NOW, zone=BERLIN, period=self.period))

    def on_usage_screen_loaded(self, message: UsageScreen.Loaded) -> None:
        self.loads += 1

    def on_usage_screen_open_conversation(self, message: UsageScreen.OpenConversation) -> None:
        self.opened.append(message.conversation_id)


@pytest.fixture
def services(make_services):
    built = make_services()
    asyncio.run(seed(built))
    asyncio.run(built.aclose())
    return built


async def test_totals_chart_filter_and_export(services) -> None:
    app = Host(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        screen = app.screen
        totals = screen.query_one(UsageTotals).totals
        assert (totals.requests, totals.cost, totals.unpriced_requests, totals.succeeded) == (3, 0.75, 1, 2)
        assert screen.query_one(SpendChart).has_data
        screen.query_one("#usage-tabs").active = "tab-requests"
        await wait_until(pilot, lambda: bool(screen.query(RequestsTable)))  # mounted when the tab is first opened
        table = screen.query_one(RequestsTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        assert "unpriced" in [str(cell) for cell in table.get_row_at(1)]
        screen.query_one("#filter-status").value = "failed"
        await wait_until(pilot, lambda: table.row_count == 1)
        await pilot.press("x")
        await wait_until(pilot, lambda: getattr(screen, "exported_path", None) is not None)
        path = screen.exported_path
        assert path.parent == services.paths.data_dir / "exports"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        [row] = list(csv.DictReader(io.StringIO(path.read_text())))
        assert row == {
            "time": "2025-06-15T09:00:00+02:00",
            "conversation_id": "1",
            "model": "gpt-4o",
            "provider": "openai",
            "status": "failed",
            "input_tokens": "100",
            "cached_tokens": "0",
            "output_tokens": "10",
            "cost_usd": "0.5",
            "estimated": "false",
            "latency_ms": "1000",
            "ttft_ms": "200",
            "attempts": "1",
        }


async def test_choosing_a_conversation_asks_the_app_to_open_it(services) -> None:
    app = Host(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        app.screen.query_one("#usage-tabs").active = "tab-conversations"
        # The conversations are queried, and their table mounted, when the tab is first opened.
        await wait_until(pilot, lambda: any(table.row_count for table in app.screen.query("#usage-conversations")))
        app.screen.query_one("#usage-conversations").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.opened == [1])


async def test_refreshing_after_a_reply_shows_it(services) -> None:
    """What the app does after each stored reply: the open screen queries again."""
    app = Host(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        repository: Repository = await services.repository()
        await repository.add_usage(record(datetime(2025, 6, 15, 11, tzinfo=BERLIN).astimezone(UTC), cost="1"))
        app.screen.refresh_data()
        await wait_until(pilot, lambda: app.loads == 2)
        totals = app.screen.query_one(UsageTotals).totals
        assert (totals.requests, totals.cost) == (4, Decimal("1.75"))
        assert app.screen.query_one(SpendChart).series["gpt-4o"][-1] == Decimal("1.5")


async def test_conversations_are_queried_when_their_tab_opens_and_export(services) -> None:
    app = Host(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        screen = app.screen
        assert "conversation" not in screen.groups and not screen.query("#usage-conversations")
        screen.query_one("#usage-tabs").active = "tab-conversations"
        await wait_until(pilot, lambda: any(table.row_count for table in screen.query("#usage-conversations")))
        await pilot.press("x")
        await wait_until(pilot, lambda: getattr(screen, "exported_path", None) is not None)
        [row] = list(csv.DictReader(io.StringIO(screen.exported_path.read_text())))
        assert row["title"] == "Trip plans" and Decimal(row["cost_usd"]) == Decimal("0.75")
        assert (row["requests"], row["input_tokens"], row["output_tokens"], row["unpriced_requests"]) == (
            "3",
            "300",
            "30",
            "1",
        )


async def test_export_writes_plain_numbers_where_the_table_shows_display_text(make_services) -> None:
    """The table shows "≈ $0.0012" and "1,865"; the file has the exact decimal, the count and a column for "estimated"."""
    services = make_services()
    repository: Repository = await services.repository()
    moment = datetime(2025, 6, 14, 9, tzinfo=BERLIN).astimezone(UTC)
    await repository.add_usage(record(moment, cost="0.0012", input_tokens=1865, estimated=True))
    await repository.add_usage(record(moment, cost="0.000000000001", input_tokens=1))
    app = Host(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        screen = app.screen
        shown = [str(cell) for cell in screen.query_one("#usage-models").get_row_at(0)]
        assert shown[1].startswith("≈") and shown[2] == "2" and shown[3] == "1,866"
        await pilot.press("x")
        await wait_until(pilot, lambda: getattr(screen, "exported_path", None) is not None)
        [row] = list(csv.DictReader(io.StringIO(screen.exported_path.read_text())))
        assert Decimal(row["cost_usd"]) == Decimal("0.001200000001")
        assert (row["model"], row["requests"], row["input_tokens"], row["estimated_requests"]) == (
            "gpt-4o",
            "2",
            "1866",
            "1",
        )
        screen.exported_path = None
        screen.query_one("#usage-tabs").active = "tab-requests"
        await wait_until(
            pilot, lambda: bool(screen.query(RequestsTable)) and screen.query_one(RequestsTable).row_count == 2
        )
        await pilot.press("x")
        await wait_until(pilot, lambda: screen.exported_path is not None)
        rows = list(csv.DictReader(io.StringIO(screen.exported_path.read_text())))
        assert sorted((Decimal(row["cost_usd"]), int(row["input_tokens"]), row["estimated"]) for row in rows) == [
            (Decimal("0.000000000001"), 1, "false"),
            (Decimal("0.0012"), 1865, "true"),
        ]


async def test_a_custom_range_with_no_dates_opens_on_all_history(services) -> None:
    app = Host(services, PeriodKind.CUSTOM)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        assert app.screen.query_one(UsageTotals).totals.requests == 3
        assert app.screen.query_one("#usage-since").display


async def test_an_empty_database_shows_zeros(make_services) -> None:
    app = Host(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        assert app.screen.query_one(UsageTotals).totals.requests == 0
        assert not app.screen.query_one(SpendChart).has_data


def test_usage_screen_snapshot(snap_compare, services) -> None:
    """You should see the period selector on "30 days", totals of $0.75 + 1 unpriced over 3 requests
    with 66.7% success, a stacked bar chart of spend per day for two models, and the Models table
    listing gpt-4o ($0.75) above gpt-4o-mini (unpriced), each with Reasoning 0 and Thinking 0.0%."""

    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.loads == 1)
        await pilot.pause()

    assert snap_compare(Host(services), terminal_size=(120, 40), run_before=run_before)
