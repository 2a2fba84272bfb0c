"""What the usage screen shows of comparisons in a period: each model's picks, and the comparisons' requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from tui_chat.store.comparisons import ComparisonRequest, ComparisonStore, PickedCount

if TYPE_CHECKING:
    from tui_chat.core.periods import Period
    from tui_chat.services.container import AppServices


@dataclass(frozen=True, slots=True)
class ComparisonUsage:
    """Per model how often it was compared and picked, and the comparison requests, newest first."""

    picks: list[PickedCount]
    requests: list[ComparisonRequest]


async def comparison_usage(services: AppServices, period: Period, zone: tzinfo | None = None) -> ComparisonUsage:
    """The comparisons of a period's local days."""
    store = ComparisonStore((await services.repository()).database)
    start_ms, end_ms = period.bounds(zone)
    return ComparisonUsage(await store.picked_counts(start_ms, end_ms), await store.requests(start_ms, end_ms))
