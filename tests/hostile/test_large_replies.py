"""A 1 MB single-line reply and a 100,000-line reply: streamed, stored exactly, rendered, and the app still answers keys.

How long they take is measured in benchmarks/hostile_render.py, not here.
"""

from __future__ import annotations

import pytest

from tui_chat.app import ChatApp
from tui_chat.services.demo_protocol import Script
from tui_chat.widgets.chat_pane import ChatPane, ReplyView
from tui_chat.widgets.usage_sidebar import UsageSidebar

from tests.hostile.corpus import LARGE, Case, params
from tests.hostile.screen import screen_text, unsafe_characters
from tests.ui.pilot import send, wait_for_reply, wait_until


@pytest.mark.parametrize("case", params(LARGE))
async def test_large_reply_renders_and_the_app_stays_responsive(make_services, loopback, case: Case) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        loopback.enqueue(Script(text=case.text))
        await send(pilot, "Say a lot")
        await wait_for_reply(pilot, timeout=900)
        reply = app.screen.query_one(ReplyView)
        assert reply.text == case.text
        repository = await services.repository()
        stored = await repository.messages((await repository.latest_conversation()).id)
        assert stored[-1].content == case.text and stored[-1].status.value == "complete"

        pane = app.screen.query_one(ChatPane)
        pane.scroll_end(animate=False, immediate=True)
        await wait_until(pilot, lambda: case.text.split()[-1] in screen_text(app), timeout=120)
        assert unsafe_characters(app) == []

        sidebar = app.screen.query_one(UsageSidebar)
        shown = sidebar.display
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: sidebar.display is not shown, timeout=120)
        assert app.is_running
