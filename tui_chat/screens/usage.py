"""The usage-history screen: a period's totals, a chart of daily spend, and tables to drill into."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Select, TabbedContent, TabPane

from tui_chat.core.periods import PERIOD_LABELS, Period, PeriodKind, local_date, parse_day, period_for
from tui_chat.screens.usage_cost import CostTab
from tui_chat.screens.usage_requests import RequestsTab
from tui_chat.widgets.cost_panel import CostPanel
from tui_chat.widgets.usage_chart import SpendChart
from tui_chat.widgets.usage_comparisons import ComparisonsTab
from tui_chat.widgets.usage_tables import GroupTable
from tui_chat.widgets.usage_totals import UsageTotals

if TYPE_CHECKING:
    from tui_chat.services.compare_usage import ComparisonUsage
    from tui_chat.services.container import AppServices
    from tui_chat.services.reasoning_usage import ModelReasoning
    from tui_chat.services.usage_report import PeriodFigures
    from tui_chat.store.usage_stats import GroupTotals, UsageStats

CONVERSATION_ROWS = 500
GROUP_TABLES = {
    "tab-models": ("#usage-models", "model", "Model"),
    "tab-providers": ("#usage-providers", "provider", "Provider"),
    "tab-conversations": ("#usage-conversations", "conversation", "Conversation"),
}


def system_clock() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now().astimezone()


class UsageScreen(RequestsTab, Screen):
    """Personal spending by day, model, provider, conversation and request."""

    DEFAULT_CSS = """
    UsageScreen { layout: vertical; }
    UsageScreen .usage-controls { height: auto; }
    UsageScreen .usage-controls Select { width: 24; }
    UsageScreen .usage-controls Input { width: 16; }
    UsageScreen #usage-totals { height: auto; padding: 0 1; background: $boost; color: $text; }
    UsageScreen #usage-chart { height: 12; }
    UsageScreen TabbedContent { height: 1fr; }
    UsageScreen DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "close", "Back", id="usage.close"),
        Binding("x", "export", "Export CSV", id="usage.export"),
        Binding("r", "reload", "Refresh", id="usage.refresh"),
    ]

    @dataclass
    class OpenConversation(Message):
        """The reader chose a conversation to open in the chat."""

        conversation_id: int

    @dataclass
    class Loaded(Message):
        """Totals, chart and grouped tables show the current period."""

        period: Period

    def __init__(
        self,
        services: AppServices,
        *,
        clock: Callable[[], datetime] = system_clock,
        zone: tzinfo | None = None,
        period: PeriodKind = PeriodKind.LAST_30_DAYS,
    ) -> None:
        """`clock` and `zone` (None: the process's local zone) are injectable so tests are deterministic."""
        super().__init__()
        self.services = services
        self.clock = clock
        self.zone = zone
        self.period_kind = period
        self.period: Period | None = None
        self.groups: dict[str, list[GroupTotals]] = {}
        self._stats: UsageStats | None = None
        self._request_cursor: tuple[object, int] | None = None
        self._requests_exhausted = True
        self._requests_stale = True
        self._controls_mounted = False
        self._stale_tables: set[str] = set()
        self._choices: dict[str, list[str]] = {}
        self._requests_key: tuple[str | None, ...] | None = None
        self._mounted = asyncio.Event()
        self._prefetch: tuple[Period, Future[PeriodFigures]] | None = None
        self.reasoning: dict[str, ModelReasoning] | None = None
        self.cost_tab = CostTab(self)
        if period is not PeriodKind.CUSTOM:
            # The queries start now, in a thread, while the widgets are built, so the first
            # paint can already show the figures (see on_mount).
            from tui_chat.services.usage_report import period_figures, start_reading_usage

            first = self.current_period()
            future = start_reading_usage(services, period_figures(first, zone, services.registry))
            self._prefetch = None if future is None else (first, future)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="usage-controls"):
            yield Select(
                [(label, kind.value) for kind, label in PERIOD_LABELS.items()],
                value=self.period_kind.value,
                allow_blank=False,
                id="usage-period",
            )
            yield Input(placeholder="since YYYY-MM-DD", id="usage-since", classes="-custom")
            yield Input(placeholder="until YYYY-MM-DD", id="usage-until", classes="-custom")
        yield UsageTotals(id="usage-totals")
        yield SpendChart(id="usage-chart")
        # Only the first tab's table is built now; each other tab's widgets when it is first
        # opened (_group_table, _request_controls): a hidden table still costs its share of
        # styling and layout on the first paint.
        with TabbedContent(id="usage-tabs"):
            with TabPane("Models", id="tab-models"):
                yield GroupTable(id="usage-models", cursor_type="row")
            yield TabPane("Providers", id="tab-providers")
            yield TabPane("Conversations", id="tab-conversations")
            yield TabPane("Requests", id="tab-requests")
            with TabPane("Comparisons", id="tab-comparisons"):
                yield ComparisonsTab(self._comparison_usage, self.zone, id="usage-comparisons")
            yield TabPane("Cost", id="tab-cost")
        yield Footer()

    async def _group_table(self, tab: str) -> GroupTable:
        """The grouped table of a tab, mounted into it on first use."""
        table_id = GROUP_TABLES[tab][0]
        found = self.query(table_id)
        if found:
            return found.first(GroupTable)
        table = GroupTable(id=table_id.removeprefix("#"), cursor_type="row")
        await self.query_one(f"#{tab}", TabPane).mount(table)
        return table

    def on_mount(self) -> None:
        self._show_custom_inputs()
        self._mounted.set()
        if self._prefetch is None:
            self.refresh_data()
            return
        period, future = self._prefetch
        if future.done() and future.exception() is None:
            # Ready before the first layout: shown now, the first paint is the complete one.
            self._prefetch = None
            self._apply(future.result())
            self._show_group_table_now("tab-models")
            self.post_message(self.Loaded(period))
        else:
            self.load(period)

    def _show_custom_inputs(self) -> None:
        for field in self.query(".-custom"):
            field.display = self.period_kind is PeriodKind.CUSTOM

    def current_period(self) -> Period:
        """The selected period as seen on today's local date."""
        today = self._today()
        if self.period_kind is not PeriodKind.CUSTOM:
            return period_for(self.period_kind, today)
        since, until = (self.query_one(f"#usage-{side}", Input).value.strip() for side in ("since", "until"))
        return period_for(
            PeriodKind.CUSTOM, today, parse_day(since) if since else None, parse_day(until) if until else None
        )

    async def _comparison_usage(self) -> ComparisonUsage:
        from tui_chat.services.compare_usage import comparison_usage

        return await comparison_usage(self.services, self.period or self.current_period(), self.zone)

    async def _usage_stats(self) -> UsageStats:
        if self._stats is None:
            from tui_chat.services.usage_report import open_usage_stats

            self._stats = await open_usage_stats(self.services)
        return self._stats

    def refresh_data(self) -> None:
        """Reload every figure; the app calls this after each stored reply while the screen is open."""
        try:
            period = self.current_period()
        except ValueError as exc:
            self.notify(str(exc), title="Custom range", severity="warning", markup=False)
            return
        self.load(period)

    @work(exclusive=True, group="usage-load", exit_on_error=False)
    async def load(self, period: Period) -> None:
        """Query the period's figures, show them once the widgets are mounted, then the open tab's rows."""
        from tui_chat.services.usage_report import period_figures, read_usage

        figures = None
        if self._prefetch is not None and self._prefetch[0] == period:
            try:
                figures = await asyncio.wrap_future(self._prefetch[1])
            except Exception:  # noqa: BLE001 - a file not migrated yet, or unreadable: asked again below,
                pass  # through the app's connection, which migrates it or reports what is wrong
        self._prefetch = None
        if figures is None:
            figures = await read_usage(self.services, period_figures(period, self.zone, self.services.registry))
        await self._mounted.wait()
        self._apply(figures)
        active = self.query_one(TabbedContent).active
        if active in GROUP_TABLES and GROUP_TABLES[active][1] in self.groups:
            await self._show_group_table(active)
        if active == "tab-conversations":
            await self._load_conversations(period)
        self.post_message(self.Loaded(period))
        if active == "tab-requests":
            await self._load_requests(reset=True)
        if active == "tab-comparisons":
            self.query_one(ComparisonsTab).reload()
        elif active == "tab-cost":
            self.cost_tab.show()

    def _apply(self, figures: PeriodFigures) -> None:
        """Show a period's totals and chart, offer its names as filters, and mark every table stale."""
        period, daily = figures.period, figures.daily
        self.period, self.groups = period, dict(figures.groups)
        self.reasoning = figures.reasoning
        self.query_one(UsageTotals).show(figures.totals, figures.answer_p50_ms)
        first = period.first_day or (daily[0].day if daily else self._today())
        last = period.last_day or (daily[-1].day if daily else first)
        self.query_one(SpendChart).show(first, last, [(row.day, row.model, row.cost) for row in daily])
        # Only the visible tab's table is filled now; the others when first shown (the
        # conversations are only queried then).
        self._stale_tables = set(GROUP_TABLES)
        self._set_choices("#filter-model", [group.key for group in figures.groups["model"]])
        self._set_choices("#filter-provider", [group.key for group in figures.groups["provider"]])
        self._requests_stale = True

    def _today(self) -> date:
        return local_date(int(self.clock().timestamp() * 1000), self.zone)

    async def _conversation_groups(self, period: Period) -> list[GroupTotals]:
        """The period's conversations, costliest first, queried on first use."""
        from tui_chat.services.usage_report import filter_for

        if "conversation" not in self.groups or self.period != period:
            stats = await self._usage_stats()
            groups = await stats.grouped(filter_for(period, self.zone), "conversation", limit=CONVERSATION_ROWS)
            if self.period != period:
                return groups
            self.groups["conversation"] = groups
        return self.groups["conversation"]

    async def _load_conversations(self, period: Period) -> None:
        """Fill the conversations table for the period."""
        await self._conversation_groups(period)
        if self.period == period:
            self._stale_tables.add("tab-conversations")
            await self._show_group_table("tab-conversations")

    @work(exclusive=True, group="usage-conversations", exit_on_error=False)
    async def reload_conversations(self, period: Period) -> None:
        """Query and show the conversations table off the handler."""
        await self._load_conversations(period)

    async def _show_group_table(self, tab: str | None) -> None:
        """Fill a grouped table from the loaded groups if it is stale, mounting it if needed."""
        if tab in self._stale_tables:
            await self._group_table(tab)
            self._show_group_table_now(tab)

    def _show_group_table_now(self, tab: str) -> None:
        """Fill a mounted grouped table from the loaded groups if it is stale."""
        if tab not in self._stale_tables:
            return
        self._stale_tables.discard(tab)
        table_id, key, header = GROUP_TABLES[tab]
        reasoning = self.reasoning if key == "model" else None
        self.query_one(table_id, GroupTable).show(header, self.groups.get(key, []), reasoning)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-conversations" and self.period is not None and "conversation" not in self.groups:
            self.reload_conversations(self.period)
        elif event.pane.id in GROUP_TABLES:
            await self._show_group_table(event.pane.id)
        if event.pane.id == "tab-requests" and self._requests_stale and self.period is not None:
            self.reload_requests(True)
        if event.pane.id == "tab-cost":
            self.cost_tab.show()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "usage-period":
            if PeriodKind(event.value) is self.period_kind and self.period_kind is not PeriodKind.CUSTOM:
                return  # the echo of mounting the selector, not a choice
            self.period_kind = PeriodKind(event.value)
            self._show_custom_inputs()
            if self.period_kind is not PeriodKind.CUSTOM:
                self.refresh_data()
        else:
            self._request_controls_changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.refresh_data()

    def on_cost_panel_what_if_asked(self, message: CostPanel.WhatIfAsked) -> None:
        self.cost_tab.what_if(message.model)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "usage-conversations" and event.row_key.value:
            self.post_message(self.OpenConversation(int(event.row_key.value)))

    def action_close(self) -> None:
        """Go back to where the screen was opened from."""
        self.dismiss()

    def action_reload(self) -> None:
        """Reload every figure."""
        self.refresh_data()

    def action_export(self) -> None:
        """Write the visible tab as CSV."""
        self.export_csv(self.query_one(TabbedContent).active)

    @work(exclusive=True, group="usage-export", exit_on_error=False)
    async def export_csv(self, tab: str) -> None:
        """Write the active tab's rows (for requests: every row matching the filters) to a private CSV file, as
        plain numbers and exact decimals, the same columns as `tui-chat usage --format csv`."""
        from tui_chat.services.usage_report import group_header, group_rows, write_export

        name = tab.removeprefix("tab-")
        if name == "requests":
            header, rows = await self._request_export_rows()
        else:
            key = name.removesuffix("s")
            groups = self.groups.get(key, [])
            if key == "conversation" and self.period is not None:
                groups = await self._conversation_groups(self.period)
            header, rows = group_header(key), group_rows(key, groups)
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        try:
            path = await write_export(
                self.services.paths.data_dir / "exports", f"usage-{name}-{stamp}.csv", header, rows
            )
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        self.notify(str(path), title=f"Exported {len(rows):,} rows", markup=False, timeout=10)
        self.exported_path = path
