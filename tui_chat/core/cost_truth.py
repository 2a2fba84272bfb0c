"""Which cost a reply shows: the provider's reported charge when it sent one, else our own price, and whether they agree.

A reply whose reported and computed costs differ by more than MISMATCH_SHARE is flagged, so a
wrong price table (ours or the provider's) is seen rather than hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.core.models import UsageRecord
    from tui_chat.core.pricing import Price

MISMATCH_SHARE = Decimal("0.01")
"""Reported and computed costs further apart than this share of the computed one are flagged."""

KIND_GENAI = "genai-prices"
KIND_OVERRIDE = "override"
KIND_LOCAL = "local"
KIND_REPORTED = "reported"
KIND_UNPRICED = "unpriced"


@dataclass(frozen=True, slots=True)
class SettledCost:
    """The cost to record for a request and where it came from."""

    cost: Decimal | None
    source: str
    kind: str
    computed: Decimal | None
    prices_version: str


def price_kind(price: Price) -> str:
    """The kind of source a computed price came from."""
    from tui_chat.core.pricing import LOCAL_SOURCE, OVERRIDE_SOURCE, UNPRICED_SOURCE

    return {OVERRIDE_SOURCE: KIND_OVERRIDE, LOCAL_SOURCE: KIND_LOCAL, UNPRICED_SOURCE: KIND_UNPRICED}.get(
        price.source, KIND_GENAI
    )


def settle(price: Price, reported: Decimal | None, provider: str) -> SettledCost:
    """The provider's reported cost when there is one (ours kept beside it), else ours."""
    from tui_chat.core.pricing import prices_version

    kind = price_kind(price)
    version = prices_version() if kind == KIND_GENAI else ""
    if reported is None or kind == KIND_LOCAL:
        return SettledCost(price.cost, price.source, kind, price.cost, version)
    return SettledCost(reported, f"reported by {provider}; computed {price.source}", KIND_REPORTED, price.cost, version)


def mismatch(reported: Decimal | None, computed: Decimal | None) -> Decimal | None:
    """The share by which a reported cost differs from ours when it is more than MISMATCH_SHARE, else None."""
    if reported is None or computed is None:
        return None
    if computed == 0:
        return None if reported == 0 else Decimal(1)
    share = abs(reported - computed) / computed
    return share if share > MISMATCH_SHARE else None


def record_mismatch(record: UsageRecord) -> Decimal | None:
    """The flagged difference of one usage row, None when it has no report or the two agree."""
    if record.price_kind != KIND_REPORTED:
        return None
    return mismatch(record.cost, record.computed_cost)


def cost_line(record: UsageRecord) -> str:
    """A reply's cost for people: the figure, "(reported)" when the provider's, and a flag on a mismatch."""
    from tui_chat.core.pricing import format_money

    text = format_money(record.cost)
    if record.price_kind != KIND_REPORTED:
        return text
    share = record_mismatch(record)
    if share is None:
        return f"{text} (reported)"
    return f"{text} (reported) ⚠ ours {format_money(record.computed_cost)}, {share:.1%} apart"
