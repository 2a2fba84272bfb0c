"""Changing conversation, provider or model: the sidebar, the focus and the picker follow."""

from __future__ import annotations

from tui_chat.app import ChatApp
from tui_chat.services.demo_server import Script
from tui_chat.widgets.conversation_list import ConversationList
from tui_chat.widgets.usage_sidebar import UsageSidebar

from tests.ui.pilot import send, wait_for_reply, wait_until

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
