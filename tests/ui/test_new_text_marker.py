"""The "new text below" marker: shown when a reply grows below a reader scrolled up; End or a click jumps down."""

from __future__ import annotations

from tests.loopback import Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.demo.corpus import markdown_corpus
from tui_chat.widgets.chat_pane import ChatPane, NewTextMarker
from tui_chat.widgets.prompt_input import PromptInput


async def test_the_marker_appears_while_scrolled_up_and_end_or_a_click_jumps_down(make_services, loopback) -> None:
    app = ChatApp(make_services(model="demo-slow"))
    async with app.run_test(size=(100, 30)) as pilot:
        loopback.enqueue(Script(text=markdown_corpus(3000), tokens_per_second=150))
        await send(pilot, "long please")
        pane = app.screen.query_one(ChatPane)
        marker = app.screen.query_one(NewTextMarker)
        prompt = app.screen.query_one(PromptInput)
        await wait_until(pilot, lambda: pane.max_scroll_y > 10)
        await pilot.pause(0.6)
        assert pane.following and not marker.display, "no marker while following the bottom"

        pane.scroll_to(y=0, animate=False)
        await wait_until(pilot, lambda: marker.display)
        assert "new text below" in marker.visual.plain.lower() and pane.scroll_y == 0
        await pilot.press("end")
        await wait_until(pilot, lambda: not marker.display)
        assert pane.following and pane.scroll_y >= pane.max_scroll_y - 1

        pane.scroll_to(y=0, animate=False)
        await wait_until(pilot, lambda: marker.display and marker.region.height > 0)  # drawn, so a click can land
        await pilot.click(NewTextMarker)
        await wait_until(pilot, lambda: not marker.display)
        assert pane.following

        prompt.focus()
        prompt.load_text("draft")
        prompt.move_cursor((0, 1))
        pane.scroll_to(y=0, animate=False)
        await wait_until(pilot, lambda: marker.display)
        await pilot.press("end")  # the first End moves the prompt's cursor to the end of its line
        await pilot.pause()
        assert prompt.cursor_location == (0, 5) and marker.display and not pane.following
        await pilot.press("end")
        await wait_until(pilot, lambda: not marker.display)
        assert prompt.text == "draft" and pane.following
        await pilot.press("escape")
        await wait_for_reply(pilot)


async def test_scrolling_back_to_the_bottom_hides_the_marker(make_services, loopback) -> None:
    app = ChatApp(make_services(model="demo-slow"))
    async with app.run_test(size=(100, 30)) as pilot:
        loopback.enqueue(Script(text=markdown_corpus(3000), tokens_per_second=150))
        await send(pilot, "long please")
        pane = app.screen.query_one(ChatPane)
        marker = app.screen.query_one(NewTextMarker)
        await wait_until(pilot, lambda: pane.max_scroll_y > 10)
        pane.scroll_to(y=0, animate=False)
        await wait_until(pilot, lambda: marker.display)
        pane.scroll_end(animate=False, immediate=True)
        await wait_until(pilot, lambda: not marker.display)
        await pilot.press("escape")
        await wait_for_reply(pilot)
        assert not marker.display
