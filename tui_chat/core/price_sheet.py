"""A model's prices per million tokens as lines for people: input, cached input, cache write, output, tiers.

The figures come from the same place a request's cost does (a `[prices]` override, free for a local
endpoint, else genai-prices), so what `tui-chat prices MODEL` prints is what a request is charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tui_chat.core import pricing
from tui_chat.core.pricing import PriceOverride, ProviderRef

_LABELS = {
    "input_mtok": "input",
    "cache_read_mtok": "cached input",
    "cache_write_mtok": "cache write",
    "output_mtok": "output",
}
"""The token prices people ask about first, in the order they are shown; others follow by name."""


@dataclass(frozen=True, slots=True)
class PriceSheet:
    """A model's prices in dollars per million tokens, each with its label, and where they came from."""

    model: str
    source: str
    lines: tuple[tuple[str, str], ...]


def rate_text(rate: object) -> str:
    """A per-million-token rate, with its tiers when the rate changes past a number of input tokens."""
    from genai_prices.types import TieredPrices

    if isinstance(rate, TieredPrices):
        tiers = "; ".join(f"from {tier.start:,} input tokens {_dollars(tier.price)}" for tier in rate.tiers)
        return f"{_dollars(rate.base)} ({tiers})" if tiers else _dollars(rate.base)
    return _dollars(rate) if isinstance(rate, Decimal) else str(rate)


def _dollars(rate: Decimal) -> str:
    """Dollars per million tokens with as many decimals as the rate has (never an exponent)."""
    text = f"{rate.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"${int(whole):,}.{fraction.ljust(2, '0')}"


def _label(name: str) -> str:
    """A genai-prices field name (`input_audio_mtok`) as words (`input audio`)."""
    return name.removesuffix("_mtok").replace("_", " ")


def price_sheet(
    provider: ProviderRef, model: str, overrides: Mapping[str, PriceOverride], at: datetime
) -> PriceSheet | None:
    """The prices a request to `model` at `provider` would be charged at `at`, None when unpriced."""
    override = pricing.override_for(provider, model, overrides)
    if override is not None:
        cached = override.cached_input_mtok if override.cached_input_mtok is not None else override.input_mtok
        lines: tuple[tuple[str, str], ...] = (
            ("input", _dollars(override.input_mtok)),
            ("cached input", _dollars(cached)),
            ("output", _dollars(override.output_mtok)),
        )
        return PriceSheet(model, pricing.OVERRIDE_SOURCE + " ([prices] in config.toml)", lines)
    if provider.local:
        return PriceSheet(model, pricing.LOCAL_SOURCE, (("input", "$0.00"), ("output", "$0.00")))
    found = pricing.model_prices(provider, model, at)
    if found is None:
        return None
    source, prices = found
    rates = {name: rate for name, rate in vars(prices).items() if name.endswith("_mtok") and rate is not None}
    ordered = [name for name in _LABELS if name in rates] + sorted(name for name in rates if name not in _LABELS)
    return PriceSheet(
        model, source, tuple((_LABELS.get(name) or _label(name), rate_text(rates[name])) for name in ordered)
    )
