"""The sidebar's numbers: draft estimate while typing, totals equal to the rows, budgets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Button, Static

from tests.loopback import Script
from tests.ui.pilot import send, wait_for_estimates, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core import tokens
from tui_chat.core.pricing import format_money
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar, context_bar

PRICED = {"prompt_tokens": 1000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 0}}


def priced_services(make_services, app_paths, loopback, extra_config: str = ""):
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.priced]\nbase_url = "{loopback.base_url}"\nneeds_key = false\ndefault_model = "gpt-4o"\n'
        + extra_config
    )
    return make_services(provider="priced", model="gpt-4o")


async def test_draft_estimate_updates_while_typing_and_matches_the_tokenizer(
    make_services, app_paths, loopback
) -> None:
    app = ChatApp(
        priced_services(make_services, app_paths, loopback, '[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n')
    )
    async with app.run_test(size=(110, 36)) as pilot:
        await wait_for_estimates(pilot)
        sidebar = app.screen.query_one(UsageSidebar)
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press(*"Hello there, how much")
        await pilot.pause()
        expected = tokens.count_messages("gpt-4o", [{"role": "user", "content": "Hello there, how much"}])
        assert sidebar.context_used == expected.tokens and sidebar.context_exact
        assert sidebar.context_window == 128000
        cost = Decimal("2.50") * expected.tokens / Decimal(1_000_000)
        assert sidebar.draft_cost == format_money(cost)
        shown = sidebar.query_one("#sidebar-text", Static).visual.plain
        assert f"{expected.tokens} / 128,000 tokens" in shown
        assert context_bar(expected.tokens, 128000) in shown and f"sending costs {format_money(cost)}" in shown
        await pilot.press(*" will this cost?")
        await pilot.pause()
        assert sidebar.context_used > expected.tokens


async def test_conversation_and_today_totals_equal_the_usage_rows(make_services, app_paths, loopback) -> None:
    services = priced_services(make_services, app_paths, loopback)
    app = ChatApp(services)
    async with app.run_test(size=(110, 36)) as pilot:
        for number in range(3):
            loopback.enqueue(Script(text=f"answer {number}", usage=PRICED))
            await send(pilot, f"question {number}")
            await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        rows = await repository.usage_rows(conversation.id)
        total = sum(row.cost for row in rows)
        assert len(rows) == 3 and total > 0
        sidebar = app.screen.query_one(UsageSidebar)
        await wait_until(pilot, lambda: sidebar.conversation_cost == format_money(total))
        assert sidebar.today_cost == format_money(sum(row.cost for row in await repository.usage_rows()))
        assert sidebar.reply_cost == format_money(rows[-1].cost)
        assert "in 1,000" in sidebar.reply_usage and "(reported)" in sidebar.reply_usage


async def test_budget_warns_at_80_percent_and_asks_at_100(make_services, app_paths, loopback) -> None:
    services = priced_services(make_services, app_paths, loopback, '[budget]\ndaily = "0.0055"\n')
    app = ChatApp(services)
    async with app.run_test(size=(110, 36)) as pilot:
        loopback.enqueue(Script(text="first", usage=PRICED))
        await send(pilot, "spend a little")
        await wait_for_reply(pilot)
        sidebar = app.screen.query_one(UsageSidebar)
        await wait_until(pilot, lambda: sidebar.over_budget)
        assert "today:" in sidebar.budget_note and "% of $0.0055 budget" in sidebar.budget_note
        loopback.enqueue(Script(text="second", usage=PRICED))
        await send(pilot, "spend more")
        await wait_for_reply(pilot)
        await send(pilot, "over the limit now")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.screen.query_one("#confirm-no", Button).press()
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.screen.query_one(PromptInput).text == "over the limit now"
        requests = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
        assert len(requests) == 2


async def test_budget_can_refuse_outright(make_services, app_paths, loopback) -> None:
    services = priced_services(
        make_services, app_paths, loopback, '[budget]\ndaily = "0.001"\nover_budget = "refuse"\n'
    )
    app = ChatApp(services)
    async with app.run_test(size=(110, 36)) as pilot:
        loopback.enqueue(Script(text="first", usage=PRICED))
        await send(pilot, "spend")
        await wait_for_reply(pilot)
        await send(pilot, "refused?")
        await pilot.pause(0.2)
        assert "Budget used up" in [n.title for n in app._notifications]
        assert app.screen.query_one(PromptInput).text == "refused?"
        assert len([r for r in loopback.requests if r.path.endswith("/chat/completions")]) == 1


@pytest.mark.parametrize(
    ("used", "window", "bar"),
    [
        (0, 1000, "░" * 20 + " 0%"),
        (500, 1000, "█" * 10 + "░" * 10 + " 50%"),
        (999, 1000, "█" * 20 + " 100%"),
        (5000, 1000, "█" * 20 + " 100%"),
        (1, 0, "█" * 20 + " 100%"),
    ],
)
def test_context_bar_fills_with_the_share_used_and_never_overflows(used: int, window: int, bar: str) -> None:
    assert context_bar(used, window) == bar
