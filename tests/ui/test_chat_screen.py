"""The chat screen driven with Pilot against the loopback server: type, stream, cancel, restart."""

from __future__ import annotations

from textual import events
from textual.widgets import Markdown

from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import MessageStatus, Role
from tui_chat.screens.chat import ChatScreen
from tui_chat.widgets.chat_pane import ChatPane, MessageView, ReplyView
from tui_chat.widgets.prompt_input import PromptInput


async def test_send_streams_reply_and_stores_both(make_services) -> None:
    services = make_services()
    seen: list[object] = []
    app = ChatApp(services)

    def hook(message) -> None:
        if not any(message is known for known in seen):
            seen.append(message)

    async with app.run_test(size=(110, 36), message_hook=hook) as pilot:
        await send(pilot, "What is *Markdown*?")
        await wait_for_reply(pilot)
        pane = app.screen.query_one(ChatPane)
        views = list(pane.query(MessageView))
        assert [view.message.role for view in views] == [Role.USER, Role.ASSISTANT]
        reply_markdown = views[1].query_one(Markdown)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        stored = await repository.messages(conversation.id)
        assert [m.content for m in stored][0] == "What is *Markdown*?"
        assert stored[1].status is MessageStatus.COMPLETE
        assert reply_markdown.source == stored[1].content
        assert "> What is *Markdown*?" in stored[1].content
        rows = await repository.usage_rows(conversation.id)
        assert len(rows) == 1 and rows[0].usage.estimated is False
        assert app.screen.query_one(PromptInput).text == ""
    order = [
        type(m).__qualname__ for m in seen if type(m).__qualname__ in ("PromptInput.Submitted", "ChatScreen.Replied")
    ]
    assert order == ["PromptInput.Submitted", "ChatScreen.Replied"]


async def test_ctrl_j_inserts_a_newline_and_paste_stays_intact(make_services) -> None:
    app = ChatApp(make_services())
    async with app.run_test() as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press("a", "ctrl+j", "b")
        assert prompt.text == "a\nb"
        prompt.clear()
        app.post_message(events.Paste("line one\nline two\n\tindented"))
        await pilot.pause()
        assert prompt.text == "line one\nline two\n\tindented"
        assert not list(app.screen.query(MessageView))


async def test_escape_cancels_and_keeps_the_partial_reply(make_services) -> None:
    services = make_services(model="demo-slow")
    app = ChatApp(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "Tell me everything")
        reply = app.screen.query_one(ReplyView)
        await wait_until(pilot, lambda: len(reply.text) > 20)
        await pilot.press("escape")
        await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        stored = await repository.messages(conversation.id)
        assert stored[1].status is MessageStatus.CANCELLED
        assert stored[1].content and "Tell me everything" not in stored[1].content[:5]
        assert reply.has_class("-cancelled")
        header = str(reply.query_one(".message-header").render())
        assert "cancelled" in header
        rows = await repository.usage_rows(conversation.id)
        assert rows[0].status == "cancelled" and rows[0].usage.estimated


async def test_restart_shows_the_last_conversation_exactly(make_services) -> None:
    services = make_services()
    async with ChatApp(services).run_test() as pilot:
        await send(pilot, "Remember me")
        await wait_for_reply(pilot)
        first_reply = pilot.app.screen.query(MessageView).last().message.content
    again = make_services()
    async with ChatApp(again).run_test() as pilot:
        await wait_until(pilot, lambda: len(pilot.app.screen.query(MessageView)) == 2)
        views = list(pilot.app.screen.query(MessageView))
        assert str(views[0].query_one(".message-body").render()) == "Remember me"
        assert views[1].query_one(Markdown).source == first_reply
        assert isinstance(pilot.app.screen, ChatScreen)
        assert pilot.app.screen.conversation is not None


async def test_pane_follows_the_bottom_until_the_reader_scrolls_up(make_services, loopback) -> None:
    from tests.loopback import Script
    from tui_chat.demo.corpus import markdown_corpus

    app = ChatApp(make_services(model="demo-slow"))
    async with app.run_test(size=(100, 30)) as pilot:
        loopback.enqueue(Script(text=markdown_corpus(600), tokens_per_second=400))
        await send(pilot, "long please")
        pane = app.screen.query_one(ChatPane)
        await wait_until(pilot, lambda: pane.max_scroll_y > 20)
        await pilot.pause(0.2)
        assert pane.scroll_y >= pane.max_scroll_y - 1
        pane.scroll_to(y=0, animate=False)
        await pilot.pause(0.3)
        assert pane.scroll_y == 0 and pane.max_scroll_y > 20
        pane.scroll_end(animate=False, immediate=True)
        await wait_for_reply(pilot)
        await pilot.pause(0.2)
        assert pane.scroll_y >= pane.max_scroll_y - 1


async def test_failure_before_any_text_shows_a_toast_and_gives_the_prompt_back(make_services, loopback) -> None:
    from tests.loopback import Script

    app = ChatApp(make_services())
    async with app.run_test() as pilot:
        loopback.enqueue(
            Script(status=401, body={"error": {"message": "Incorrect API key [bold]x[/]", "code": "invalid_api_key"}})
        )
        await send(pilot, "keep these words")
        await wait_for_reply(pilot)
        assert app.screen.query_one(PromptInput).text == "keep these words"
        titles = [notification.title for notification in app._notifications]
        assert "API key rejected" in titles
        [toast] = [n for n in app._notifications if n.title == "API key rejected"]
        assert "[bold]x[/]" in toast.message and toast.markup is False
