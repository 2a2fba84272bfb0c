"""A newcomer's first start: the demo chat with the keyboard in the prompt, and a key invitation that does not take it."""

from __future__ import annotations

from textual.screen import ModalScreen
from textual.widgets import Static

from tests.ui.pilot import wait_for_estimates, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.setup import SetupScreen
from tui_chat.widgets.chat_pane import MessageView
from tui_chat.widgets.prompt_input import PromptInput


async def test_first_start_opens_the_demo_chat_and_typing_goes_to_the_prompt(make_services) -> None:
    services = make_services()
    assert services.first_run
    services.offer_setup = True  # as cli.py decides on a first start
    app = ChatApp(services)
    async with app.run_test(size=(110, 36)) as pilot:
        await wait_for_estimates(pilot)
        assert not isinstance(app.screen, ModalScreen)
        assert isinstance(app.focused, PromptInput)
        assert app.screen.query_one("#demo-banner").display
        assert "ctrl+k" in str(app.screen.query_one("#demo-banner", Static).render())
        assert any("ctrl+k" in toast.message for toast in app._notifications)
        await pilot.press(*"hello demo", "enter")
        await wait_until(pilot, lambda: len(app.screen.query(MessageView)) == 2)
        await wait_for_reply(pilot)
        assert not isinstance(app.screen, SetupScreen)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        stored = await repository.messages(conversation.id)
        assert [message.content for message in stored][0] == "hello demo"
        assert stored[1].content and conversation.provider == "demo"
        await pilot.press(*"draft", "ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.query("#setup-key"))
        await pilot.pause()
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert sum(isinstance(screen, SetupScreen) for screen in app.screen_stack) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModalScreen))
        assert app.screen.query_one(PromptInput).text == "draft"


async def test_setup_says_in_plain_words_what_to_do_without_a_keyring(make_services) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=(110, 36)) as pilot:
        await app.run_action("setup_keys('openai')")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.query("#setup-current"))
        current = app.screen.query_one("#setup-current", Static)
        await wait_until(pilot, lambda: "keyring" in str(current.render()))
        text = str(current.render())
        assert "No keyring is available on this system, so keys cannot be stored." in text
        assert "Set OPENAI_API_KEY in your environment" in text and "gnome-keyring or KWallet" in text
        assert "keyring.backends" not in text
