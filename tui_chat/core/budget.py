"""Budget checks: warn at 80 % of a daily or monthly limit, stop (or ask) at 100 %."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext

from tui_chat.core.errors import ConfigError, StoreError

WARN_AT = Decimal("0.8")
_MOST_PERCENT = Decimal(999_999)
"""Shares above this many percent are shown as ">999,999%" rather than with every digit."""


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """How today's and this month's spending stand against the limits."""

    note: str
    warning: bool
    exceeded: bool


def budget_status(today: Decimal, month: Decimal, daily: Decimal | None, monthly: Decimal | None) -> BudgetStatus:
    """Compare spending with the limits that are set.

    Raises ConfigError for a limit that is not a finite number above zero and StoreError for
    spending that is not a finite number; a negative spending counts as none.
    """
    from tui_chat.core.pricing import format_money

    notes, warning, exceeded = [], False, False
    for label, spent, limit in (("today", today, daily), ("this month", month, monthly)):
        if limit is None:
            continue
        if not isinstance(limit, Decimal) or not limit.is_finite() or limit <= 0:
            raise ConfigError(f"The {label} budget must be a number of dollars above 0, not {limit}.")
        if not isinstance(spent, Decimal) or not spent.is_finite():
            raise StoreError(f"The spending for {label} is not a number ({spent}).")
        spent = spent if spent > 0 else Decimal(0)
        notes.append(f"{label}: {_percent(spent, limit)} of {format_money(limit)} budget")
        warning = warning or spent >= WARN_AT * limit
        exceeded = exceeded or spent >= limit
    return BudgetStatus("\n".join(notes), warning, exceeded)


def _percent(spent: Decimal, limit: Decimal) -> str:
    """The share of the limit spent, as whole percent (never an exponent, never "-0")."""
    with localcontext() as context:
        context.Emin, context.Emax = MIN_EMIN, MAX_EMAX
        share = spent * 100 / limit
    if share > _MOST_PERCENT:
        return f">{_MOST_PERCENT:,}%"
    return f"{share:.0f}%"
