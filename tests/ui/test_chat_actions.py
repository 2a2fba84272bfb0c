"""Everyday actions on the chat screen, driven with Pilot against the loopback server."""

from __future__ import annotations

import json

from textual.widgets import Button, Input

from tests.loopback import Script
from tests.ui.pilot import chat, modal, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import Role
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.screens.conversation_settings import ConversationSettingsScreen
from tui_chat.screens.help import HelpScreen
from tui_chat.screens.model_picker import ModelPickerScreen
from tui_chat.screens.rename import TextPromptScreen
from tui_chat.screens.search import SearchScreen
from tui_chat.widgets.chat_pane import MessageView
from tui_chat.widgets.conversation_list import ConversationList
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

WIDE = (150, 40)


async def test_list_shows_conversations_newest_first_and_opens_one(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "first topic", "about the first", loopback)
        await pilot.press("ctrl+n")
        await chat(pilot, "second topic", "about the second", loopback)
        listing = app.screen.query_one(ConversationList)
        await wait_until(pilot, lambda: len(listing.summaries) == 2)
        assert [s.conversation.title for s in listing.summaries] == ["second topic", "first topic"]
        await app.screen.open_conversation(listing.summaries[1].conversation.id)
        await pilot.pause()
        bodies = [view.message.content for view in app.screen.query(MessageView)]
        assert bodies == ["first topic", "about the first"]


async def test_rename_archive_and_delete_keep_spending(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "to be renamed", "ok", loopback)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        listing = app.screen.query_one(ConversationList)
        listing.post_message(ConversationList.RenameRequested(conversation.id))
        prompt = await modal(pilot, TextPromptScreen)
        prompt.query_one(Input).value = "[bold]Renamed[/bold]"
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: listing.summaries and listing.summaries[0].conversation.title == "[bold]Renamed[/bold]"
        )
        listing.post_message(ConversationList.ArchiveToggled(conversation.id, True))
        await wait_until(pilot, lambda: listing.summaries == [] or listing.summaries == ())
        assert (await repository.get_conversation(conversation.id)).archived
        await repository.set_archived(conversation.id, False)
        listing.post_message(ConversationList.DeleteRequested(conversation.id))
        confirm = await modal(pilot, ConfirmScreen)
        confirm.query_one("#yes", Button).press() if confirm.query("#yes") else await pilot.press("y")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await wait_until(pilot, lambda: True)
        await pilot.pause(0.2)
        assert await repository.get_conversation(conversation.id) is None
        rows = await repository.usage_rows()
        assert len(rows) == 1 and rows[0].conversation_id is None


async def test_search_opens_the_conversation_at_the_match(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "tell me about zebras", "Zebras have stripes.", loopback)
        await pilot.press("ctrl+n")
        await chat(pilot, "unrelated", "nothing here", loopback)
        await pilot.press("ctrl+f")
        search = await modal(pilot, SearchScreen)
        search.query_one(Input).value = "stripes"
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        await wait_until(pilot, lambda: any(v.has_class("-found") for v in app.screen.query(MessageView)))
        found = [v for v in app.screen.query(MessageView) if v.has_class("-found")]
        assert found[0].message.content == "Zebras have stripes."


async def test_model_switch_mid_conversation_is_recorded_per_message(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "hello demo", "hi", loopback)
        await pilot.press("ctrl+l")
        picker = await modal(pilot, ModelPickerScreen)
        await wait_until(pilot, lambda: picker.models)
        picker.query_one(Input).value = "gpt-4o"
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one(UsageSidebar).model == "gpt-4o")
        await chat(pilot, "hello gpt", "hi again", loopback)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        models = [(m.role, m.model) for m in await repository.messages(conversation.id)]
        assert models[1] == (Role.ASSISTANT, "demo") and models[3] == (Role.ASSISTANT, "gpt-4o")
        headers = [str(v.query_one(".message-header").render()) for v in app.screen.query(MessageView)]
        assert "demo" in headers[1] and "gpt-4o" in headers[3]


async def test_settings_are_validated_and_saved(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "set me up", "ok", loopback)
        await pilot.press("f2")
        settings = await modal(pilot, ConversationSettingsScreen)
        settings.query_one("#settings-temperature", Input).value = "3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConversationSettingsScreen)
        assert "0 to 2" in str(settings.query_one("#settings-errors").render())
        settings.query_one("#settings-temperature", Input).value = "0.5"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConversationSettingsScreen))
        repository = await services.repository()
        await wait_until(pilot, lambda: app.screen.conversation.temperature == 0.5)
        assert (await repository.latest_conversation()).temperature == 0.5


