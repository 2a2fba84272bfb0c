"""Changing conversation, provider or model: the sidebar, the focus and the picker follow."""

from __future__ import annotations

from textual.widgets import OptionList

from tests.loopback import Script
from tests.ui.pilot import modal, send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.model_picker import ModelChoice, ModelPickerScreen
from tui_chat.widgets.conversation_list import ConversationList
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

USAGE = {"prompt_tokens": 4036, "completion_tokens": 248, "prompt_tokens_details": {"cached_tokens": 0}}


def sidebar_text(app) -> str:
    return str(app.screen.query_one("#sidebar-text").render())


async def test_reply_figures_are_blanked_for_a_new_or_another_conversation(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=(140, 40)) as pilot:
        sidebar = app.screen.query_one(UsageSidebar)
        loopback.enqueue(Script(text="first answer", usage=USAGE))
        await send(pilot, "first")
        await wait_for_reply(pilot)
        first_id = app.screen.conversation.id
        assert "in 4,036" in sidebar_text(app)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: sidebar.reply_usage == "—")
        assert "in 4,036" not in sidebar_text(app) and sidebar.reply_cost == "—"
        loopback.enqueue(Script(text="second answer", usage=USAGE))
        await send(pilot, "second")
        await wait_for_reply(pilot)
        assert "in 4,036" in sidebar_text(app)
        listing = app.screen.query_one(ConversationList)
        await wait_until(pilot, lambda: len(listing.summaries) == 2)
        listing.focus()
        listing.highlighted = [s.conversation.id for s in listing.summaries].index(first_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.conversation.id == first_id)
        await wait_until(pilot, lambda: sidebar.reply_usage == "—")
        assert "in 4,036" not in sidebar_text(app)


async def test_a_rejected_key_from_the_environment_names_the_variable_to_fix(
    make_services, loopback, monkeypatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-rejected-0123456789abcdef")
    app = ChatApp(make_services(provider="openai", model="gpt-4o", base_url=loopback.base_url))
    loopback.enqueue(
        Script(status=401, body={"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
    )
    async with app.run_test(size=(110, 36)) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        toast = next(n for n in app._notifications if n.title == "API key rejected")
        assert "OPENAI_API_KEY" in toast.message and "ctrl+k cannot change" in toast.message
        assert "Press ctrl+k" not in toast.message and "sk-env-rejected" not in toast.message


async def test_a_rejected_stored_key_points_to_ctrl_k(make_services, loopback) -> None:
    services = make_services(provider="openai", model="gpt-4o", base_url=loopback.base_url)

    async def stored_key(name, provider) -> str:
        return "sk-stored-rejected-0123456789abcdef"

    services.registry._key_lookup = stored_key
    loopback.enqueue(Script(status=401, body={"error": {"message": "Incorrect API key provided"}}))
    app = ChatApp(services)
    async with app.run_test(size=(110, 36)) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        toast = next(n for n in app._notifications if n.title == "API key rejected")
        assert "Press ctrl+k to set a working key." in toast.message and "environment" not in toast.message


ENV_KEY = "sk-env-openai-0123456789abcdef"


async def test_the_picker_offers_every_usable_provider_and_a_new_chat_starts_on_another(
    make_services, loopback, app_paths, monkeypatch
) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.openai]\nbase_url = "{loopback.base_url}"\nkey_env = "OPENAI_API_KEY"\ndefault_model = "gpt-4o-mini"\n'
    )
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+n", "ctrl+l")
        picker = await modal(pilot, ModelPickerScreen)
        options = picker.query_one(OptionList)
        await wait_until(pilot, lambda: {"demo", "openai"} <= set(picker.listings), timeout=20)
        await wait_until(pilot, lambda: not picker.workers)
        headings = [
            options.get_option_at_index(i).prompt.plain
            for i in range(options.option_count)
            if options.get_option_at_index(i).disabled
        ]
        assert headings == ["demo", "openai"]
        assert "openrouter" not in picker.listings and "groq" not in picker.listings
        details = [options.get_option_at_index(i).prompt.plain for i, row in enumerate(picker.rows) if row]
        assert details and all("ctx" in text and " · in " in text and " /M" in text for text in details)
        options.highlighted = picker.rows.index(ModelChoice("openai", "gpt-4o"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one(UsageSidebar).provider == "openai")
        assert isinstance(app.focused, PromptInput)
        await send(pilot, "hello openai")
        await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert (conversation.provider, conversation.model) == ("openai", "gpt-4o")
        chat = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
        assert chat[-1].headers["authorization"] == f"Bearer {ENV_KEY}" and chat[-1].json["model"] == "gpt-4o"


async def test_closing_the_picker_gives_the_keys_back_to_the_prompt(make_services) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.focused, ConversationList))
        for closing in ("escape", "enter"):
            await pilot.press("ctrl+l")
            picker = await modal(pilot, ModelPickerScreen)
            await wait_until(pilot, lambda picker=picker: picker.shown)
            await pilot.press(closing)
            await wait_until(pilot, lambda: not isinstance(app.screen, ModelPickerScreen))
            await pilot.pause()
            assert isinstance(app.focused, PromptInput), closing
            app.screen.query_one(ConversationList).focus()
