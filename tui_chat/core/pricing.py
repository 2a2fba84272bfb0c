"""Costs, prices and context windows from genai-prices' bundled data, in exact Decimal dollars.

Only the data snapshot shipped inside the genai-prices package is read; its background
updater is never started, so pricing works offline and is reproducible.  A request is matched
to a genai-prices provider by its base URL (each provider's ``api_pattern``), then by the
provider's name, then by genai-prices' guess from the model name.  A provider recognised by
its URL is authoritative: a model it does not list is unpriced rather than priced as some
other provider's model of a similar name.

OpenAI-style usage maps onto genai-prices' units as follows: ``prompt_tokens`` is
``input_tokens`` and includes the cached tokens, which are ``cache_read_tokens``;
``completion_tokens`` is ``output_tokens`` and includes the reasoning tokens, which are
``output_reasoning_tokens``.  genai-prices prices each subset at its own rate when the model
has one and at the parent rate otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from types import MappingProxyType

import genai_prices
from genai_prices import data_snapshot
from genai_prices import types as genai_types

from tui_chat.core.errors import ConfigError, ProviderError
from tui_chat.core.models import Usage

UNPRICED_SOURCE = "unpriced"
OVERRIDE_SOURCE = "config override"
LOCAL_SOURCE = "local (free)"

_TOKENS_PER_MILLION = Decimal(1_000_000)
_EXACT_PRECISION = 60
_SIGNIFICANT_DIGITS = 3
_FINEST_PLACES = 12
"""Money is shown (and stored) to the picodollar at its finest."""
_HUGE = Decimal(10) ** 15
_HUGE_TEXT = "999,999,999,999,999+"
_NO_OVERRIDES: Mapping[str, PriceOverride] = MappingProxyType({})


@dataclass(frozen=True)
class ProviderRef:
    """The endpoint a request went to; local endpoints are free."""

    name: str
    base_url: str | None = None
    local: bool = False


@dataclass(frozen=True)
class PriceOverride:
    """A user's own prices for a model, in dollars per million tokens."""

    input_mtok: Decimal
    output_mtok: Decimal
    cached_input_mtok: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("input_mtok", "output_mtok", "cached_input_mtok"):
            rate = getattr(self, name)
            if rate is not None and (not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0):
                raise ConfigError(
                    f"The price override '{name}' must be a finite number of dollars, 0 or more, not {rate}."
                )


@dataclass(frozen=True)
class Price:
    """The cost of a request in dollars, None when unpriced, and the price source used."""

    cost: Decimal | None
    source: str


UNPRICED = Price(None, UNPRICED_SOURCE)

_Match = tuple[genai_types.Provider, genai_types.ModelInfo]


@lru_cache(maxsize=1024)
def _find_model(provider: ProviderRef, model: str) -> _Match | None:
    """The genai-prices provider and model that price a model served by a provider."""
    snapshot = data_snapshot.get_snapshot()
    if provider.base_url:
        try:
            by_url = snapshot.find_provider(None, None, provider.base_url)
        except LookupError:
            pass
        else:
            found = by_url.find_model(model, all_providers=snapshot.providers)
            return (by_url, found) if found is not None else None
    by_name = data_snapshot.find_provider_by_id(snapshot.providers, provider.name)
    if by_name is not None:
        found = by_name.find_model(model, all_providers=snapshot.providers)
        if found is not None:
            return by_name, found
    try:
        return snapshot.find_provider_model(model, None, None, None)
    except LookupError:
        return None


def _override_for(provider: ProviderRef, model: str, overrides: Mapping[str, PriceOverride]) -> PriceOverride | None:
    """The user's price for a model, keyed "provider/model" or just "model"."""
    return overrides.get(f"{provider.name}/{model}") or overrides.get(model)


def _override_cost(override: PriceOverride, usage: Usage) -> Decimal:
    """The exact cost of usage at the user's prices, whatever the digits of the counts and the rates."""
    cached = min(usage.cached_tokens, usage.input_tokens)
    cached_rate = override.cached_input_mtok
    if cached_rate is None:
        cached_rate = override.input_mtok
    rates = (override.input_mtok, cached_rate, override.output_mtok)
    with localcontext() as context:
        context.prec = _EXACT_PRECISION + max(len(rate.as_tuple().digits) for rate in rates)
        context.Emin, context.Emax = MIN_EMIN, MAX_EMAX
        total = (
            Decimal(usage.input_tokens - cached) * override.input_mtok
            + Decimal(cached) * cached_rate
            + Decimal(usage.output_tokens) * override.output_mtok
        )
        return total / _TOKENS_PER_MILLION


