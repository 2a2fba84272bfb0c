"""Tables of the usage screen: grouped totals, and requests that load more as you scroll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui_chat.core.text import one_line
from tui_chat.widgets.usage_totals import seconds_text

if TYPE_CHECKING:
    from tui_chat.services.reasoning_usage import ModelReasoning
    from tui_chat.store.usage_stats import GroupTotals, RequestRow

GROUP_HEADERS = ("Spend", "Requests", "Input", "Cached", "Output")
REQUEST_HEADERS = (
    "Time",
    "Model",
    "Provider",
    "Status",
    "Input",
    "Cached",
    "Output",
    "Cost",
    "Latency",
    "TTFT",
    "Tries",
)
LOAD_MORE_MARGIN = 20


def literal(cells: tuple[str, ...]) -> tuple[Text, ...]:
    """Cells shown as the plain text they are: DataTable would read a str cell as Rich markup.

    Rich Text rather than Content, because DataTable sizes its columns by measuring Rich renderables.
    """
    return tuple(Text(one_line(cell)) for cell in cells)


def money_cell(cost, estimated: bool, unpriced: bool) -> str:
    """Dollars marked "≈" when estimated and "unpriced" when no price was known."""
    from tui_chat.core.pricing import format_money

    if unpriced and cost is None:
        return "unpriced"
    text = format_money(cost)
    if estimated:
        text = f"≈ {text}"
    if unpriced:
        text += " + unpriced"
    return text


def group_cells(group: GroupTotals) -> tuple[str, ...]:
    """The label and figures of one grouped row, plain text."""
    return (
        group.label or "(none)",
        money_cell(group.cost, group.estimated_requests > 0, group.unpriced_requests > 0),
        f"{group.requests:,}",
        f"{group.input_tokens:,}",
        f"{group.cached_tokens:,}",
        f"{group.output_tokens:,}",
    )


def request_cells(row: RequestRow, zone: tzinfo | None) -> tuple[str, ...]:
    """One request as plain-text cells, its time in local time."""
    moment = datetime.fromtimestamp(row.created_at_ms / 1000, tz=UTC).astimezone(zone)
    return (
        moment.strftime("%Y-%m-%d %H:%M:%S"),
        row.model,
        row.provider,
        row.status,
        f"{row.input_tokens:,}",
        f"{row.cached_tokens:,}",
        f"{row.output_tokens:,}",
        money_cell(row.cost, row.estimated, row.cost is None),
        seconds_text(row.latency_ms),
        seconds_text(row.ttft_ms),
        str(row.attempts),
    )


class GroupTable(DataTable):
    """Totals per model, provider or conversation, costliest first."""

    def show(
        self, first_header: str, groups: list[GroupTotals], reasoning: dict[str, ModelReasoning] | None = None
    ) -> None:
        """Replace the rows; each row's key is the group's key. Models also show what went to thinking."""
        from tui_chat.services.reasoning_usage import REASONING_HEADERS, reasoning_cells

        self.clear(columns=True)
        self.add_columns(first_header, *GROUP_HEADERS, *(REASONING_HEADERS if reasoning is not None else ()))
        for group in groups:
            cells = group_cells(group)
            if reasoning is not None:
                tokens, share = reasoning_cells(reasoning, group)
                cells += (f"{int(tokens):,}", f"{Decimal(share):.1%}" if share else "–")
            self.add_row(*literal(cells), key=group.key)


class RequestsTable(DataTable):
    """Individual requests; posts NearEnd when the reader nears the last loaded row."""

    @dataclass
    class NearEnd(Message):
        """More rows are wanted."""

        table: RequestsTable

    def reset(self) -> None:
        """Empty the table and set its columns."""
        self.clear(columns=True)
        self.add_columns(*REQUEST_HEADERS)

    def append(self, rows: list[RequestRow], zone: tzinfo | None) -> None:
        """Add a page of rows at the bottom."""
        for row in rows:
            self.add_row(*literal(request_cells(row, zone)), key=str(row.id))

    def _near_end(self) -> bool:
        return self.row_count > 0 and (
            self.cursor_row >= self.row_count - LOAD_MORE_MARGIN
            or self.scroll_y >= self.max_scroll_y - LOAD_MORE_MARGIN
        )

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value > old_value and self._near_end():
            self.post_message(self.NearEnd(self))

    def watch_cursor_coordinate(self, old_value, new_value) -> None:
        super().watch_cursor_coordinate(old_value, new_value)
        if new_value.row > old_value.row and self._near_end():
            self.post_message(self.NearEnd(self))
