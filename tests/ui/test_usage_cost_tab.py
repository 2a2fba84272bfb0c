"""The usage screen's Cost tab: prices as of, forecast, cache savings, reported-cost mismatches and a what-if."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import genai_prices
from textual.widgets import Input, Static

from tests.ui.pilot import wait_until
from tests.ui.test_usage_screen import BERLIN, Host
from tests.usage_helpers import record
from tui_chat.core.cost_truth import KIND_REPORTED


def panel_text(screen, selector: str) -> str:
    found = screen.query(selector)
    return str(found.first(Static).visual.plain) if found else ""


async def seed(services) -> None:
    repository = await services.repository()
    moment = datetime(2025, 6, 14, 9, tzinfo=BERLIN).astimezone(UTC)
    cached = record(moment, input_tokens=10_000, cached_tokens=4_000, cost="0.02")
    await repository.add_usage(cached)
    reported = replace(
        record(moment, cost="0.0054"), price_kind=KIND_REPORTED, computed_cost=Decimal("0.0045"), price_source="r"
    )
    await repository.add_usage(reported)
    agreed = replace(
        record(moment, cost="0.0045"), price_kind=KIND_REPORTED, computed_cost=Decimal("0.00451"), price_source="r"
    )
    await repository.add_usage(agreed)


async def test_the_cost_tab(make_services) -> None:
    services = make_services()
    await seed(services)
    app = Host(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        screen = app.screen
        screen.query_one("#usage-tabs").active = "tab-cost"
        await wait_until(pilot, lambda: "Forecast" in panel_text(screen, "#cost-figures"))
        text = panel_text(screen, "#cost-figures")
        assert f"Prices as of genai-prices {genai_prices.__version__}" in text
        assert "⚠ 1 replies' reported cost differs from ours" in text
        assert "reported $0.0054, ours $0.0045" in text
        saved = Decimal(4_000) * (Decimal("2.5") - Decimal("1.25")) / 1_000_000
        assert f"saved ${saved.normalize():f}" in text
        assert "of 10,200 input tokens" in text
        field = screen.query_one("#cost-what-if", Input)
        field.focus()
        field.value = "gpt-4o-mini"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "on gpt-4o-mini" in panel_text(screen, "#cost-what-if-result"))
        assert "recorded: $0.0299 over 3 requests" in panel_text(screen, "#cost-what-if-result")
        field.value = "no-such-model-anywhere"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "No price is known" in panel_text(screen, "#cost-what-if-result"))
    await services.aclose()
