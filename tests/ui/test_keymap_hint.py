"""The F1 screen's keymap example works when copied into config.toml."""

from __future__ import annotations

from textual.widgets import Static

from tests.ui.pilot import chat, modal, prompt_ready, wait_until
from tui_chat.app import ChatApp
from tui_chat.config import load_settings
from tui_chat.screens.help import HelpScreen
from tui_chat.widgets.prompt_input import PromptInput


async def test_the_help_screens_keymap_example_remaps_the_key(make_services, app_paths, loopback) -> None:
    async with ChatApp(make_services()).run_test(size=(120, 40)) as pilot:
        await prompt_ready(pilot)
        await pilot.press("f1")
        help_screen = await modal(pilot, HelpScreen)
        hint = str(help_screen.query_one("#help-hint", Static).visual)
    example = hint.split("e.g. ", 1)[1].rstrip(".")
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(f"[keymap]\n{example}\n")
    settings, problems = load_settings(app_paths.config_file)
    assert problems == [] and settings.keymap == {"chat.new": "ctrl+t"}
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await chat(pilot, "a first conversation", "noted", loopback)
        assert app.screen.conversation is not None
        app.screen.query_one(PromptInput).focus()
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: app.screen.conversation is None)
        assert app.services.startup_problems == []
