"""Screenshots of the real app, compared with the stored SVGs (pytest-textual-snapshot)."""

from __future__ import annotations

from tests.ui.pilot import prompt_ready, send, wait_for_reply
from tui_chat.app import ChatApp


def test_chat_screen_with_a_finished_demo_reply(snap_compare, make_services) -> None:
    """You should see the demo banner, your prompt, and the demo model's finished Markdown reply
    (heading, list, table and a highlighted Python block) with the sidebar showing reported usage
    and $0.00 costs, in the tui-chat-dark theme."""

    async def run_before(pilot) -> None:
        (await prompt_ready(pilot)).cursor_blink = False
        await send(pilot, "Show me what you can do")
        await wait_for_reply(pilot)
        pilot.app.screen.query_one("#chat-pane").scroll_home(animate=False)
        await pilot.pause()

    assert snap_compare(ChatApp(make_services()), terminal_size=(110, 40), run_before=run_before)
