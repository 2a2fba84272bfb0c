"""Fuzzing the money arithmetic: exact override costs, picodollar round trips, sums, display and budgets."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui_chat.core.budget import budget_status
from tui_chat.core.errors import ConfigError, ProviderError, StoreError, TuiChatError
from tui_chat.core.models import Usage
from tui_chat.core.pricing import PriceOverride, ProviderRef, _find_model, format_money, price_usage
from tui_chat.services.llm import usage_from_dict
from tui_chat.store.rows import from_picodollars, to_picodollars
from tui_chat.store.usage_stats import dollars

FUZZ = settings(max_examples=200, deadline=None)
TOKENS = st.integers(min_value=0, max_value=10**12)
RATE = st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False) | st.sampled_from(
    [
        Decimal("0"),
        Decimal("-0"),
        Decimal("1E-30"),
        Decimal("2.50"),
        Decimal("0.000001"),
        Decimal("1234.567890123456789012345678901"),
    ]
)
USAGE = st.builds(Usage, TOKENS, TOKENS, TOKENS, TOKENS, st.booleans())
OPENAI = ProviderRef("openai", "https://api.openai.com/v1")
INT64 = 2**63


def independent_cost(usage: Usage, input_rate: Decimal, output_rate: Decimal, cached_rate: Decimal | None) -> Fraction:
    """tokens × price ÷ 10⁶ in exact fractions: cached tokens are part of the input, at their own rate."""
    cached = min(usage.cached_tokens, usage.input_tokens)
    cached_price = Fraction(input_rate if cached_rate is None else cached_rate)
    return (
        (usage.input_tokens - cached) * Fraction(input_rate)
        + cached * cached_price
        + usage.output_tokens * Fraction(output_rate)
    ) / 10**6


@FUZZ
@given(USAGE, RATE, RATE, st.none() | RATE)
@example(
    Usage(10**12, 10**12, 10**12),
    Decimal("1234.567890123456789012345678901"),
    Decimal("9999.999999999999"),
    Decimal("1E-30"),
)
@example(Usage(999_999_999_999, 7), Decimal("1." + "1" * 55), Decimal("7"), None)
def test_an_override_cost_is_exactly_tokens_times_price_per_million(
    usage: Usage, input_rate: Decimal, output_rate: Decimal, cached_rate: Decimal | None
) -> None:
    overrides = {"m": PriceOverride(input_rate, output_rate, cached_rate)}
    price = price_usage(ProviderRef("custom"), "m", usage, overrides)
    assert price.cost is not None and price.cost.is_finite() and price.cost >= 0
    assert Fraction(price.cost) == independent_cost(usage, input_rate, output_rate, cached_rate)


@FUZZ
@given(USAGE)
def test_a_catalogue_price_is_exactly_tokens_times_its_rates(usage: Usage) -> None:
    provider, model = _find_model(OPENAI, "gpt-4o")
    rates = model.get_prices(datetime.now(UTC))
    assert all(isinstance(rate, Decimal) for rate in (rates.input_mtok, rates.output_mtok, rates.cache_read_mtok))
    cost = price_usage(OPENAI, "gpt-4o", usage).cost
    assert cost is not None and cost >= 0
    assert Fraction(cost) == independent_cost(usage, rates.input_mtok, rates.output_mtok, rates.cache_read_mtok)


BAD_RATE = st.sampled_from(
    [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("-0.01")]
) | st.decimals(max_value=Decimal("-1E-12"), allow_nan=False, allow_infinity=False)


@FUZZ
@given(BAD_RATE, st.integers(0, 2))
def test_negative_or_not_a_number_overrides_are_our_config_error(rate: Decimal, position: int) -> None:
    rates = [Decimal("1"), Decimal("2"), Decimal("3")]
    rates[position] = rate
    with pytest.raises(ConfigError) as caught:
        PriceOverride(*rates)
    assert str(caught.value)


@FUZZ
@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=4, max_size=4), st.booleans())
def test_token_counts_below_zero_are_refused_never_priced_below_zero(counts: list[int], local: bool) -> None:
    usage = Usage(*counts)
    overrides = {"m": PriceOverride(Decimal("2.5"), Decimal("10"))}
    for provider, model, table in ((ProviderRef("x", local=local), "m", overrides), (OPENAI, "gpt-4o", {})):
        try:
            price = price_usage(provider, model, usage, table)
        except ProviderError as exc:
            assert min(counts) < 0 and str(exc)
        else:
            assert min(counts) >= 0 and price.cost is not None and price.cost >= 0


def half_even_picodollars(cost: Decimal) -> int:
    """Whole picodollars, rounding half to even, in exact fractions."""
    exact = Fraction(cost) * 10**12
    whole, rest = divmod(exact, 1)
    return int(whole) + (1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2) else 0)


@FUZZ
@given(st.integers(min_value=0, max_value=INT64 - 1))
def test_picodollars_round_trip_through_dollars(picodollars: int) -> None:
    assert to_picodollars(from_picodollars(picodollars)) == picodollars
    assert dollars(picodollars) == from_picodollars(picodollars)


COST = st.decimals(min_value=0, max_value=Decimal("9223372.036854775807"), allow_nan=False, allow_infinity=False)


@FUZZ
@given(COST)
@example(Decimal("1234.5678901234574999999999999999"))
@example(Decimal("9223372.0368547758064999999999"))
def test_any_cost_becomes_the_nearest_picodollar(cost: Decimal) -> None:
    picodollars = to_picodollars(cost)
    assert picodollars == half_even_picodollars(cost)
    if cost == cost.quantize(Decimal("1E-12")):
        assert from_picodollars(picodollars) == cost


@FUZZ
@given(st.lists(st.integers(min_value=0, max_value=10**15).map(from_picodollars), max_size=200))
def test_a_sum_in_picodollars_is_the_exact_decimal_sum(costs: list[Decimal]) -> None:
    total = sum(to_picodollars(cost) for cost in costs)
    assert dollars(total) == sum(Fraction(cost) for cost in costs)
    assert from_picodollars(total) == sum(Fraction(cost) for cost in costs)


SHOWN = re.compile(r"-?\$\d{1,3}(,\d{3})*\.\d{2,12}|-?\$999,999,999,999,999\+")


@FUZZ
@given(
    st.none()
    | st.decimals()
    | st.sampled_from([Decimal("1E-12"), Decimal("-1E-13"), Decimal("1E+30"), Decimal("1E-999999999")])
)
@example(Decimal("1E+100"))
@example(Decimal("1E+999999"))
@example(Decimal("NaN"))
@example(Decimal("-0.0000000000001"))
@example(Decimal("0.0000000000005"))
def test_money_is_always_shown_plainly(cost: Decimal | None) -> None:
    shown = format_money(cost)
    if cost is None or not cost.is_finite():
        assert shown == "unpriced"
        return
    assert SHOWN.fullmatch(shown), shown
    assert "e" not in shown.lower()
    if abs(cost) < Decimal(10) ** 15:
        value = Decimal(shown.replace("$", "").replace(",", ""))
        assert not (shown.startswith("-") and value.is_zero()), "never -0"
        assert abs(value - cost) <= max(
            abs(cost) * Decimal("0.005"), Decimal("0.005") if abs(cost) >= 1 else Decimal("5E-13")
        )


LIMIT = st.decimals(min_value=Decimal("1E-12"), max_value=10**9, places=12)
SPENT = st.decimals(min_value=-1, max_value=10**12, allow_nan=False, allow_infinity=False)


@FUZZ
@given(SPENT, SPENT, st.none() | LIMIT, st.none() | LIMIT)
@example(Decimal("1E+30"), Decimal("0"), Decimal("1E-12"), None)
@example(Decimal("-0"), Decimal("-1E-20"), Decimal("10"), Decimal("10"))
def test_budget_status_compares_exactly_and_shows_plain_percentages(
    today: Decimal, month: Decimal, daily: Decimal | None, monthly: Decimal | None
) -> None:
    status = budget_status(today, month, daily, monthly)
    pairs = [(spent, limit) for spent, limit in ((today, daily), (month, monthly)) if limit is not None]
    assert status.exceeded == any(spent >= limit for spent, limit in pairs)
    assert status.warning == any(Fraction(spent) >= Fraction(4, 5) * Fraction(limit) for spent, limit in pairs)
    assert len(status.note.splitlines()) == len(pairs)
    for line in status.note.splitlines():
        assert re.fullmatch(r"(today|this month): (>999,999|\d{1,6})% of \$[\d,]+\.\d+ budget", line), line


@pytest.mark.parametrize("limit", [Decimal(0), Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_a_limit_that_is_not_above_zero_is_our_config_error(limit: Decimal) -> None:
    with pytest.raises(ConfigError):
        budget_status(Decimal(1), Decimal(1), limit, None)
    with pytest.raises(StoreError):
        budget_status(Decimal("NaN"), Decimal(1), Decimal(1), None)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner, max_size=2),
    max_leaves=4,
)


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "prompt_tokens": JSONISH,
            "completion_tokens": JSONISH,
            "prompt_tokens_details": JSONISH | st.fixed_dictionaries({"cached_tokens": JSONISH}),
            "completion_tokens_details": JSONISH | st.fixed_dictionaries({"reasoning_tokens": JSONISH}),
        },
    )
)
@example({"prompt_tokens": -5, "completion_tokens": float("inf"), "prompt_tokens_details": [1]})
def test_a_servers_usage_report_becomes_counts_from_zero_up(raw: dict) -> None:
    usage = usage_from_dict(raw)
    counts = (usage.input_tokens, usage.output_tokens, usage.cached_tokens, usage.reasoning_tokens)
    assert all(type(count) is int and count >= 0 for count in counts)
    try:
        price = price_usage(OPENAI, "gpt-4o", usage)
    except TuiChatError as exc:
        raise AssertionError(f"a server's report must always be priceable: {exc}") from None
    assert price.cost is not None and price.cost >= 0
