"""The usage screen's comparisons tab: how often each model was picked, and the requests comparisons made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from tui_chat.core.text import one_line

if TYPE_CHECKING:
    from tui_chat.services.compare_usage import ComparisonUsage

PICK_HEADERS = ("model", "provider", "compared", "picked", "pick rate")
REQUEST_HEADERS = ("time", "comparison", "model", "status", "TTFT", "tokens in", "tokens out", "cost", "picked")


class ComparisonsTab(Vertical):
    """Loads its figures each time it is shown, through `load` (the screen's period applied there)."""

    DEFAULT_CSS = """
    ComparisonsTab { height: 1fr; }
    ComparisonsTab .comparisons-heading { text-style: bold; padding: 0 1; height: 1; }
    ComparisonsTab #comparison-picks { height: auto; max-height: 10; }
    ComparisonsTab #comparison-requests { height: 1fr; }
    """

    def __init__(self, load: Callable[[], Awaitable[ComparisonUsage]], zone: tzinfo | None = None, **options) -> None:
        super().__init__(**options)
        self.load = load
        self.zone = zone

    def compose(self) -> ComposeResult:
        yield Static(Content("Picked in comparisons"), classes="comparisons-heading")
        yield DataTable(id="comparison-picks", cursor_type="row")
        yield Static(Content("Requests made by comparisons"), classes="comparisons-heading")
        yield DataTable(id="comparison-requests", cursor_type="row")

    def on_show(self) -> None:
        self.reload()

    @work(exclusive=True, group="usage-comparisons", exit_on_error=False)
    async def reload(self) -> None:
        """Show the figures of the screen's period as they are now."""
        self.show_usage(await self.load())

    def show_usage(self, usage: ComparisonUsage) -> None:
        from tui_chat.core.pricing import format_money  # prices load when this tab is first shown

        picks = self.query_one("#comparison-picks", DataTable)
        picks.clear(columns=True)
        picks.add_columns(*PICK_HEADERS)
        for count in usage.picks:
            rate = f"{count.picked / count.compared:.0%}" if count.compared else "–"
            cells = (count.model, count.provider, f"{count.compared:,}", f"{count.picked:,}", rate)
            picks.add_row(*(Content(one_line(cell)) for cell in cells))
        requests = self.query_one("#comparison-requests", DataTable)
        requests.clear(columns=True)
        requests.add_columns(*REQUEST_HEADERS)
        for row in usage.requests:
            request_cells = (
                row.created_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M"),
                f"#{row.comparison_id}",
                f"{row.provider}/{row.model}",
                row.status,
                "–" if row.ttft_ms is None else f"{row.ttft_ms / 1000:.2f} s",
                f"{row.input_tokens:,}",
                f"{row.output_tokens:,}",
                format_money(row.cost),
                "✓" if row.picked else "",
            )
            requests.add_row(*(Content(one_line(cell)) for cell in request_cells))
