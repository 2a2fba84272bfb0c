"""Each hostile case as a model name, a prompt, a reply, a server error and a conversation title, in one real app.

Per case: the model is named with the case (header, sidebar, conversation list), the prompt and the
streamed reply are the case, a second request fails with the case as the server's error message
(toast and failed reply header), and the conversation is renamed to the case (list). Then the whole
screen is checked: no control character in any cell, no payload in what would be written, the
app still running, and each surface shows the case's visible form.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Static

from tests.hostile.corpus import ALL_PAYLOADS, LARGE, SMALL_CASES, Case, params
from tests.hostile.screen import leaked_payloads, screen_text, terminal_output, unsafe_characters
from tests.loopback import LoopbackServer, Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import MessageStatus, Role
from tui_chat.core.text import one_line, show_controls
from tui_chat.screens.chat import ChatScreen
from tui_chat.services.bootstrap import build_services
from tui_chat.widgets.chat_pane import ReplyView
from tui_chat.widgets.conversation_list import ConversationList
from tui_chat.widgets.message_view import MessageView

SIZE = (160, 60)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[LoopbackServer]:
    """A loopback server whose models are named with every small case."""
    server = LoopbackServer(tokens_per_second={case.text: None for case in SMALL_CASES})
    server.start()
    yield server
    server.stop()


def plain(widget: Static) -> str:
    return str(widget.render())


def assert_screen_safe(app: ChatApp) -> None:
    assert app.is_running and isinstance(app.screen, ChatScreen)
    assert unsafe_characters(app) == []
    assert leaked_payloads(terminal_output(app), ALL_PAYLOADS) == []


@pytest.mark.parametrize("case", params(SMALL_CASES))
async def test_case_on_every_surface(app_paths, hostile_server: LoopbackServer, case: Case) -> None:
    hostile_server.reset()
    services = build_services(paths=app_paths, model=case.text, demo_server=hostile_server)
    app = ChatApp(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        hostile_server.enqueue(Script(text=case.text))
        await send(pilot, case.text)
        await wait_for_reply(pilot)
        screen = app.screen
        assert screen.query_one(ReplyView).text == show_controls(case.text)
        text = screen_text(app)
        assert [shown for shown in case.shown if shown not in text] == [], "reply or prompt not shown literally"
        assert_screen_safe(app)

        hostile_server.enqueue(
            Script(status=400, body={"error": {"message": case.text, "type": "invalid_request_error"}})
        )
        await send(pilot, "and again")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: bool(screen.query("Toast")))
        toasts = [plain(toast) for toast in app.screen.query("Toast")]
        assert any(one_line(case.text)[:40] in one_line(toast) for toast in toasts), toasts

        repository = await services.repository()
        conversation = await repository.latest_conversation()
        await repository.set_title(conversation.id, case.text)
        screen.refresh_conversation_list()
        conversations = screen.query_one(ConversationList)
        await wait_until(
            pilot,
            lambda: (
                conversations.option_count
                and one_line(case.text)[:40] in str(conversations.get_option_at_index(0).prompt)
            ),
        )
        await pilot.pause()

        assert one_line(case.text) in plain(screen.query_one("#sidebar-text", Static))
        headers = [plain(view.query_one(".message-header", Static)) for view in screen.query(MessageView)]
        assert any(header.startswith(one_line(case.text)) for header in headers), headers
        stored = await repository.messages(conversation.id)
        assert stored[0].content == show_controls(case.text)  # typed into the prompt box, shown as typed
        assert stored[1].content == case.text and stored[1].model == case.text
        assert stored[-1].role is Role.ASSISTANT and stored[-1].status is MessageStatus.FAILED
        assert_screen_safe(app)
        assert [n for n in app._notifications if n.severity == "error" and n.title != "Request refused (400)"] == []


@pytest.mark.parametrize("case", params(LARGE))
async def test_large_case_as_server_error_and_title(make_services, loopback, case: Case) -> None:
    """A megabyte error body becomes a short toast and failed-reply header; a megabyte title a short list entry."""
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        loopback.enqueue(Script(status=400, body={"error": {"message": case.text}}))
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.query("Toast")))
        [toast] = [plain(toast) for toast in screen.query("Toast")]
        assert case.text[:100] in toast and len(toast) < 3_000
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        stored = await repository.messages(conversation.id)
        assert stored[-1].status is MessageStatus.FAILED and 0 < len(stored[-1].error) < 1_000
        await repository.set_title(conversation.id, case.text)
        screen.refresh_conversation_list()
        conversations = screen.query_one(ConversationList)
        await wait_until(
            pilot,
            lambda: (
                conversations.option_count
                and one_line(case.text)[:50] in str(conversations.get_option_at_index(0).prompt)
            ),
        )
        assert len(str(conversations.get_option_at_index(0).prompt)) < 300
        await pilot.pause()
        assert_screen_safe(app)
