"""The usage screen's requests tab: filters, sort, and a table that loads a page at a time as you scroll."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from textual import work
from textual.containers import Horizontal
from textual.widgets import Select, TabPane

from tui_chat.widgets.usage_tables import RequestsTable

if TYPE_CHECKING:
    from textual.screen import Screen as _MixedInto

    from tui_chat.core.periods import Period
    from tui_chat.store.usage_stats import UsageFilter, UsageStats
else:
    _MixedInto = object

PAGE_SIZE = 200
EXPORT_PAGE_SIZE = 5000
STATUSES = ("complete", "partial", "cancelled", "failed", "truncated")
SORTS = (("Newest first", "time"), ("Costliest first", "cost"), ("Slowest first", "latency"), ("Most tokens", "tokens"))


class RequestsTab(_MixedInto):
    """Mixed into UsageScreen: everything about the requests tab, built the first time it is opened.

    Handlers here are named on_<widget>_<message> because `@on` does not register in a plain mixin;
    the screen provides `query`, `_usage_stats` and `current_period` (a Screen base only for type checkers).
    """

    period: Period | None
    zone: tzinfo | None
    _controls_mounted: bool
    _choices: dict[str, list[str]]
    _request_cursor: tuple[object, int] | None
    _requests_exhausted: bool
    _requests_stale: bool
    _requests_key: tuple[str | None, ...] | None

    if TYPE_CHECKING:

        def current_period(self) -> Period: ...

        async def _usage_stats(self) -> UsageStats: ...

    async def _request_controls(self) -> None:
        """Mount the requests tab's filters, sort and table on first use, offering the period's names."""
        if self._controls_mounted:
            return
        self._controls_mounted = True
        controls = Horizontal(
            Select(
                [(name, name) for name in self._choices.get("#filter-model", [])], prompt="any model", id="filter-model"
            ),
            Select(
                [(name, name) for name in self._choices.get("#filter-provider", [])],
                prompt="any provider",
                id="filter-provider",
            ),
            Select([(status, status) for status in STATUSES], prompt="any status", id="filter-status"),
            Select(SORTS, value="time", allow_blank=False, id="requests-sort"),
            classes="usage-controls",
        )
        table = RequestsTable(id="usage-requests", cursor_type="row")
        await self.query_one("#tab-requests", TabPane).mount(controls, table)

    def _select_value(self, selector: str) -> str | None:
        """A request control's value; None when blank or not mounted yet."""
        found = self.query(selector)
        if not found:
            return None
        value = found.first(Select).value
        return None if value is Select.NULL else str(value)

    def request_filter(self) -> UsageFilter:
        """The period plus the requests tab's model, provider and status filters."""
        from tui_chat.services.usage_report import filter_for

        chosen = self._select_value
        return filter_for(
            self.period or self.current_period(),
            self.zone,
            model=chosen("#filter-model"),
            provider=chosen("#filter-provider"),
            status=chosen("#filter-status"),
        )

    def _requests_sort(self) -> str:
        return self._select_value("#requests-sort") or "time"

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

    def on_requests_table_near_end(self, message: RequestsTable.NearEnd) -> None:
        if not self._requests_exhausted:
            self.reload_requests(False)

    def _request_controls_changed(self) -> None:
        """A filter or the sort changed: reload the table, unless it is the echo of mounting or new names."""
        if self.period is None or not self._controls_mounted:
            return
        usage_filter = self.request_filter()
        key = (usage_filter.model, usage_filter.provider, usage_filter.status, self._requests_sort())
        if key != self._requests_key:
            self.reload_requests(True)

    async def _request_export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The header and every request matching the filters, in the table's order, as exact CSV cells."""
        from tui_chat.services.usage_report import REQUEST_COLUMNS, request_row

        stats, usage_filter, sort = await self._usage_stats(), self.request_filter(), self._requests_sort()
        rows: list[list[str]] = []
        cursor = None
        while True:
            page = await stats.requests(usage_filter, sort=sort, after=cursor, limit=EXPORT_PAGE_SIZE)
            rows += [request_row(row, self.zone) for row in page.rows]
            if (cursor := page.next_cursor) is None:
                return list(REQUEST_COLUMNS), rows
