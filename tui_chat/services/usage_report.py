"""The numbers behind `tui-chat usage` and the usage screen's export, as rows, JSON and CSV.

Money leaves here as exact decimal strings ("0.001234"), never floats; unpriced requests are
counted separately so a total is never silently short.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tui_chat.core.periods import Period, PeriodKind, parse_day, period_for

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices
    from tui_chat.services.providers import ProviderRegistry
    from tui_chat.services.reasoning_usage import ModelReasoning
    from tui_chat.store.usage_stats import (
        DailyModelSpend,
        GroupTotals,
        PeriodTotals,
        RequestRow,
        UsageFilter,
        UsageStats,
    )

Result = TypeVar("Result")
GROUP_COLUMNS = (
    "cost_usd",
    "requests",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "unpriced_requests",
    "estimated_requests",
)


def money_text(cost: Decimal | None) -> str:
    """An exact dollar amount in plain positional notation ("0.001234"), or "" when unpriced."""
    return "" if cost is None else format(cost, "f")


REQUEST_COLUMNS = (
    "time",
    "conversation_id",
    "model",
    "provider",
    "status",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "cost_usd",
    "estimated",
    "latency_ms",
    "ttft_ms",
    "attempts",
)


def group_header(by: str) -> list[str]:
    """Column names of rows grouped by day, model, provider or conversation."""
    return [by, *(["title"] if by == "conversation" else []), *GROUP_COLUMNS]


def group_rows(by: str, groups: list[GroupTotals]) -> list[list[str]]:
    """Grouped rows as exact text cells: plain counts, money as a decimal, unpriced and estimated counted apart."""
    return [
        [
            group.key,
            *([group.label] if by == "conversation" else []),
            money_text(group.cost),
            str(group.requests),
            str(group.input_tokens),
            str(group.cached_tokens),
            str(group.output_tokens),
            str(group.unpriced_requests),
            str(group.estimated_requests),
        ]
        for group in groups
    ]


def request_row(row: RequestRow, zone: tzinfo | None) -> list[str]:
    """One request as exact text cells: ISO time with its offset, plain counts, cost empty when unpriced."""
    from datetime import datetime

    moment = datetime.fromtimestamp(row.created_at_ms / 1000, tz=UTC).astimezone(zone)
    optional = ("" if value is None else str(value) for value in (row.latency_ms, row.ttft_ms))
    return [
        moment.isoformat(timespec="seconds"),
        "" if row.conversation_id is None else str(row.conversation_id),
        row.model,
        row.provider,
        row.status,
        str(row.input_tokens),
        str(row.cached_tokens),
        str(row.output_tokens),
        money_text(row.cost),
        "true" if row.estimated else "false",
        *optional,
        str(row.attempts),
    ]


@dataclass(frozen=True, slots=True)
class UsageReport:
    """A period's totals and its rows grouped one way."""

    period: Period
    by: str
    totals: PeriodTotals
    groups: list[GroupTotals]
    reasoning: dict[str, ModelReasoning] | None = None
    """Reasoning tokens and their cost by model, for a report by model (services/reasoning_usage.py)."""

    def header(self) -> list[str]:
        """Column names of the grouped rows."""
        from tui_chat.services.reasoning_usage import REASONING_COLUMNS

        return group_header(self.by) + (list(REASONING_COLUMNS) if self.reasoning is not None else [])

    def rows(self) -> list[list[str]]:
        """The grouped rows as exact text cells."""
        from tui_chat.services.reasoning_usage import reasoning_cells

        rows = group_rows(self.by, self.groups)
        if self.reasoning is not None:
            rows = [row + reasoning_cells(self.reasoning, group) for row, group in zip(rows, self.groups, strict=True)]
        return rows

    def totals_dict(self) -> dict[str, object]:
        """The headline figures with money as an exact string."""
        totals = self.totals
        rate = totals.success_rate
        return {
            "cost_usd": money_text(totals.cost),
            "requests": totals.requests,
            "input_tokens": totals.input_tokens,
            "cached_tokens": totals.cached_tokens,
            "output_tokens": totals.output_tokens,
            "unpriced_requests": totals.unpriced_requests,
            "estimated_requests": totals.estimated_requests,
            "success_rate": None if rate is None else round(rate, 4),
            "retries": totals.retries,
            "median_latency_ms": totals.median_latency_ms,
            "p95_latency_ms": totals.p95_latency_ms,
            "median_ttft_ms": totals.median_ttft_ms,
        }

    def to_json(self) -> str:
        """The report as a JSON document for scripts."""
        period = self.period
        document = {
            "period": {
                "kind": period.kind.value,
                "first_day": period.first_day.isoformat() if period.first_day else None,
                "last_day": period.last_day.isoformat() if period.last_day else None,
            },
            "by": self.by,
            "totals": self.totals_dict(),
            "rows": [dict(zip(self.header(), row)) for row in self._typed_rows()],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    def _typed_rows(self) -> list[list[object]]:
        """Rows with counts as numbers and money as strings."""
        text_columns = 2 if self.by == "conversation" else 1
        counted = text_columns + len(GROUP_COLUMNS) + (1 if self.reasoning is not None else 0)
        return [
            [
                *row[:text_columns],
                row[text_columns],
                *(int(cell) for cell in row[text_columns + 1 : counted]),
                *(cell or None for cell in row[counted:]),
            ]
            for row in self.rows()
        ]

    def to_csv(self) -> str:
        """The grouped rows as CSV with a header line."""
        return rows_to_csv(self.header(), self.rows())


def rows_to_csv(header: list[str], rows: list[list[str]]) -> str:
    """CSV text for a header and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


async def open_usage_stats(services: AppServices) -> UsageStats:
    """Usage queries over the app's database, opening it if needed."""
    from tui_chat.store.usage_stats import UsageStats

    repository = await services.repository()
    return UsageStats(repository.database)


async def read_usage(services: AppServices, job: Callable[[UsageStats], Coroutine[Any, Any, Result]]) -> Result:
    """Run a batch of usage queries off the event loop (store/usage_reader.py), opening the database if needed."""
    from tui_chat.store.usage_reader import read_usage as read_database

    repository = await services.repository()
    return await read_database(repository.database, job)


def start_reading_usage(
    services: AppServices, job: Callable[[UsageStats], Coroutine[Any, Any, Result]]
) -> Future[Result] | None:
    """Start a batch of usage queries on the database file in a thread now; None for an in-memory database.

    The future fails with SchemaNotCurrent when the file is missing or not yet migrated; then
    `read_usage` (which opens and migrates it) is the way.
    """
    from tui_chat.store.usage_reader import start_reading

    return None if services.database_path is None else start_reading(services.database_path, job)


def period_from_options(since: str | None, until: str | None, today: date) -> Period:
    """The period `--since`/`--until` ask for: all history when neither is given."""
    if since is None and until is None:
        return period_for(PeriodKind.ALL, today)
    return period_for(
        PeriodKind.CUSTOM,
        today,
        since=parse_day(since) if since else None,
        until=parse_day(until) if until else None,
    )


def filter_for(period: Period, zone: tzinfo | None = None, **equalities: str | None) -> UsageFilter:
    """The usage filter of a period's local days plus model/provider/status equalities."""
    from tui_chat.store.usage_stats import UsageFilter

    start_ms, end_ms = period.bounds(zone)
    return UsageFilter(start_ms=start_ms, end_ms=end_ms, **equalities)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """What the usage screen's first paint shows: totals, daily spend per model, models and providers."""

    period: Period
    totals: PeriodTotals
    daily: list[DailyModelSpend]
    groups: dict[str, list[GroupTotals]]
    reasoning: dict[str, ModelReasoning] | None = None
    """Reasoning tokens and their cost by model (when a registry was given to price them)."""
    answer_p50_ms: int | None = None
    """The median time to the first answer token of the requests that reasoned."""


def period_figures(
    period: Period, zone: tzinfo | None = None, registry: ProviderRegistry | None = None
) -> Callable[[UsageStats], Coroutine[Any, Any, PeriodFigures]]:
    """The queries behind a period's first paint on the usage screen, as a job for `read_usage`."""
    usage_filter = filter_for(period, zone)

    async def query(stats: UsageStats) -> PeriodFigures:
        from tui_chat.services.reasoning_usage import reasoning_by_model
        from tui_chat.store.reasoning_stats import median_answer_ms

        return PeriodFigures(
            period=period,
            totals=await stats.totals(usage_filter),
            daily=await stats.daily_by_model(usage_filter, zone),
            groups={
                "model": await stats.grouped(usage_filter, "model"),
                "provider": await stats.grouped(usage_filter, "provider"),
            },
            reasoning=None if registry is None else await reasoning_by_model(stats, usage_filter, registry),
            answer_p50_ms=await median_answer_ms(stats, usage_filter),
        )

    return query


async def build_report(
    stats: UsageStats, period: Period, by: str, zone: tzinfo | None = None, registry: ProviderRegistry | None = None
) -> UsageReport:
    """The totals of a period and its rows grouped by day, model, provider or conversation.

    By model, with the `registry` to price them, the rows also say how much went to thinking.
    """
    usage_filter = filter_for(period, zone)
    totals = await stats.totals(usage_filter)
    groups = await stats.grouped(usage_filter, by, zone)
    reasoning = None
    if by == "model" and registry is not None:
        from tui_chat.services.reasoning_usage import reasoning_by_model

        reasoning = await reasoning_by_model(stats, usage_filter, registry)
    return UsageReport(period, by, totals, groups, reasoning)


async def write_export(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    """Write rows as CSV to a new file readable only by its owner, off the event loop."""
    import asyncio

    return await asyncio.to_thread(_write_private, folder, name, rows_to_csv(header, rows))


def _write_private(folder: Path, name: str, text: str) -> Path:
    """Create `folder/name` with mode 0600 and write `text` to it."""
    import os

    from tui_chat.paths import ensure_private_dir

    path = ensure_private_dir(folder) / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path
