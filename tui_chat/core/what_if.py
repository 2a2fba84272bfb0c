"""Recorded token counts repriced at another model's prices, and what the prompt cache saved.

A price without tiers is linear in every token count, so a group of requests is priced once from
its summed counts; a tiered price changes with a request's input size, so requests are summed per
tier and each tier is priced at the rates of a request inside it. Either way the result equals
pricing each row alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tui_chat.core import pricing
from tui_chat.core.models import Usage
from tui_chat.core.pricing import PriceOverride, ProviderRef


@dataclass(frozen=True, slots=True)
class ModelGroup:
    """The requests of one provider and model in a period: their count, recorded cost and summed tokens."""

    provider: str
    model: str
    requests: int
    cost: Decimal
    unpriced: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int
    """Cached and reasoning tokens are parts of input and output: stored clamped to them, as they are priced."""


@dataclass(frozen=True, slots=True)
class WhatIf:
    """A period's recorded cost beside what the same tokens would have cost at another model's prices."""

    model: str
    source: str
    repriced: Decimal
    actual: Decimal
    requests: int
    unpriced: dict[str, int] = field(default_factory=dict)
    """Requests with no recorded price, by model: the actual total leaves them out."""


class NoPrice(LookupError):
    """The model asked about has no known price, so nothing can be repriced at it."""


def tier_starts(
    provider: ProviderRef, model: str, overrides: Mapping[str, PriceOverride], at: datetime
) -> tuple[int, ...]:
    """The input sizes past which the model's price changes (genai-prices' tiers), empty for a price without tiers."""
    from genai_prices.types import TieredPrices

    if pricing.override_for(provider, model, overrides) is not None or provider.local:
        return ()
    found = pricing.model_prices(provider, model, at)
    if found is None:
        return ()
    rates = vars(found[1]).values()
    return tuple(sorted({tier.start for rate in rates if isinstance(rate, TieredPrices) for tier in rate.tiers}))


def _rates(
    provider: ProviderRef, model: str, overrides: Mapping[str, PriceOverride], at: datetime, size: int
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Dollars per uncached input, cached input, plain output and reasoning token for a request of `size` input tokens."""

    def cost(output: int = 0, cached: int = 0, reasoning: int = 0) -> Decimal:
        usage = Usage(input_tokens=size, output_tokens=output, cached_tokens=cached, reasoning_tokens=reasoning)
        return price_or_fail(provider, model, usage, overrides, at).cost or Decimal(0)

    base = cost()
    per_input = base / size if size else Decimal(0)
    per_cached = cost(cached=size) / size if size else Decimal(0)
    per_output = cost(output=1) - base
    per_reasoning = cost(output=1, reasoning=1) - base
    return per_input, per_cached, per_output, per_reasoning


def _tiered_cost(
    provider: ProviderRef,
    model: str,
    starts: tuple[int, ...],
    tiers: Iterable[tuple[int, Usage]],
    overrides: Mapping[str, PriceOverride],
    at: datetime,
) -> Decimal:
    """The cost of requests summed per tier: linear within a tier, at the rates of a request inside it."""
    total = Decimal(0)
    for tier, usage in tiers:
        size = starts[tier - 1] + 1 if tier else min(1, starts[0])
        per_input, per_cached, per_output, per_reasoning = _rates(provider, model, overrides, at, size)
        cached, reasoning = usage.cached_tokens, usage.reasoning_tokens
        total += (
            per_input * (usage.input_tokens - cached)
            + per_cached * cached
            + per_output * (usage.output_tokens - reasoning)
            + per_reasoning * reasoning
        )
    return total


def price_or_fail(
    provider: ProviderRef, model: str, usage: Usage, overrides: Mapping[str, PriceOverride], at: datetime
) -> pricing.Price:
    """The price of `usage` at the model; NoPrice when the model has none."""
    price = pricing.price_usage(provider, model, usage, overrides, at=at)
    if price.cost is None:
        raise NoPrice(f"No price is known for {model!r}: genai-prices does not list it and [prices] has no entry.")
    return price


def reprice(
    provider: ProviderRef,
    model: str,
    groups: Iterable[ModelGroup],
    tiers: Iterable[tuple[int, Usage]] | None,
    overrides: Mapping[str, PriceOverride],
    at: datetime,
) -> WhatIf:
    """What `groups` would have cost at `model`'s prices; for a tiered price, `tiers` holds the tokens summed per tier.

    Raises NoPrice when the model has no price, and ValueError when it is tiered and `tiers` is None.
    """
    groups = list(groups)
    totals = Usage(
        input_tokens=sum(group.input_tokens for group in groups),
        cached_tokens=sum(group.cached_tokens for group in groups),
        output_tokens=sum(group.output_tokens for group in groups),
        reasoning_tokens=sum(group.reasoning_tokens for group in groups),
    )
    price = price_or_fail(provider, model, totals, overrides, at)
    starts = tier_starts(provider, model, overrides, at)
    if not starts:
        repriced = price.cost or Decimal(0)
    elif tiers is None:
        raise ValueError("a tiered price needs the tokens summed per tier")
    else:
        repriced = _tiered_cost(provider, model, starts, tiers, overrides, at)
    unpriced: dict[str, int] = {}
    for group in groups:
        if group.unpriced:
            unpriced[group.model] = unpriced.get(group.model, 0) + group.unpriced
    return WhatIf(
        model=model,
        source=price.source,
        repriced=repriced,
        actual=sum((group.cost for group in groups), Decimal(0)),
        requests=sum(group.requests for group in groups),
        unpriced=unpriced,
    )


def cache_savings(
    provider: ProviderRef, model: str, input_tokens: int, cached_tokens: int, overrides: Mapping[str, PriceOverride]
) -> Decimal | None:
    """Dollars the cached input tokens saved against paying the full input price for them; None when unpriced.

    Never negative: a cache priced above plain input (no provider does this) counts as no saving.
    """
    cached = min(max(cached_tokens, 0), max(input_tokens, 0))
    if not cached:
        return Decimal(0)
    full = pricing.price_usage(provider, model, Usage(input_tokens=input_tokens), overrides)
    with_cache = pricing.price_usage(provider, model, Usage(input_tokens=input_tokens, cached_tokens=cached), overrides)
    if full.cost is None or with_cache.cost is None:
        return None
    return max(full.cost - with_cache.cost, Decimal(0))


def cache_savings_total(
    provider: ProviderRef, model: str, cached_tokens: int, overrides: Mapping[str, PriceOverride]
) -> Decimal | None:
    """What many requests' cached tokens saved, at the model's first-tier rates (exact for a price without tiers)."""
    per_token = cache_savings(provider, model, 1, 1, overrides)
    return None if per_token is None else per_token * max(cached_tokens, 0)


def what_if_lines(result: WhatIf) -> list[str]:
    """The what-if in words: the repriced total, the recorded one and the requests the recorded one leaves out."""
    from tui_chat.core.pricing import format_money

    lines = [
        f"on {result.model}: {format_money(result.repriced)} (prices: {result.source})",
        f"recorded: {format_money(result.actual)} over {result.requests:,} requests",
    ]
    if result.unpriced:
        named = ", ".join(f"{model} ({count:,})" for model, count in sorted(result.unpriced.items()))
        lines.append(f"not in the recorded total, no price was known: {named}")
    return lines
