"""The chat screen and replies stored while streaming: shown once when reopened, and marked interrupted after a crash."""

from __future__ import annotations

import sqlite3

from tests.loopback import Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.widgets.chat_pane import ChatPane
from tui_chat.widgets.message_view import MessageView


def streaming_rows(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT content FROM messages WHERE status = 'streaming'")]


async def test_reopening_a_conversation_mid_stream_shows_the_reply_once(make_services, app_paths, loopback) -> None:
    services = make_services(model="demo-slow")
    app = ChatApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        loopback.enqueue(Script(text=" word" * 200, tokens_per_second=40))
        await send(pilot, "stream for a while")
        await wait_until(pilot, lambda: any(len(text) > 10 for text in streaming_rows(app_paths.database)))
        screen = app.screen
        await screen.open_conversation(screen.conversation.id)
        await pilot.pause()
        views = list(screen.query_one(ChatPane).query(MessageView))
        assert [view.message.role for view in views] == [Role.USER, Role.ASSISTANT]
        assert views[1].has_class("-streaming")
        await wait_for_reply(pilot, timeout=30)
        views = list(screen.query_one(ChatPane).query(MessageView))
        assert [view.message.role for view in views] == [Role.USER, Role.ASSISTANT]
    assert streaming_rows(app_paths.database) == []


async def test_after_a_crash_the_app_shows_the_reply_marked_interrupted(make_services) -> None:
    before_crash = make_services()
    repository = await before_crash.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    await repository.add_message(conversation.id, Role.USER, "what happens on a crash?")
    await repository.start_reply(Message(0, conversation.id, Role.ASSISTANT, "Everything up to the last", model="demo"))
    await before_crash.aclose()

    app = ChatApp(make_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: len(app.screen.query(MessageView)) == 2)
        reply = list(app.screen.query(MessageView))[1]
        assert reply.has_class("-interrupted") and reply.message.status is MessageStatus.INTERRUPTED
        assert reply.message.content == "Everything up to the last"
        assert "interrupted" in str(reply.query_one(".message-header").render())
