"""How much of the spend went to thinking, by model: reasoning tokens priced as the output they are billed as."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_chat.core.models import Usage

if TYPE_CHECKING:
    from tui_chat.services.providers import ProviderRegistry
    from tui_chat.store.usage_figures import GroupTotals, UsageFilter
    from tui_chat.store.usage_stats import UsageStats

REASONING_COLUMNS = ("reasoning_tokens", "thinking_share")
"""The columns a report by model gains: reasoning tokens, and the share of the model's spend they cost."""
REASONING_HEADERS = ("Reasoning", "Thinking")
"""Those columns' headings on the usage screen."""


@dataclass(frozen=True, slots=True)
class ModelReasoning:
    """A model's reasoning over a period: its tokens and what they cost (None when unpriced)."""

    tokens: int
    cost: Decimal | None


async def reasoning_by_model(
    stats: UsageStats, usage_filter: UsageFilter, registry: ProviderRegistry
) -> dict[str, ModelReasoning]:
    """Each model's reasoning tokens and their price at its output rate, summed over its providers."""
    from tui_chat.core.pricing import price_usage
    from tui_chat.store.reasoning_stats import reasoning_tokens_by_model

    found: dict[str, ModelReasoning] = {}
    for provider, model, tokens in await reasoning_tokens_by_model(stats, usage_filter):
        price = price_usage(registry.ref(provider), model, Usage(output_tokens=tokens), registry.price_overrides)
        known = found.get(model, ModelReasoning(0, Decimal(0)))
        cost = None if known.cost is None or price.cost is None else known.cost + price.cost
        found[model] = ModelReasoning(known.tokens + tokens, cost)
    return found


def thinking_share(reasoning: ModelReasoning | None, group: GroupTotals) -> Decimal | None:
    """The share of a model's spend that went to thinking, 0 to 1 (None when it cannot be known)."""
    if reasoning is None or not reasoning.tokens:
        return Decimal(0)
    if reasoning.cost is None or not group.cost:
        return None
    return min(reasoning.cost / group.cost, Decimal(1)).quantize(Decimal("0.0001"))


def reasoning_cells(reasoning: dict[str, ModelReasoning], group: GroupTotals) -> list[str]:
    """The reasoning columns of one model's row: exact token count, share as a fraction ("" when unknown)."""
    figures = reasoning.get(group.key)
    share = thinking_share(figures, group)
    return [str(figures.tokens if figures else 0), "" if share is None else format(share, "f")]
