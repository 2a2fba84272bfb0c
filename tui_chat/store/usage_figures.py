"""The filter usage queries take and the small values they return; nothing here touches the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from tui_chat.store.usage_rollups import Piece, cover, usable_widths

PICO = Decimal("1e-12")


def dollars(picodollars: int | None) -> Decimal | None:
    """Exact dollars from whole picodollars."""
    if picodollars is None:
        return None
    return (Decimal(picodollars) * PICO).normalize() if picodollars else Decimal(0)


@dataclass(frozen=True, slots=True)
class UsageFilter:
    """Which usage rows a figure covers: a UTC millisecond range [start, end) and optional equalities."""

    start_ms: int | None = None
    end_ms: int | None = None
    model: str | None = None
    provider: str | None = None
    status: str | None = None

    def where(self) -> tuple[str, list[object]]:
        """The WHERE clause over `usage` (empty or starting with " WHERE") and its parameters."""
        clauses: list[str] = []
        params: list[object] = []
        for sql, value in (
            ("created_at >= ?", self.start_ms),
            ("created_at < ?", self.end_ms),
            ("model = ?", self.model),
            ("provider = ?", self.provider),
            ("status = ?", self.status),
        ):
            if value is not None:
                clauses.append(sql)
                params.append(value)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params

    def equalities(self) -> dict[str, object]:
        """The column equalities besides the time range."""
        return {"model": self.model, "provider": self.provider, "status": self.status}

    def pieces(self, instants: tuple[int, ...] = ()) -> list[Piece]:
        """The tables and sub-ranges that sum to the filter's figures exactly.

        A bucket holds rows of one model and provider but any status, so a status reads `usage`;
        `instants` (for grouping by day: the offsets and the instants they change) rule out the
        tables whose buckets would straddle one.
        """
        if self.status is not None:
            return [Piece("usage", self.start_ms, self.end_ms)]
        return cover(self.start_ms, self.end_ms, usable_widths(instants))


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """Summed spend and tokens of one group (a day, model, provider or conversation)."""

    key: str
    label: str
    cost: Decimal
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    unpriced_requests: int
    estimated_requests: int


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    """The headline figures of a period."""

    cost: Decimal
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    unpriced_requests: int
    estimated_requests: int
    succeeded: int
    retries: int
    median_latency_ms: int | None = None
    p95_latency_ms: int | None = None
    median_ttft_ms: int | None = None

    @property
    def success_rate(self) -> float | None:
        """The share of requests that completed, None with no requests."""
        return self.succeeded / self.requests if self.requests else None


@dataclass(frozen=True, slots=True)
class DailyModelSpend:
    """Spend of one model on one local day."""

    day: date
    model: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One usage row as the requests table shows it."""

    id: int
    created_at_ms: int
    conversation_id: int | None
    provider: str
    model: str
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost: Decimal | None
    estimated: bool
    status: str
    attempts: int
    latency_ms: int | None
    ttft_ms: int | None
    sort_value: object = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RequestPage:
    """One page of requests and the cursor to fetch the next one (None at the end)."""

    rows: list[RequestRow]
    next_cursor: tuple[object, int] | None


class SummedFigures(TypedDict):
    """The seven summed figures by the field names GroupTotals and PeriodTotals share."""

    cost: Decimal
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    unpriced_requests: int
    estimated_requests: int


def summed_figures(row: Sequence[Any]) -> SummedFigures:
    """The seven summed figures (GROUP_FIGURES, in result order) by the field names both totals use."""
    return SummedFigures(
        cost=dollars(row[0]) or Decimal(0),
        requests=row[1],
        input_tokens=row[2],
        cached_tokens=row[3],
        output_tokens=row[4],
        unpriced_requests=row[5],
        estimated_requests=row[6],
    )


def group_from_row(key: object, label: str, row: Sequence[Any]) -> GroupTotals:
    """A group's totals from its key, label and the seven summed figures in result order."""
    return GroupTotals(key="" if key is None else str(key), label=label, **summed_figures(row))
