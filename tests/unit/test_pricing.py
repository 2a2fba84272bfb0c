"""Pricing against genai-prices' own calculation, with exact Decimal money and no network."""

from __future__ import annotations

import dataclasses
import socket
import threading
import typing
from datetime import UTC, datetime
from decimal import Decimal

import genai_prices
import pytest
from genai_prices import data_snapshot, update_prices

from tui_chat.core import pricing
from tui_chat.core.models import Usage
from tui_chat.core.pricing import (
    Price,
    PriceOverride,
    ProviderRef,
    context_window,
    format_money,
    price_per_mtok,
    price_usage,
)

OPENAI = ProviderRef("openai", "https://api.openai.com/v1")
OPENROUTER = ProviderRef("openrouter", "https://openrouter.ai/api/v1")
OLLAMA = ProviderRef("ollama", "http://localhost:11434/v1", local=True)
VERSION = genai_prices.__version__


def _refuse_network(*args: object, **kwargs: object) -> None:
    raise RuntimeError("network access attempted")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs with socket connections and name lookups failing."""
    monkeypatch.setattr(socket.socket, "connect", _refuse_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse_network)
    monkeypatch.setattr(socket, "create_connection", _refuse_network)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse_network)


REPORTED = [
    Usage(input_tokens=1234, output_tokens=56),
    Usage(input_tokens=1234, output_tokens=56, cached_tokens=1000),
    Usage(input_tokens=98_765, output_tokens=4_321, cached_tokens=65_536, reasoning_tokens=3_000),
    Usage(input_tokens=1, output_tokens=0),
]


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "gpt-5"])
@pytest.mark.parametrize("usage", REPORTED)
def test_cost_is_genai_prices_to_the_last_digit(model: str, usage: Usage) -> None:
    expected = genai_prices.calc_price(
        genai_prices.Usage(
            input_tokens=usage.input_tokens,
            cache_read_tokens=usage.cached_tokens,
            output_tokens=usage.output_tokens,
        ),
        model,
        provider_api_url=OPENAI.base_url,
    )
    price = price_usage(OPENAI, model, usage)
    assert isinstance(price.cost, Decimal)
    assert str(price.cost) == str(expected.total_price)
    assert price.source == f"genai-prices {VERSION}:openai/{expected.model.id}"


def test_cached_tokens_are_part_of_prompt_tokens_at_their_own_rate() -> None:
    _, model = data_snapshot.get_snapshot().find_provider_model("gpt-4o", None, "openai", None)
    rates = model.get_prices(datetime.now(UTC))
    usage = Usage(input_tokens=1234, output_tokens=56, cached_tokens=1000)
    by_hand = (234 * rates.input_mtok + 1000 * rates.cache_read_mtok + 56 * rates.output_mtok) / 1_000_000
    assert price_usage(OPENAI, "gpt-4o", usage).cost == by_hand


def test_reasoning_tokens_are_already_inside_the_output_tokens() -> None:
    without = price_usage(OPENAI, "o3-mini", Usage(input_tokens=500, output_tokens=2_000))
    with_reasoning = price_usage(
        OPENAI, "o3-mini", Usage(input_tokens=500, output_tokens=2_000, reasoning_tokens=1_800)
    )
    assert with_reasoning == without


def test_a_request_time_selects_the_price_in_force_then() -> None:
    at = datetime(2025, 1, 15, 12, tzinfo=UTC)
    usage = Usage(input_tokens=10_000, output_tokens=500)
    expected = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=10_000, output_tokens=500),
        "gpt-4o",
        provider_api_url=OPENAI.base_url,
        genai_request_timestamp=at,
    )
    assert price_usage(OPENAI, "gpt-4o", usage, at=at).cost == expected.total_price


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        (OPENAI, "no-such-model-anywhere"),
        (ProviderRef("my-proxy", "http://10.0.0.7:8080/v1"), "house-model-7b"),
        (OPENAI, "claude-sonnet-4"),
    ],
)
def test_an_unknown_model_is_unpriced_never_free(provider: ProviderRef, model: str) -> None:
    price = price_usage(provider, model, Usage(input_tokens=100, output_tokens=10))
    assert price == Price(None, "unpriced")


def test_a_local_provider_costs_exactly_zero() -> None:
    price = price_usage(OLLAMA, "llama3.1:8b", Usage(input_tokens=5_000, output_tokens=900))
    assert price == Price(Decimal("0"), "local (free)")
    assert price_usage(ProviderRef("demo", None, local=True), "gpt-4o", REPORTED[0]).cost == 0


def test_an_override_wins_and_is_exact() -> None:
    overrides = {"gpt-4o": PriceOverride(input_mtok=Decimal("2.50"), output_mtok=Decimal("10"))}
    price = price_usage(OPENAI, "gpt-4o", Usage(input_tokens=1234, output_tokens=56), overrides)
    assert price == Price(Decimal("0.003645"), "config override")
    local = price_usage(OLLAMA, "gpt-4o", Usage(input_tokens=1234, output_tokens=56), overrides)
    assert local.cost == Decimal("0.003645")


def test_an_override_prices_cached_input_at_its_own_rate() -> None:
    overrides = {
        "openrouter/acme/model-x": PriceOverride(
            input_mtok=Decimal("3"), output_mtok=Decimal("15"), cached_input_mtok=Decimal("0.30")
        )
    }
    usage = Usage(input_tokens=10_000, output_tokens=2_000, cached_tokens=8_000)
    price = price_usage(OPENROUTER, "acme/model-x", usage, overrides)
    assert price.cost == Decimal("0.0024") + Decimal("0.03") + Decimal("0.006")
    assert price_usage(OPENAI, "acme/model-x", usage, overrides) == Price(None, "unpriced")


def test_no_float_anywhere_in_a_price() -> None:
    hints = typing.get_type_hints(Price)
    assert all("float" not in str(hint) for hint in hints.values())
    prices = [price_usage(OPENAI, model, usage) for model in ("gpt-4o", "gpt-4.1", "gpt-5") for usage in REPORTED]
    for price in prices:
        for field in dataclasses.fields(price):
            assert not isinstance(getattr(price, field.name), float)
        assert isinstance(price.cost, Decimal)
    assert all(not isinstance(rate, float) for rate in price_per_mtok(OPENAI, "gpt-4o"))


def test_the_base_url_picks_the_provider() -> None:
    usage = REPORTED[1]
    via_openrouter = price_usage(OPENROUTER, "openai/gpt-4o", usage)
    assert via_openrouter.source == f"genai-prices {VERSION}:openrouter/openai/gpt-4o"
    assert price_usage(OPENAI, "gpt-4o", usage).source == f"genai-prices {VERSION}:openai/gpt-4o"
    by_name = ProviderRef("openrouter", None)
    assert price_usage(by_name, "openai/gpt-4o", usage).source.endswith(":openrouter/openai/gpt-4o")
    unknown_url = ProviderRef("openai", "http://proxy.internal:4000/v1")
    assert price_usage(unknown_url, "gpt-4o", usage).source.endswith(":openai/gpt-4o")
    guessed = ProviderRef("company-gateway", "http://proxy.internal:4000/v1")
    assert price_usage(guessed, "gpt-4o-mini", usage).source.endswith(":openai/gpt-4o-mini")


def test_context_windows_come_from_the_model_data() -> None:
    window = context_window(OPENAI, "gpt-4o")
    assert isinstance(window, int) and window >= 100_000
    assert context_window(OPENROUTER, "openai/gpt-4o") == window
    assert context_window(OPENAI, "no-such-model-anywhere") is None
    assert context_window(OLLAMA, "llama3.1:8b") is None


def test_prices_per_million_tokens_for_the_model_picker() -> None:
    input_rate, output_rate = price_per_mtok(OPENAI, "gpt-4o")
    assert isinstance(input_rate, Decimal) and isinstance(output_rate, Decimal)
    assert 0 < input_rate < output_rate
    assert price_per_mtok(OPENAI, "no-such-model-anywhere") == (None, None)
    assert price_per_mtok(OLLAMA, "llama3.1:8b") == (Decimal(0), Decimal(0))
    overrides = {"gpt-4o": PriceOverride(Decimal("1.5"), Decimal("6"))}
    assert price_per_mtok(OPENAI, "gpt-4o", overrides) == (Decimal("1.5"), Decimal("6"))


def test_lookups_are_cached_per_provider_and_model() -> None:
    price_usage(OPENAI, "gpt-4.1-mini", REPORTED[0])
    hits = pricing._find_model.cache_info().hits
    price_usage(OPENAI, "gpt-4.1-mini", REPORTED[1])
    context_window(OPENAI, "gpt-4.1-mini")
    assert pricing._find_model.cache_info().hits == hits + 2


def test_the_price_updater_never_runs() -> None:
    price_usage(OPENAI, "gpt-4o", REPORTED[0])
    assert update_prices._shared_updater.ref_count == 0
    assert data_snapshot.get_snapshot().from_auto_update is False
    assert not any(thread.name.startswith("genai_prices") for thread in threading.enumerate())


@pytest.mark.parametrize(
    ("cost", "shown"),
    [
        (None, "unpriced"),
        (Decimal("0"), "$0.00"),
        (Decimal("0.000123"), "$0.000123"),
        (Decimal("0.0001234567"), "$0.000123"),
        (Decimal("0.002395"), "$0.0024"),
        (Decimal("0.003645"), "$0.00365"),
        (Decimal("0.01"), "$0.01"),
        (Decimal("0.5"), "$0.50"),
        (Decimal("1.005"), "$1.01"),
        (Decimal("12"), "$12.00"),
        (Decimal("1234.5678"), "$1,234.57"),
        (Decimal("1E-9"), "$0.000000001"),
        (Decimal("-0.25"), "-$0.25"),
    ],
)
def test_money_is_shown_with_enough_digits(cost: Decimal | None, shown: str) -> None:
    assert format_money(cost) == shown
