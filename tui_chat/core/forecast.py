"""Where spending is heading: the burn rate of the last days, the month-end projection, the budget's run-out day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

BURN_DAYS = 7
"""The burn rate is the spend of this many days, ending now, per day."""


@dataclass(frozen=True, slots=True)
class Forecast:
    """The month so far, the rate it is growing at and where that leads by the month's end."""

    burn_per_day: Decimal
    month_to_date: Decimal
    days_left: int
    projected_month: Decimal
    monthly_budget: Decimal | None
    runs_out_on: date | None
    """The local day the monthly budget is used up at this rate; None when it lasts the month or is unset."""


def days_left_in_month(today: date) -> int:
    """Whole days after `today` until the month ends."""
    return calendar.monthrange(today.year, today.month)[1] - today.day


def forecast(
    recent_spend: Decimal, month_to_date: Decimal, today: date, monthly_budget: Decimal | None = None
) -> Forecast:
    """Project the month from the spend of the last BURN_DAYS days (`recent_spend`) and the month so far.

    Negative inputs count as nothing spent, so a projection never falls below the month so far.
    """
    burn = max(recent_spend, Decimal(0)) / BURN_DAYS
    spent = max(month_to_date, Decimal(0))
    left = days_left_in_month(today)
    projected = spent + burn * left
    runs_out = None
    if monthly_budget is not None and monthly_budget > 0:
        if spent >= monthly_budget:
            runs_out = today
        elif burn > 0:
            days = int(((monthly_budget - spent) / burn).to_integral_value(rounding=ROUND_CEILING))
            if days <= left:
                runs_out = today + timedelta(days=days)
    return Forecast(burn, spent, left, projected, monthly_budget, runs_out)


def forecast_lines(result: Forecast) -> list[str]:
    """The forecast in words, one figure a line."""
    from tui_chat.core.pricing import format_money

    lines = [
        f"burn rate (last {BURN_DAYS} days): {format_money(result.burn_per_day)} a day",
        f"this month so far: {format_money(result.month_to_date)}",
        f"projected at month end: {format_money(result.projected_month)} ({result.days_left} days left)",
    ]
    if result.monthly_budget is None:
        lines.append("monthly budget: not set")
    elif result.runs_out_on is None:
        lines.append(f"monthly budget {format_money(result.monthly_budget)}: lasts the month at this rate")
    else:
        lines.append(f"monthly budget {format_money(result.monthly_budget)}: runs out {result.runs_out_on.isoformat()}")
    return lines
