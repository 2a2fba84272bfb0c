"""Property tests of the planning figures: what-if repricing, the forecast and prompt-cache savings."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.core.forecast import BURN_DAYS, forecast
from tui_chat.core.models import Usage
from tui_chat.core.pricing import PriceOverride, ProviderRef, price_usage
from tui_chat.core.what_if import (
    ModelGroup,
    NoPrice,
    cache_savings,
    cache_savings_total,
    reprice,
    tier_starts,
)

PROPERTY = settings(max_examples=60, deadline=None)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ROW = st.builds(
    Usage,
    st.integers(0, 2_000_000),
    st.integers(0, 200_000),
    st.integers(0, 2_000_000),
    st.integers(0, 200_000),
)
TARGETS = [
    (ProviderRef("openai"), "gpt-4o"),
    (ProviderRef("google"), "gemini-2.5-pro"),
    (ProviderRef("anthropic"), "claude-sonnet-4-5"),
]
MONEY = st.decimals(min_value=0, max_value=10_000, places=6, allow_nan=False, allow_infinity=False)


def groups_of(rows: list[Usage]) -> list[ModelGroup]:
    """The rows as the store sums them: one group, cached and reasoning clamped per row."""
    return [
        ModelGroup(
            provider="p",
            model="m",
            requests=len(rows),
            cost=Decimal(0),
            unpriced=0,
            input_tokens=sum(row.input_tokens for row in rows),
            cached_tokens=sum(min(row.cached_tokens, row.input_tokens) for row in rows),
            output_tokens=sum(row.output_tokens for row in rows),
            reasoning_tokens=sum(min(row.reasoning_tokens, row.output_tokens) for row in rows),
        )
    ]


def tier_of(input_tokens: int, starts: tuple[int, ...]) -> int:
    """genai-prices' rule: a request is in tier n when its input is above n tier starts."""
    return sum(input_tokens > start for start in starts)


def tiers_of(rows: list[Usage], starts: tuple[int, ...]) -> list[tuple[int, Usage]]:
    """The rows' tokens summed per tier, as the store sums them."""
    sums: dict[int, list[int]] = {}
    for row in rows:
        tier = sums.setdefault(tier_of(row.input_tokens, starts), [0, 0, 0, 0])
        counts = (row.input_tokens, row.output_tokens, row.cached_tokens, row.reasoning_tokens)
        for index, count in enumerate(counts):
            tier[index] += count
    return [(tier, Usage(*counts)) for tier, counts in sums.items()]


def test_the_targets_cover_both_kinds_of_price() -> None:
    kinds = {bool(tier_starts(ref, model, {}, NOW)) for ref, model in TARGETS}
    assert kinds == {True, False}


@PROPERTY
@given(rows=st.lists(ROW, min_size=1, max_size=30), target=st.sampled_from(TARGETS))
def test_repricing_a_period_equals_pricing_each_row_alone(rows: list[Usage], target) -> None:
    ref, model = target
    rows = [
        Usage(
            row.input_tokens,
            row.output_tokens,
            min(row.cached_tokens, row.input_tokens),
            min(row.reasoning_tokens, row.output_tokens),
        )
        for row in rows
    ]
    result = reprice(ref, model, groups_of(rows), tiers_of(rows, tier_starts(ref, model, {}, NOW)), {}, NOW)
    alone = sum((price_usage(ref, model, row, at=NOW).cost or Decimal(0) for row in rows), Decimal(0))
    assert result.repriced == alone
    assert result.requests == len(rows)


@PROPERTY
@given(rows=st.lists(ROW, min_size=1, max_size=30), rates=st.tuples(MONEY, MONEY, MONEY))
def test_repricing_at_an_override_equals_pricing_each_row_alone(rows: list[Usage], rates) -> None:
    overrides = {"mine": PriceOverride(rates[0], rates[1], rates[2])}
    ref = ProviderRef("anywhere")
    result = reprice(ref, "mine", groups_of(rows), None, overrides, NOW)
    alone = sum((price_usage(ref, "mine", row, overrides).cost or Decimal(0) for row in rows), Decimal(0))
    assert result.repriced == alone


