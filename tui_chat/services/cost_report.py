"""The cost figures people plan with: the forecast, what-ifs at another model's prices and prompt-cache savings.

Shared by `tui-chat usage --forecast / --as-model` and the usage screen, over the same store queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_chat.core.forecast import BURN_DAYS, Forecast, forecast
from tui_chat.core.pricing import ProviderRef
from tui_chat.core.what_if import ModelGroup, WhatIf, cache_savings_total, reprice, tier_starts
from tui_chat.store.cost_queries import CostQueries

if TYPE_CHECKING:
    from tui_chat.core.models import UsageRecord
    from tui_chat.services.container import AppServices
    from tui_chat.services.providers import ProviderRegistry
    from tui_chat.store.repository import Repository


@dataclass(frozen=True, slots=True)
class CacheReport:
    """How much of a period's input was read from the providers' prompt caches, and what that saved."""

    input_tokens: int
    cached_tokens: int
    saved: Decimal
    unpriced_models: tuple[str, ...]
    """Models whose cached tokens could not be priced, so their savings are not in `saved`."""

    @property
    def share(self) -> float:
        """The share of input tokens read from a cache, 0 when there was no input."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else 0.0

    def line(self) -> str:
        """The savings in words."""
        from tui_chat.core.pricing import format_money

        text = f"prompt cache: {self.share:.1%} of {self.input_tokens:,} input tokens, saved {format_money(self.saved)}"
        if self.unpriced_models:
            text += f" (not counted, no price: {', '.join(self.unpriced_models)})"
        return text


async def forecast_now(repository: Repository, monthly_budget: Decimal | None, now: datetime | None = None) -> Forecast:
    """The forecast as of `now` (local time): the last BURN_DAYS days' spend and the month so far."""
    now = now or datetime.now().astimezone()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    recent = await repository.spend(since=now - timedelta(days=BURN_DAYS))
    month = await repository.spend(since=month_start)
    return forecast(recent.cost, month.cost, now.date(), monthly_budget)


def _ref(registry: ProviderRegistry, provider: str) -> ProviderRef:
    """How to price a provider's requests; one no longer configured is priced by its name alone."""
    from tui_chat.core.errors import TuiChatError

    try:
        return registry.ref(provider)
    except TuiChatError:
        return ProviderRef(provider)


def cache_report(registry: ProviderRegistry, groups: list[ModelGroup]) -> CacheReport:
    """The prompt-cache share and savings of requests grouped by provider and model."""
    saved, unpriced = Decimal(0), []
    for group in groups:
        if not group.cached_tokens:
            continue
        amount = cache_savings_total(
            _ref(registry, group.provider), group.model, group.cached_tokens, registry.price_overrides
        )
        if amount is None:
            unpriced.append(group.model)
        else:
            saved += amount
    return CacheReport(
        input_tokens=sum(group.input_tokens for group in groups),
        cached_tokens=sum(group.cached_tokens for group in groups),
        saved=saved,
        unpriced_models=tuple(sorted(set(unpriced))),
    )


async def what_if(
    services: AppServices,
    as_model: str,
    bounds: tuple[int | None, int | None],
    *,
    provider: str | None = None,
    conversation_id: int | None = None,
    model: str | None = None,
) -> WhatIf:
    """What the period's recorded tokens would have cost at `as_model`'s prices (at `provider`, else genai-prices' guess).

    Raises NoPrice when the model has no known price.
    """
    registry = services.registry
    queries = CostQueries((await services.repository()).database)
    start_ms, end_ms = bounds
    ref = registry.ref(provider) if provider else ProviderRef("")
    now = datetime.now(UTC)
    groups = await queries.model_groups(start_ms, end_ms, conversation_id=conversation_id, model=model)
    starts = tier_starts(ref, as_model, registry.price_overrides, now)
    tiers = None
    if starts:
        tiers = await queries.tier_sums(starts, start_ms, end_ms, conversation_id=conversation_id, model=model)
    return reprice(ref, as_model, groups, tiers, registry.price_overrides, now)


@dataclass(frozen=True, slots=True)
class CostFigures:
    """What the usage screen's Cost tab shows for a period."""

    prices_version: str
    forecast: Forecast
    cache: CacheReport
    mismatch_count: int
    mismatches: list[tuple[int, str, Decimal, Decimal]]
    """The latest replies whose reported cost differs from ours: (created_at ms, model, reported, computed)."""
    last_reconciliation: str = ""
    """The latest comparison with a provider's bill, in words; '' when there has been none."""


async def cost_figures(services: AppServices, bounds: tuple[int | None, int | None]) -> CostFigures:
    """The Cost tab's figures: price data, forecast, the period's cache savings and reported-cost mismatches."""
    from tui_chat.core.cost_truth import MISMATCH_SHARE
    from tui_chat.core.pricing import prices_version

    repository = await services.repository()
    queries = CostQueries(repository.database)
    result = await forecast_now(repository, services.settings.budget.monthly)
    cache = cache_report(services.registry, await queries.model_groups(*bounds))
    count, latest = await queries.mismatches(*bounds, MISMATCH_SHARE)
    last = await queries.last_reconciliation()
    return CostFigures(prices_version(), result, cache, count, latest, last.line() if last else "")


def uncached_cost(registry: ProviderRegistry, provider: str, model: str, tokens: int) -> Decimal | None:
    """What sending `tokens` input tokens to a model costs with nothing read from a cache; None when unpriced."""
    from tui_chat.core.models import Usage
    from tui_chat.core.pricing import price_usage

    return price_usage(_ref(registry, provider), model, Usage(input_tokens=tokens), registry.price_overrides).cost


def reply_cache_note(registry: ProviderRegistry, record: UsageRecord | None) -> str:
    """A reply's prompt-cache share and what it saved, as a line for the sidebar; '' when nothing was cached."""
    from tui_chat.core.pricing import format_money
    from tui_chat.core.what_if import cache_savings

    if record is None or not record.usage.cached_tokens or not record.usage.input_tokens:
        return ""
    usage = record.usage
    saved = cache_savings(
        _ref(registry, record.provider), record.model, usage.input_tokens, usage.cached_tokens, registry.price_overrides
    )
    share = min(usage.cached_tokens / usage.input_tokens, 1.0)
    return f"\ncache {share:.0%} of input · saved {format_money(saved) if saved is not None else 'unpriced'}"