def genai_usage(usage: Usage) -> genai_prices.Usage:
    """genai-prices' usage for OpenAI-style counts, cached and reasoning tokens as subsets."""
    return genai_prices.Usage(
        input_tokens=usage.input_tokens,
        cache_read_tokens=min(usage.cached_tokens, usage.input_tokens),
        output_tokens=usage.output_tokens,
        output_reasoning_tokens=min(usage.reasoning_tokens, usage.output_tokens),
    )


def _source(match: _Match) -> str:
    """The price source recorded with a cost, enough to re-price it later."""
    provider, model = match
    return f"genai-prices {genai_prices.__version__}:{provider.id}/{model.id}"


def _check_counts(usage: Usage) -> None:
    """Token counts are whole numbers from 0 up; anything else would price a request below zero."""
    counts = (usage.input_tokens, usage.output_tokens, usage.cached_tokens, usage.reasoning_tokens)
    if any(isinstance(count, bool) or not isinstance(count, int) or count < 0 for count in counts):
        raise ProviderError(
            f"Token counts must be whole numbers from 0 up, not {counts}.", title="Usage not understood"
        )


def price_usage(
    provider: ProviderRef,
    model: str,
    usage: Usage,
    overrides: Mapping[str, PriceOverride] = _NO_OVERRIDES,
    at: datetime | None = None,
) -> Price:
    """The cost of one request: a user override, free when local, else genai-prices' price.

    Raises ProviderError for negative or non-integer token counts, so no cost is ever negative.
    """
    _check_counts(usage)
    override = _override_for(provider, model, overrides)
    if override is not None:
        return Price(_override_cost(override, usage), OVERRIDE_SOURCE)
    if provider.local:
        return Price(Decimal(0), LOCAL_SOURCE)
    match = _find_model(provider, model)
    if match is None:
        return UNPRICED
    genai_provider, genai_model = match
    calculation = genai_model.calc_price(genai_usage(usage), genai_provider, genai_request_timestamp=at)
    return Price(calculation.total_price, _source(match))


def override_for(provider: ProviderRef, model: str, overrides: Mapping[str, PriceOverride]) -> PriceOverride | None:
    """The user's `[prices]` entry for a model, None when it has none."""
    return _override_for(provider, model, overrides)


def model_prices(provider: ProviderRef, model: str, at: datetime) -> tuple[str, genai_types.ModelPrice] | None:
    """genai-prices' prices of a model in force at `at` and their source, None when it has none."""
    match = _find_model(provider, model)
    return None if match is None else (_source(match), match[1].get_prices(at))


def prices_version() -> str:
    """The genai-prices data every computed cost uses: the one bundled with the installed package."""
    return f"genai-prices {genai_prices.__version__}"


def context_window(provider: ProviderRef, model: str) -> int | None:
    """The most input tokens a model accepts, or None when unknown or served locally."""
    if provider.local:
        return None
    match = _find_model(provider, model)
    return match[1].context_window if match is not None else None


def _base_rate(price: Decimal | genai_types.TieredPrices | None) -> Decimal | None:
    """The rate of the first tier of a possibly tiered price."""
    return price.base if isinstance(price, genai_types.TieredPrices) else price


def price_per_mtok(
    provider: ProviderRef,
    model: str,
    overrides: Mapping[str, PriceOverride] = _NO_OVERRIDES,
) -> tuple[Decimal | None, Decimal | None]:
    """The current input and output prices per million tokens, None where unknown."""
    override = _override_for(provider, model, overrides)
    if override is not None:
        return override.input_mtok, override.output_mtok
    if provider.local:
        return Decimal(0), Decimal(0)
    match = _find_model(provider, model)
    if match is None:
        return None, None
    prices = match[1].get_prices(datetime.now(UTC))
    return _base_rate(prices.input_mtok), _base_rate(prices.output_mtok)


def format_money(cost: Decimal | None) -> str:
    """Dollars with cents, or three significant digits (to the picodollar) for costs under a dollar.

    Never raises and never shows an exponent or "-0": a cost that is not a finite number reads
    "unpriced", one that rounds to no picodollars reads $0.00, and one of a quadrillion dollars or
    more is capped.
    """
    if cost is None or not isinstance(cost, Decimal) or not cost.is_finite():
        return UNPRICED_SOURCE
    sign = "-" if cost < 0 else ""
    magnitude = abs(cost)
    if magnitude >= _HUGE:
        return f"{sign}${_HUGE_TEXT}"
    places = min(_FINEST_PLACES, max(2, _SIGNIFICANT_DIGITS - 1 - magnitude.adjusted()))
    with localcontext() as context:
        context.prec = _EXACT_PRECISION
        rounded = magnitude.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{rounded:,f}"
    if rounded.is_zero():
        return "$0.00"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{sign}${whole}.{fraction}"
