"""`tui-chat usage`: spending by day, model, provider or conversation as a Rich table, JSON or CSV.

The numbers come from services.usage_report, the same queries the usage screen runs; only the
table, which is Rich's, is drawn here (the headless layers never import Rich).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices
    from tui_chat.services.usage_report import UsageReport

FORMATS = ("table", "json", "csv")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `usage` and its options on the main parser's subcommands."""
    parser = commands.add_parser(
        "usage",
        help="spending by day, model, provider or conversation",
        description="Spending from the usage history, as a table, JSON or CSV; money is exact.",
    )
    parser.add_argument("--since", metavar="DATE", help="first local day, YYYY-MM-DD (default: the first request)")
    parser.add_argument("--until", metavar="DATE", help="last local day, inclusive, YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--by",
        choices=("day", "model", "provider", "conversation"),
        default="day",
        help="how to group the rows (default: day)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="table for people, json or csv for scripts")
    from tui_chat.cli.cost import add_cost_options

    add_cost_options(parser)


def run_usage(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the report the arguments ask for and return the exit status."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.services.usage_report import period_from_options

    out = out or sys.stdout
    try:
        period = period_from_options(args.since, args.until, date.today())
    except ValueError as exc:
        return output.fail(str(exc), output.USAGE)
    if getattr(args, "forecast", False) or getattr(args, "as_model", None):
        from tui_chat.cli.cost import run_cost

        return run_cost(services, args, period, out)
    try:
        report = asyncio.run(_report(services, period, args.by))
    except TuiChatError as exc:
        return output.fail(exc)
    if args.format == "json":
        out.write(report.to_json() + "\n")
    elif args.format == "csv":
        out.write(report.to_csv())
    else:
        print_table(report, out)
    return output.OK


async def _report(services: AppServices, period, by: str) -> UsageReport:
    """Build the report, closing the database afterwards."""
    from tui_chat.services.usage_report import build_report, open_usage_stats

    try:
        return await build_report(await open_usage_stats(services), period, by, registry=services.registry)
    finally:
        await services.aclose()


def print_table(report: UsageReport, out: TextIO) -> None:
    """The report as a Rich table with a totals line; names are plain text, never markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tui_chat.core.pricing import format_money

    totals = report.totals
    table = Table(title=Text(f"Usage, {report.period.label}"), show_footer=True)
    footer = {"cost_usd": format_money(totals.cost), "requests": f"{totals.requests:,}"}
    for name in report.header():
        numeric = name not in ("day", "model", "provider", "conversation", "title")
        table.add_column(
            Text(name),
            footer=Text(footer.get(name, "total" if name == report.by else "")),
            justify="right" if numeric else "left",
        )
    for group, row in zip(report.groups, report.rows()):
        cells = list(row)
        money_index = report.header().index("cost_usd")
        cells[money_index] = format_money(group.cost) + (" + unpriced" if group.unpriced_requests else "")
        if group.estimated_requests:
            cells[money_index] = "≈ " + cells[money_index]
        if report.reasoning is not None:
            cells[-1] = share_text(cells[-1])
        table.add_row(*(Text(cell) for cell in cells))
    console = Console(file=out, highlight=False, soft_wrap=False)
    console.print(table)
    rate = totals.success_rate
    console.print(
        Text(
            f"{totals.requests:,} requests · success {'–' if rate is None else f'{rate:.1%}'} · "
            f"retries {totals.retries:,} · latency p50 {_ms(totals.median_latency_ms)} "
            f"p95 {_ms(totals.p95_latency_ms)} · first token p50 {_ms(totals.median_ttft_ms)}"
        )
    )


def share_text(fraction: str) -> str:
    """A share from 0 to 1 as a percentage for people, "–" when unknown."""
    from decimal import Decimal

    return f"{Decimal(fraction):.1%}" if fraction else "–"


def _ms(value: int | None) -> str:
    """Milliseconds as seconds for people, "–" when unknown."""
    return "–" if value is None else f"{value / 1000:.2f} s"
