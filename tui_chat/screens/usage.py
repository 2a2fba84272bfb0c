"""The usage-history screen: a period's totals, a chart of daily spend, and tables to drill into."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Select, TabbedContent, TabPane

from tui_chat.core.periods import PERIOD_LABELS, Period, PeriodKind, local_date, parse_day, period_for
from tui_chat.widgets.usage_chart import SpendChart
from tui_chat.widgets.usage_tables import REQUEST_HEADERS, GroupTable, RequestsTable, group_cells, request_cells
from tui_chat.widgets.usage_totals import UsageTotals

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices
    from tui_chat.store.usage_stats import GroupTotals, UsageFilter, UsageStats

PAGE_SIZE = 200
CONVERSATION_ROWS = 500
STATUSES = ("complete", "partial", "cancelled", "failed", "truncated")
GROUP_TABLES = {
    "tab-models": ("#usage-models", "model", "Model"),
    "tab-providers": ("#usage-providers", "provider", "Provider"),
    "tab-conversations": ("#usage-conversations", "conversation", "Conversation"),
}
SORTS = (("Newest first", "time"), ("Costliest first", "cost"), ("Slowest first", "latency"), ("Most tokens", "tokens"))


def system_clock() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now().astimezone()


class UsageScreen(Screen):
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

    def compose(self) -> ComposeResult:
        with Horizontal(classes="usage-controls"):
            yield Select([(label, kind.value) for kind, label in PERIOD_LABELS.items()], value=self.period_kind.value,
                         allow_blank=False, id="usage-period")
            yield Input(placeholder="since YYYY-MM-DD", id="usage-since", classes="-custom")
            yield Input(placeholder="until YYYY-MM-DD", id="usage-until", classes="-custom")
        yield UsageTotals(id="usage-totals")
        yield SpendChart(id="usage-chart")
        with TabbedContent(id="usage-tabs"):
            with TabPane("Models", id="tab-models"):
                yield GroupTable(id="usage-models", cursor_type="row")
            with TabPane("Providers", id="tab-providers"):
                yield GroupTable(id="usage-providers", cursor_type="row")
            with TabPane("Conversations", id="tab-conversations"):
                yield GroupTable(id="usage-conversations", cursor_type="row")
            with TabPane("Requests", id="tab-requests"):
                # The filter and sort controls (four Selects, the costliest widgets here) are
                # mounted above the table the first time the tab is opened: see _request_controls.
                yield RequestsTable(id="usage-requests", cursor_type="row")
        yield Footer()

    async def _request_controls(self) -> None:
        """Mount the requests tab's filters and sort on first use, offering the period's names."""
        if self._controls_mounted:
            return
        self._controls_mounted = True
        controls = Horizontal(
            Select([(name, name) for name in self._choices.get("#filter-model", [])], prompt="any model",
                   id="filter-model"),
            Select([(name, name) for name in self._choices.get("#filter-provider", [])], prompt="any provider",
                   id="filter-provider"),
            Select([(status, status) for status in STATUSES], prompt="any status", id="filter-status"),
            Select(SORTS, value="time", allow_blank=False, id="requests-sort"),
            classes="usage-controls",
        )
        await self.query_one("#tab-requests", TabPane).mount(controls, before=self.query_one(RequestsTable))

    def _select_value(self, selector: str) -> str | None:
        """A request control's value; None when blank or not mounted yet."""
        found = self.query(selector)
        if not found:
            return None
        value = found.first(Select).value
        return None if value is Select.NULL else str(value)

    def on_mount(self) -> None:
        self._show_custom_inputs()
        self.refresh_data()

    def _show_custom_inputs(self) -> None:
        for field in self.query(".-custom"):
            field.display = self.period_kind is PeriodKind.CUSTOM

    def current_period(self) -> Period:
        """The selected period as seen on today's local date."""
        today = local_date(int(self.clock().timestamp() * 1000), self.zone)
        if self.period_kind is not PeriodKind.CUSTOM:
            return period_for(self.period_kind, today)
        since, until = (self.query_one(f"#usage-{side}", Input).value.strip() for side in ("since", "until"))
        return period_for(PeriodKind.CUSTOM, today, parse_day(since) if since else None, parse_day(until) if until else None)

    def request_filter(self) -> UsageFilter:
        """The period plus the requests tab's model, provider and status filters."""
        from tui_chat.services.usage_report import filter_for

        chosen = self._select_value
        return filter_for(self.period or self.current_period(), self.zone, model=chosen("#filter-model"),
                          provider=chosen("#filter-provider"), status=chosen("#filter-status"))

    def _requests_sort(self) -> str:
        return self._select_value("#requests-sort") or "time"

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
        """Query the period's totals, daily spend and groups, then the first page of requests."""
        from tui_chat.services.usage_report import filter_for

        stats = await self._usage_stats()
        usage_filter = filter_for(period, self.zone)
        totals = await stats.totals(usage_filter)
        daily = await stats.daily_by_model(usage_filter, self.zone)
        groups = {
            "model": await stats.grouped(usage_filter, "model"),
            "provider": await stats.grouped(usage_filter, "provider"),
            "conversation": await stats.grouped(usage_filter, "conversation", limit=CONVERSATION_ROWS),
        }
        self.period, self.groups = period, groups
        self.query_one(UsageTotals).show(totals)
        first = period.first_day or (daily[0].day if daily else local_date(int(self.clock().timestamp() * 1000), self.zone))
        last = period.last_day or (daily[-1].day if daily else first)
        self.query_one(SpendChart).show(first, last, [(row.day, row.model, row.cost) for row in daily])
        # Only the visible tab's table is filled now; the others when first shown (500
        # conversation rows cost a DataTable a noticeable layout pass).
        self._stale_tables = set(GROUP_TABLES)
        self._show_group_table(self.query_one(TabbedContent).active)
        self._set_choices("#filter-model", [group.key for group in groups["model"]])
        self._set_choices("#filter-provider", [group.key for group in groups["provider"]])
        self.post_message(self.Loaded(period))
        self._requests_stale = True
        if self.query_one(TabbedContent).active == "tab-requests":
            await self._load_requests(reset=True)

    def _set_choices(self, selector: str, names: list[str]) -> None:
        """Offer the period's names in a filter, keeping the current choice when still present."""
        self._choices[selector] = sorted(names)
        found = self.query(selector)
        if not found:
            return
        select = found.first(Select)
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options([(name, name) for name in sorted(names)])
            if current is not Select.NULL and current in names:
                select.value = current

    async def _load_requests(self, *, reset: bool) -> None:
        """Fetch the next page of requests (or the first, emptying the table)."""
        await self._request_controls()
        table = self.query_one(RequestsTable)
        if reset:
            self._requests_stale = False
            table.reset()
            self._request_cursor, self._requests_exhausted = None, False
        if self._requests_exhausted:
            return
        stats = await self._usage_stats()
        sort, usage_filter = self._requests_sort(), self.request_filter()
        if reset:
            self._requests_key = (usage_filter.model, usage_filter.provider, usage_filter.status, sort)
        page = await stats.requests(usage_filter, sort=sort, after=self._request_cursor, limit=PAGE_SIZE)
        table.append(page.rows, self.zone)
        self._request_cursor = page.next_cursor
        self._requests_exhausted = page.next_cursor is None

    @work(exclusive=True, group="usage-requests", exit_on_error=False)
    async def reload_requests(self, reset: bool) -> None:
        """Reload or extend the requests table off the handler."""
        await self._load_requests(reset=reset)

    def _show_group_table(self, tab: str | None) -> None:
        """Fill a grouped table from the loaded groups if it is stale."""
        if tab not in self._stale_tables:
            return
        self._stale_tables.discard(tab)
        table_id, key, header = GROUP_TABLES[tab]
        self.query_one(table_id, GroupTable).show(header, self.groups.get(key, []))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._show_group_table(event.pane.id)
        if event.pane.id == "tab-requests" and self._requests_stale and self.period is not None:
            self.reload_requests(True)

    def on_requests_table_near_end(self, message: RequestsTable.NearEnd) -> None:
        if not self._requests_exhausted:
            self.reload_requests(False)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "usage-period":
            self.period_kind = PeriodKind(event.value)
            self._show_custom_inputs()
            if self.period_kind is not PeriodKind.CUSTOM:
                self.refresh_data()
        elif self.period is not None and self._controls_mounted:
            usage_filter = self.request_filter()
            key = (usage_filter.model, usage_filter.provider, usage_filter.status, self._requests_sort())
            if key != self._requests_key:  # not the echo of mounting or of offering new names
                self.reload_requests(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.refresh_data()

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
        """Write the active tab's rows (for requests: every row matching the filters) to a private CSV file."""
        from tui_chat.services.usage_report import write_export

        name = tab.removeprefix("tab-")
        if name == "requests":
            stats, usage_filter = await self._usage_stats(), self.request_filter()
            sort = self._requests_sort()
            header, rows, cursor = list(REQUEST_HEADERS), [], None
            while True:
                page = await stats.requests(usage_filter, sort=sort, after=cursor, limit=5000)
                rows += [list(request_cells(row, self.zone)) for row in page.rows]
                if (cursor := page.next_cursor) is None:
                    break
        else:
            key = name.removesuffix("s")
            header = [key.title(), "Spend", "Requests", "Input", "Cached", "Output"]
            rows = [list(group_cells(group)) for group in self.groups.get(key, [])]
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        try:
            path = await write_export(self.services.paths.data_dir / "exports", f"usage-{name}-{stamp}.csv", header, rows)
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        self.notify(str(path), title=f"Exported {len(rows):,} rows", markup=False, timeout=10)
        self.exported_path = path