def test_unpriced_rows_are_counted_and_named_and_an_unknown_model_is_refused() -> None:
    group = ModelGroup("openrouter", "mystery", 3, Decimal("0.5"), 2, 100, 0, 10, 0)
    other = ModelGroup("openai", "gpt-4o", 1, Decimal("0.25"), 0, 100, 0, 10, 0)
    result = reprice(ProviderRef("openai"), "gpt-4o", [group, other], None, {}, NOW)
    assert result.unpriced == {"mystery": 2}
    assert result.actual == Decimal("0.75") and result.requests == 4
    with pytest.raises(NoPrice):
        reprice(ProviderRef(""), "no-such-model-anywhere", [group], None, {}, NOW)


def test_a_tiered_price_without_each_requests_counts_is_refused() -> None:
    with pytest.raises(ValueError):
        reprice(ProviderRef("google"), "gemini-2.5-pro", groups_of([Usage(1, 1)]), None, {}, NOW)


@PROPERTY
@given(
    daily=MONEY,
    before=MONEY,
    today=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_constant_daily_spend_projects_that_spend_times_the_days_left(daily, before, today) -> None:
    result = forecast(daily * BURN_DAYS, before, today)
    days_left = calendar.monthrange(today.year, today.month)[1] - today.day
    assert result.burn_per_day == daily
    assert result.days_left == days_left
    assert result.projected_month - before == daily * days_left
    assert result.projected_month >= result.month_to_date


def test_the_budget_runs_out_on_the_day_the_rate_reaches_it() -> None:
    today = date(2026, 3, 10)
    result = forecast(Decimal(70), Decimal(50), today, Decimal(100))
    assert result.runs_out_on == date(2026, 3, 15)
    assert forecast(Decimal(7), Decimal(50), today, Decimal(1000)).runs_out_on is None
    assert forecast(Decimal(0), Decimal(100), today, Decimal(100)).runs_out_on == today
    assert forecast(Decimal(0), Decimal(10), today, None).runs_out_on is None


@PROPERTY
@given(
    input_tokens=st.integers(-5, 3_000_000),
    cached=st.integers(-5, 3_000_000),
    target=st.sampled_from(TARGETS),
    rates=st.tuples(MONEY, MONEY, MONEY),
)
def test_cache_savings_are_never_negative(input_tokens, cached, target, rates) -> None:
    ref, model = target
    saved = cache_savings(ref, model, input_tokens, cached, {})
    assert saved is not None and saved >= 0
    overrides = {"mine": PriceOverride(rates[0], rates[1], rates[2])}
    mine = cache_savings(ProviderRef("x"), "mine", input_tokens, cached, overrides)
    assert mine is not None and mine >= 0
    total = cache_savings_total(ProviderRef("x"), "mine", cached, overrides)
    assert total is not None and total >= 0


def test_cache_savings_are_the_input_rate_less_the_cache_rate() -> None:
    saved = cache_savings(ProviderRef("openai"), "gpt-4o", 10_000, 4_000, {})
    assert saved == Decimal(4_000) * (Decimal("2.5") - Decimal("1.25")) / 1_000_000
    assert cache_savings(ProviderRef(""), "no-such-model-anywhere", 10, 5, {}) is None


@pytest.mark.parametrize("ref, model", TARGETS)
def test_repricing_at_the_edges_of_a_tier(ref, model) -> None:
    rows = [Usage(size, 7, min(size, 3), 2) for size in (0, 1, 199_999, 200_000, 200_001, 10**7)]
    result = reprice(ref, model, groups_of(rows), tiers_of(rows, tier_starts(ref, model, {}, NOW)), {}, NOW)
    assert result.repriced == sum((price_usage(ref, model, row, at=NOW).cost for row in rows), Decimal(0))
