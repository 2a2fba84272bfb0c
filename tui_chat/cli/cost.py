"""`tui-chat usage --forecast` and `--as-model MODEL`: where spending is heading and what another model would have cost."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TYPE_CHECKING, Any, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.core.periods import Period
    from tui_chat.services.container import AppServices


def add_cost_options(parser: argparse.ArgumentParser) -> None:
    """The forecast and what-if options of `usage`."""
    parser.add_argument(
        "--forecast",
        action="store_true",
        help="burn rate (last 7 days), projected month-end spend, the day the monthly budget runs out, cache savings",
    )
    parser.add_argument(
        "--as-model",
        metavar="MODEL",
        help="what the period's recorded tokens would have cost at MODEL's prices (--provider picks whose)",
    )
    parser.add_argument("--conversation", metavar="ID", type=int, help="with --as-model: only this conversation")
    parser.add_argument("--of-model", metavar="MODEL", help="with --as-model: only requests that went to this model")


def run_cost(services: AppServices, args: argparse.Namespace, period: Period, out: TextIO) -> int:
    """Print the forecast and/or the what-if the arguments ask for, as text or JSON."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.what_if import NoPrice

    if args.format == "csv":
        return output.fail("--forecast and --as-model print a table or JSON, not CSV.", output.USAGE)
    try:
        document, lines = asyncio.run(_figures(services, args, period))
    except NoPrice as exc:
        return output.fail(str(exc), output.USAGE)
    except TuiChatError as exc:
        return output.fail(exc)
    if args.format == "json":
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        out.write("".join(f"{line}\n" for line in lines))
    return output.OK


async def _figures(services: AppServices, args: argparse.Namespace, period: Period) -> tuple[dict[str, Any], list[str]]:
    """The figures as a JSON-ready document (exact money as strings) and as lines for people."""
    from tui_chat.core.forecast import forecast_lines
    from tui_chat.core.text import show_controls
    from tui_chat.core.what_if import what_if_lines
    from tui_chat.services.cost_report import cache_report, forecast_now, what_if
    from tui_chat.store.cost_queries import CostQueries

    document: dict[str, Any] = {}
    lines: list[str] = []
    try:
        repository = await services.repository()
        if args.forecast:
            result = await forecast_now(repository, services.settings.budget.monthly)
            queries = CostQueries(repository.database)
            cache = cache_report(services.registry, await queries.model_groups(*_month_bounds()))
            document["forecast"] = {
                "burn_per_day_usd": _money(result.burn_per_day),
                "month_to_date_usd": _money(result.month_to_date),
                "projected_month_usd": _money(result.projected_month),
                "days_left": result.days_left,
                "monthly_budget_usd": _money(result.monthly_budget),
                "budget_runs_out_on": result.runs_out_on.isoformat() if result.runs_out_on else None,
                "cache_share": round(cache.share, 6),
                "cache_saved_usd": _money(cache.saved),
            }
            lines += ["Forecast", *(f"  {line}" for line in forecast_lines(result)), f"  {cache.line()} this month"]
        if args.as_model:
            result_if = await what_if(
                services,
                args.as_model,
                period.bounds(),
                provider=args.provider,
                conversation_id=args.conversation,
                model=args.of_model,
            )
            document["what_if"] = {
                "model": result_if.model,
                "price_source": result_if.source,
                "repriced_usd": _money(result_if.repriced),
                "recorded_usd": _money(result_if.actual),
                "requests": result_if.requests,
                "unpriced_requests_by_model": result_if.unpriced,
            }
            lines += [f"What if, {period.label}", *(f"  {line}" for line in what_if_lines(result_if))]
    finally:
        await services.aclose()
    return document, [show_controls(line).replace("\n", " ") for line in lines]


def _month_bounds() -> tuple[int, None]:
    """The start of this local month in epoch milliseconds, open-ended."""
    from datetime import datetime

    now = datetime.now().astimezone()
    return int(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000), None


def _money(value: Any) -> str | None:
    """Exact dollars as a plain decimal string, None when absent."""
    return None if value is None else format(value, "f")
