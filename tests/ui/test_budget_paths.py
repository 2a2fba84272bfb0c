"""Every way of sending from the chat screen passes the same budget check: retry and continue too."""

from __future__ import annotations

from textual.widgets import Button

from tests.loopback import Script
from tests.ui.pilot import send, settle_workers, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.confirm import ConfirmScreen

PRICED = {"prompt_tokens": 1000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 0}}


def over_budget_app(make_services, app_paths, loopback, over_budget: str) -> ChatApp:
    """The app on a priced loopback provider whose daily budget one reply uses up."""
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.priced]\nbase_url = "{loopback.base_url}"\nneeds_key = false\ndefault_model = "gpt-4o"\n'
        '[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n'
        f'[budget]\ndaily = "0.001"\nover_budget = "{over_budget}"\n'
    )
    return ChatApp(make_services(provider="priced", model="gpt-4o"))


def completions(loopback) -> int:
    return len([r for r in loopback.requests if r.path.endswith("/chat/completions")])


async def test_retry_and_continue_are_refused_when_the_budget_is_used_up(make_services, app_paths, loopback) -> None:
    app = over_budget_app(make_services, app_paths, loopback, "refuse")
    async with app.run_test(size=(110, 36)) as pilot:
        loopback.enqueue(Script(text="cut off", usage=PRICED, finish_reason="length"))
        await send(pilot, "spend it all")
        await wait_for_reply(pilot)
        assert completions(loopback) == 1
        for key in ("ctrl+r", "ctrl+g"):
            shown = len(app._notifications)
            await pilot.press(key)
            await wait_until(pilot, lambda shown=shown: len(app._notifications) > shown)
            await settle_workers(app.screen)
            assert list(app._notifications)[-1].title == "Budget used up"
        assert completions(loopback) == 1


async def test_retry_asks_first_when_the_budget_says_confirm(make_services, app_paths, loopback) -> None:
    app = over_budget_app(make_services, app_paths, loopback, "confirm")
    async with app.run_test(size=(110, 36)) as pilot:
        loopback.enqueue(Script(text="first", usage=PRICED))
        await send(pilot, "spend it all")
        await wait_for_reply(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.screen.query_one("#confirm-no", Button).press()
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await settle_workers(app.screen)
        assert completions(loopback) == 1
        loopback.enqueue(Script(text="again", usage=PRICED))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.screen.query_one("#confirm-yes", Button).press()
        await wait_until(pilot, lambda: completions(loopback) == 2)
        await wait_for_reply(pilot)
