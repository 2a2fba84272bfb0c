"""A conversation's own spending limit beside the daily and monthly ones: warn at 80 %, stop (or ask) at 100 %."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tui_chat.core.budget import WARN_AT, BudgetStatus

MOST_BUDGET = Decimal(10) ** 9
"""The largest per-conversation budget accepted, in dollars: anything above is a typing slip."""


def conversation_status(spent: Decimal, limit: Decimal | None) -> BudgetStatus:
    """How a conversation's spending stands against its own limit; no note when it has none."""
    from tui_chat.core.pricing import format_money

    if limit is None or limit <= 0:
        return BudgetStatus("", False, False)
    spent = spent if spent > 0 else Decimal(0)
    share = min(spent / limit, Decimal(9999))
    note = f"this conversation: {share:.0%} of {format_money(limit)} budget"
    return BudgetStatus(note, spent >= WARN_AT * limit, spent >= limit)


def combined(first: BudgetStatus, second: BudgetStatus) -> BudgetStatus:
    """Two budget states as one: both notes, warned or exceeded when either is."""
    note = "\n".join(part for part in (first.note, second.note) if part)
    return BudgetStatus(note, first.warning or second.warning, first.exceeded or second.exceeded)


def parse_budget(text: str) -> Decimal | None:
    """A budget typed in dollars ("$2.50", "2.5"), None when empty; ValueError with a readable message otherwise."""
    typed = text.strip().removeprefix("$").replace(",", "").replace("_", "").strip()
    if not typed:
        return None
    try:
        value = Decimal(typed)
    except InvalidOperation:
        raise ValueError(f"Budget must be a number of dollars, not '{text.strip()}'.") from None
    if not value.is_finite() or value <= 0:
        raise ValueError("Budget must be a number of dollars above 0 (empty for none).")
    if value > MOST_BUDGET:
        raise ValueError(f"Budget must be at most ${MOST_BUDGET:,}.")
    if value != value.quantize(Decimal("1e-6")):
        raise ValueError("Budget can have at most six decimals.")
    return value
