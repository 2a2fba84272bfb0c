"""Budget checks: warn at 80 % of a daily or monthly limit, stop (or ask) at 100 %."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WARN_AT = Decimal("0.8")


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """How today's and this month's spending stand against the limits."""

    note: str
    warning: bool
    exceeded: bool


def budget_status(
    today: Decimal, month: Decimal, daily: Decimal | None, monthly: Decimal | None
) -> BudgetStatus:
    """Compare spending with the limits that are set."""
    notes, warning, exceeded = [], False, False
    for label, spent, limit in (("today", today, daily), ("this month", month, monthly)):
        if limit is None:
            continue
        share = spent / limit
        percent = (share * 100).quantize(Decimal(1))
        notes.append(f"{label}: {percent}% of ${limit} budget")
        warning = warning or share >= WARN_AT
        exceeded = exceeded or share >= 1
    return BudgetStatus("\n".join(notes), warning, exceeded)
