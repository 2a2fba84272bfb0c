"""Switching the model of a long conversation asks first, naming the tokens re-sent uncached and their cost."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, Static

from tests.loopback import Script
from tests.ui.pilot import modal, send, wait_for_reply, wait_until
from tests.ui.test_sidebar import priced_services
from tui_chat.app import ChatApp
from tui_chat.core.pricing import format_money
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.screens.model_picker import ModelPickerScreen
from tui_chat.widgets.usage_sidebar import UsageSidebar

PRICES = '[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n[prices."gpt-4"]\ninput = "30"\noutput = "60"\n'


async def pick(pilot, app, model: str) -> None:
    await pilot.press("ctrl+l")
    picker = await modal(pilot, ModelPickerScreen)
    await wait_until(pilot, lambda: picker.models)
    picker.query_one(Input).value = model
    await pilot.pause(0.2)
    await pilot.press("enter")


async def test_a_switch_on_a_long_conversation_asks_with_the_cost(make_services, app_paths, loopback) -> None:
    app = ChatApp(priced_services(make_services, app_paths, loopback, PRICES))
    async with app.run_test(size=(110, 36)) as pilot:
        sidebar = app.screen.query_one(UsageSidebar)
        await send(pilot, "short question")
        await wait_for_reply(pilot)
        await pick(pilot, app, "gpt-4")  # a short conversation switches at once
        await wait_until(pilot, lambda: sidebar.model == "gpt-4")
        await pick(pilot, app, "gpt-4o")
        await wait_until(pilot, lambda: sidebar.model == "gpt-4o")

        loopback.enqueue(Script(text="lorem ipsum dolor " * 4000))
        await send(pilot, "a long answer please")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: sidebar.context_used > 10_000)
        history = sidebar.context_used
        await pick(pilot, app, "gpt-4")
        confirm = await modal(pilot, ConfirmScreen)
        question = str(confirm.query_one("#confirm-question", Static).visual.plain)
        cost = format_money(Decimal(history) * 30 / 1_000_000)
        assert f"re-sends {history:,} tokens uncached ≈ {cost}" in question
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert sidebar.model == "gpt-4o"
        await pick(pilot, app, "gpt-4")
        await modal(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: sidebar.model == "gpt-4")


async def test_a_new_system_prompt_on_a_long_conversation_says_what_it_re_sends(
    make_services, app_paths, loopback
) -> None:
    from textual.widgets import TextArea

    from tui_chat.screens.conversation_settings import ConversationSettingsScreen

    app = ChatApp(priced_services(make_services, app_paths, loopback, PRICES))
    async with app.run_test(size=(110, 36)) as pilot:
        sidebar = app.screen.query_one(UsageSidebar)
        loopback.enqueue(Script(text="lorem ipsum dolor " * 4000))
        await send(pilot, "a long answer please")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: sidebar.context_used > 10_000)
        history = sidebar.context_used
        await pilot.press("f2")
        settings = await modal(pilot, ConversationSettingsScreen)
        settings.query_one(TextArea).load_text("Be terse.")
        shown = len(app._notifications)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(app._notifications) > shown)
        note = list(app._notifications)[-1].message
        cost = format_money(Decimal(history) * Decimal("2.50") / 1_000_000)
        assert note.startswith("Conversation settings saved.")
        assert f"re-sends {history:,} tokens uncached ≈ {cost}" in note
