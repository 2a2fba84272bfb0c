"""Presets at new-chat time: a picker when [presets] has any, none otherwise."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input, OptionList

from tests.ui.pilot import chat, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.choice_picker import ChoicePickerScreen
from tui_chat.widgets.chat_pane import MessageView
from tui_chat.widgets.prompt_input import PromptInput

WIDE = (150, 40)
PRESETS = (
    "[presets]\n"
    'reviewer = "You review code.\\nBe concrete and brief."\n'
    'translator = "Translate everything into French."\n'
)


def configure(app_paths, text: str) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(text)


async def picker(pilot) -> ChoicePickerScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ChoicePickerScreen))
    await pilot.pause()
    return pilot.app.screen


def system_messages(loopback) -> list[str]:
    chats = [request for request in loopback.requests if request.path.endswith("/chat/completions")]
    return [message["content"] for message in chats[-1].body["messages"] if message["role"] == "system"]


async def test_a_preset_picked_at_new_chat_becomes_the_system_prompt(make_services, app_paths, loopback) -> None:
    configure(app_paths, PRESETS)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "before", "ok", loopback)
        await pilot.press("ctrl+n")
        screen = await picker(pilot)
        assert [(choice.label, choice.detail) for choice in screen.choices] == [
            ("No preset", "the model's own defaults"),
            ("reviewer", "You review code."),
            ("translator", "Translate everything into French."),
        ]
        screen.query_one(Input).value = "rvw"
        await pilot.pause()
        assert [screen.choices[index].label for index in screen.shown] == ["reviewer"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert not list(app.screen.query(MessageView))
        await chat(pilot, "review this", "looks fine", loopback)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert conversation.title == "review this"
        assert conversation.system_prompt == "You review code.\nBe concrete and brief."
        assert system_messages(loopback) == ["You review code.\nBe concrete and brief."]


async def test_no_preset_and_escape(make_services, app_paths, loopback) -> None:
    configure(app_paths, PRESETS)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "keep me", "kept", loopback)
        await pilot.press("ctrl+n")
        await picker(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert [view.message.content for view in app.screen.query(MessageView)] == ["keep me", "kept"]
        await pilot.press("ctrl+n")
        await picker(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not list(app.screen.query(MessageView)))
        await chat(pilot, "plain", "plain reply", loopback)
        repository = await services.repository()
        assert (await repository.latest_conversation()).system_prompt == ""
        assert system_messages(loopback) == []


async def test_without_presets_new_chat_asks_nothing(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "first", "one", loopback)
        await pilot.press("ctrl+n")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ChatScreen)
        assert not list(app.screen.query(MessageView))
        assert app.screen.focused is app.screen.query_one(PromptInput)
        await app.screen.action_new_from_preset()
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert any("[presets]" in str(notification.message) for notification in app._notifications)


async def test_the_palette_command_offers_the_presets(make_services, app_paths, loopback) -> None:
    configure(app_paths, PRESETS)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"new chat from preset")
        await wait_until(
            pilot, lambda: "from preset" in str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        )
        await pilot.press("enter")
        screen = await picker(pilot)
        screen.query_one(Input).value = "transl"
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await chat(pilot, "bonjour?", "oui", loopback)
        repository = await services.repository()
        assert (await repository.latest_conversation()).system_prompt == "Translate everything into French."
