"""F1 help and the command palette: every word shown as written, readable at any terminal width."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import OptionList, Static

from tests.ui.pilot import modal, prompt_ready, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.help import HelpScreen


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


def row_text(row: Static) -> list[str]:
    """The rendered lines of one help row, as the terminal would show them."""
    return ["".join(segment.text for segment in strip).rstrip() for strip in row.render_lines(row.region.reset_offset)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_help_shows_every_binding_whole(make_services, size: tuple[int, int]) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=size) as pilot:
        await prompt_ready(pilot)
        await pilot.press("f1")
        help_screen = await modal(pilot, HelpScreen)
        await wait_until(pilot, lambda: len(help_screen.query(".help-row")) == len(help_screen.rows))
        await pilot.pause()
        assert len(help_screen.rows) > 20 and {"chat.new", "message.copy", "app.help"} <= {
            r.binding_id for r in help_screen.rows
        }
        for binding, row in zip(help_screen.rows, help_screen.query(".help-row").results(Static)):
            lines = row_text(row)
            assert max(map(len, lines)) <= size[0] - 4
            keys_width = lines[0].index(binding.keys) + len(binding.keys) if binding.keys in lines[0] else 0
            assert keys_width, f"{binding.keys!r} is not whole in {lines!r}"
            right = [line[keys_width:].strip() for line in lines]
            if binding.binding_id:
                assert right.pop() == binding.binding_id, lines
            assert " ".join(part for part in right if part) == binding.description, lines
        assert help_screen.focused is help_screen.query_one("#help-bindings")
        await pilot.press("end")
        assert help_screen.query_one("#help-bindings").scroll_y > 0 or size[1] >= 50