async def test_copy_reply_and_code_block_use_the_clipboard(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "code please", "Here:\n\n```python\nprint('hi')\n```\n", loopback)
        await pilot.press("f9")
        await wait_until(pilot, lambda: app.clipboard == "Here:\n\n```python\nprint('hi')\n```\n")
        await pilot.press("f4")
        await wait_until(pilot, lambda: app.clipboard == "print('hi')")


async def test_regenerate_keeps_alternatives_to_flip_between(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "roll a die", "four", loopback)
        loopback.enqueue(Script(text="six"))
        await pilot.press("ctrl+r")
        await wait_for_reply(pilot)
        last = lambda: app.screen.query(MessageView).last().message.content  # noqa: E731
        await wait_until(pilot, lambda: last() == "six")
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: last() == "four")
        await pilot.press("alt+right")
        await wait_until(pilot, lambda: last() == "six")


async def test_edit_last_prompt_replaces_it_and_history_comes_back_with_up(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "wrong question", "wrong answer", loopback)
        await pilot.press("f3")
        prompt = app.screen.query_one(PromptInput)
        await wait_until(pilot, lambda: prompt.text == "wrong question")
        prompt.load_text("right question")
        loopback.enqueue(Script(text="right answer"))
        await pilot.press("end", "enter")
        await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert [m.content for m in await repository.messages(conversation.id)] == ["right question", "right answer"]
        await chat(pilot, "third question", "third answer", loopback)
        prompt.focus()
        await pilot.press("up")
        assert prompt.text == "third question"
        await pilot.press("up")
        assert prompt.text == "right question"
        await pilot.press("down", "down")
        assert prompt.text == ""


async def test_delete_last_message_asks_first(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "keep me", "delete me", loopback)
        await pilot.press("f8")
        await modal(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.screen.query(MessageView)) == 1)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert [m.content for m in await repository.messages(conversation.id)] == ["keep me"]


async def test_long_conversation_opens_on_the_newest_page_and_loads_older_on_scroll(make_services) -> None:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    for number in range(60):
        body = f"message {number}\n\n" + "a line of text\n\n" * 4
        await repository.add_message(conversation.id, Role.USER if number % 2 == 0 else Role.ASSISTANT, body)
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: len(app.screen.query(MessageView)) > 0)
        views = list(app.screen.query(MessageView))
        await pilot.pause(0.3)
        views = list(app.screen.query(MessageView))
        assert views[-1].message.content.startswith("message 59") and len(views) < 60
        shown = len(views)
        pane = app.screen.query_one("#chat-pane")
        pane.scroll_to(y=0, animate=False)
        await wait_until(pilot, lambda: len(app.screen.query(MessageView)) > shown)
        assert len(app.screen.query(MessageView)) <= 60


async def test_help_lists_bindings_and_the_keymap_remaps_them(make_services, app_paths, loopback) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text('[keymap]\n"chat.search" = "f12"\n')
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("f12")
        await modal(pilot, SearchScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        await pilot.press("f1")
        help_screen = await modal(pilot, HelpScreen)
        text = json.dumps([[row.keys, row.description, row.binding_id] for row in help_screen.rows])
        assert "chat.search" in text and "f12" in text.lower()


async def test_a_conversation_budget_is_set_in_the_settings_dialog(make_services, loopback) -> None:
    from decimal import Decimal

    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "set me up", "ok", loopback)
        await pilot.press("f2")
        settings = await modal(pilot, ConversationSettingsScreen)
        settings.query_one("#settings-budget", Input).value = "-3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConversationSettingsScreen)
        assert "above 0" in str(settings.query_one("#settings-errors").render())
        settings.query_one("#settings-budget", Input).value = "$1.25"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConversationSettingsScreen))
        await wait_until(pilot, lambda: app.screen.conversation.budget == Decimal("1.25"))
        repository = await services.repository()
        assert (await repository.latest_conversation()).budget == Decimal("1.25")
        await pilot.press("f2")
        settings = await modal(pilot, ConversationSettingsScreen)
        assert settings.query_one("#settings-budget", Input).value == "1.25"
