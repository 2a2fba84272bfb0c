"""The sidebar flags a reply whose reported cost differs from ours, and shows the month's projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from textual.widgets import Static

from tests.loopback import Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tests.ui.test_sidebar import PRICED, priced_services
from tui_chat.app import ChatApp
from tui_chat.core.forecast import days_left_in_month
from tui_chat.core.pricing import format_money
from tui_chat.widgets.usage_sidebar import UsageSidebar

PRICES = '[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n'
OURS = Decimal("0.0045")
"""1,000 input tokens at $2.50 and 200 output tokens at $10 per million."""


async def test_a_reported_cost_that_differs_is_flagged_in_the_sidebar(make_services, app_paths, loopback) -> None:
    app = ChatApp(priced_services(make_services, app_paths, loopback, PRICES))
    async with app.run_test(size=(110, 36)) as pilot:
        sidebar = app.screen.query_one(UsageSidebar)
        loopback.enqueue(Script(text="agreed", usage=PRICED, cost=0.0045))
        await send(pilot, "first")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: "(reported)" in sidebar.reply_cost)
        assert sidebar.reply_cost == f"{format_money(OURS)} (reported)"
        loopback.enqueue(Script(text="charged more", usage=PRICED, cost=0.0054))
        await send(pilot, "second")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: "⚠" in sidebar.reply_cost)
        assert sidebar.reply_cost.startswith("$0.0054 (reported)") and "20.0% apart" in sidebar.reply_cost
        shown = sidebar.query_one("#sidebar-text", Static).visual.plain
        assert "ours $0.0045" in shown
        await wait_until(pilot, lambda: sidebar.conversation_cost == format_money(Decimal("0.0099")))
        if days_left_in_month(date.today()):
            await wait_until(pilot, lambda: "month end ≈" in sidebar.month_cost)
            projected = Decimal("0.0099") + Decimal("0.0099") / 7 * days_left_in_month(date.today())
            assert sidebar.month_cost.endswith(f"≈{format_money(projected)}")


async def test_a_reply_shows_its_cache_share_and_saving(make_services, app_paths, loopback) -> None:
    prices = '[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\ncached_input = "1.25"\n'
    app = ChatApp(priced_services(make_services, app_paths, loopback, prices))
    async with app.run_test(size=(110, 36)) as pilot:
        sidebar = app.screen.query_one(UsageSidebar)
        cached = {**PRICED, "prompt_tokens_details": {"cached_tokens": 800}}
        loopback.enqueue(Script(text="from the cache", usage=cached))
        await send(pilot, "again")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: "cache" in sidebar.reply_usage)
        assert sidebar.reply_usage.endswith(f"cache 80% of input · saved {format_money(Decimal('0.001'))}")
