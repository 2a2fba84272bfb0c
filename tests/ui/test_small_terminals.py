"""Small terminals: the sidebar steps aside for the chat and a one-line status bar keeps the key figures."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tests.hostile.screen import screen_lines
from tests.ui.pilot import chat, prompt_ready, wait_for_estimates, wait_until
from tui_chat.app import ChatApp
from tui_chat.widgets.chat_pane import ChatPane
from tui_chat.widgets.usage_sidebar import UsageSidebar


def status_text(app: ChatApp) -> str:
    return app.screen.query_one("#status-bar", Static).visual.plain


@pytest.mark.parametrize(("size", "sidebar_shown"), [((60, 20), False), ((80, 24), False), ((120, 40), True)])
async def test_the_sidebar_hides_itself_where_the_chat_would_be_cramped(
    make_services, loopback, size, sidebar_shown
) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=size) as pilot:
        await prompt_ready(pilot)
        await chat(pilot, "hello", "a short answer", loopback)
        sidebar = app.screen.query_one(UsageSidebar)
        status = app.screen.query_one("#status-bar", Static)
        pane = app.screen.query_one(ChatPane)
        assert sidebar.display is sidebar_shown and status.display is not sidebar_shown
        if sidebar_shown:
            return
        assert pane.outer_size.width == size[0]
        await wait_until(pilot, lambda: "today $" in status_text(app))
        shown = status_text(app)
        assert shown.startswith("demo · demo") and "ctx " in shown and "reply $0.00" in shown
        status_row = next(line for line in screen_lines(app) if "demo · demo" in line)
        assert status_row.strip().startswith("demo · demo") and len(status_row) == size[0]
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: sidebar.display and not status.display)
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: not sidebar.display and status.display)


async def test_widening_brings_the_sidebar_back_and_narrowing_hides_it(make_services) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for_estimates(pilot)
        sidebar = app.screen.query_one(UsageSidebar)
        status = app.screen.query_one("#status-bar", Static)
        assert not sidebar.display and status.display
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: sidebar.display and not status.display)
        await pilot.press("ctrl+b")  # hidden by choice on a wide terminal: it stays hidden after resizing
        await wait_until(pilot, lambda: not sidebar.display and status.display)
        await pilot.resize_terminal(70, 20)
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert not sidebar.display and status.display
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: sidebar.display)
        await pilot.resize_terminal(60, 20)
        await wait_until(pilot, lambda: not sidebar.display and status.display)
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press(*"how much")
        await wait_until(pilot, lambda: sidebar.context_used > 0)
        await pilot.pause()
        window = sidebar.context_window
        context = f"{sidebar.context_used / window:.0%}" if window else f"{sidebar.context_used:,} tokens"
        assert f"ctx {context}  reply" in status_text(app).replace("≈", "")


def test_a_60_by_20_terminal(snap_compare, make_services, loopback) -> None:
    """You should see the demo banner, one exchange using the whole width, the prompt box, and under it one
    status line "demo · demo  ctx …  reply $0.00  today $0.00" in the sidebar's colours; no sidebar."""

    async def run_before(pilot) -> None:
        (await prompt_ready(pilot)).cursor_blink = False
        await chat(pilot, "What fits on a small screen?", "Everything that matters, one line each.", loopback)
        await wait_until(pilot, lambda: "today $" in status_text(pilot.app))
        await pilot.pause()

    assert snap_compare(ChatApp(make_services()), terminal_size=(60, 20), run_before=run_before)
