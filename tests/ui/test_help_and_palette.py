"""F1 help and the command palette: every word shown as written, readable at any terminal width."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import OptionList

from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen

from tests.ui.pilot import prompt_ready, wait_until


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("keyboard help", "with its id for [keymap] (F1)"),
        ("new chat from preset", "one of the [presets] as its system prompt"),
    ],
)
async def test_palette_help_texts_keep_their_brackets(make_services, command: str, words: str) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await prompt_ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*command)
        options = app.screen.query_one(OptionList)

        def shown() -> str:
            return str(options.get_option_at_index(0).prompt) if options.option_count else ""

        await wait_until(pilot, lambda: command in shown().lower())
        assert words in shown()
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
