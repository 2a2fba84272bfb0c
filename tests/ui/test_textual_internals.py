"""The private Textual attributes the reply renderer relies on exist in the installed Textual."""

from __future__ import annotations

from importlib.metadata import version

from textual.app import App, ComposeResult
from textual.widgets import Markdown

from tui_chat.widgets.reply.textual_internals import TEXTUAL_VERSION_READ, missing_internals

SAMPLE = "# Title\n\nSome *text*.\n\n- one\n- two\n\n```python\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"


class SampleApp(App):
    def compose(self) -> ComposeResult:
        yield Markdown(SAMPLE)


async def test_installed_textual_has_every_private_attribute_the_renderer_uses() -> None:
    async with SampleApp().run_test() as pilot:
        await pilot.pause()
        missing = missing_internals(pilot.app.query_one(Markdown))
    assert not missing, (
        f"Textual {version('textual')} lacks {', '.join(missing)}, which tui_chat/widgets/reply/textual_internals.py "
        f"was read from Textual {TEXTUAL_VERSION_READ}: read those names again in textual/widgets/_markdown.py "
        "and update that module (and the textual pin in pyproject.toml)."
    )


async def test_a_textual_without_them_is_named() -> None:
    async with SampleApp().run_test() as pilot:
        await pilot.pause()
        markdown = pilot.app.query_one(Markdown)
        del markdown._last_parsed_line
        fence = next(block for block in markdown.query("MarkdownFence"))
        del fence._highlighted_code
        assert missing_internals(markdown) == ["Markdown._last_parsed_line", "MarkdownFence._highlighted_code"]
