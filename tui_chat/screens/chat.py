"""The chat screen: owns the conversation state and runs one reply worker at a time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.services.events import (
    PromptSaved,
    ReplyFinished,
    RetryScheduled,
    SessionEvent,
    TextDelta,
    UsageReport,
)
from tui_chat.widgets.chat_pane import ChatPane, ReplyView
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

if TYPE_CHECKING:
    from tui_chat.core.models import Conversation
    from tui_chat.services.container import AppServices


class ChatScreen(Screen):
    """A conversation pane, a prompt box and the usage sidebar."""

    BINDINGS = [
        Binding("escape", "cancel_reply", "Cancel reply", show=True, id="chat.cancel"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=True, id="chat.toggle_sidebar"),
        Binding("ctrl+n", "new_conversation", "New chat", show=True, id="chat.new"),
    ]

    streaming: reactive[bool] = reactive(False)

    @dataclass
    class Replied(TextualMessage):
        """A reply finished (any outcome) and is stored."""

        finished: ReplyFinished

    @dataclass
    class RetryAnnounced(TextualMessage):
        """A retry is scheduled."""

        event: RetryScheduled

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.conversation: Conversation | None = None
        self._reply_view: ReplyView | None = None
        self._pending_prompt = ""
        self._finished_seen = False

    def compose(self) -> ComposeResult:
        target = self.services.target
        with Horizontal(id="main"):
            with Vertical(id="chat-column"):
                if self.services.registry.is_demo(target.provider):
                    yield Static(
                        Content("Demo model: offline and free, replies are canned. "
                                "Add a real key with `tui-chat keys set openai`."),
                        id="demo-banner",
                    )
                yield ChatPane(id="chat-pane")
                yield PromptInput(id="prompt")
            yield UsageSidebar(id="sidebar")
        yield Footer()

    def on_mount(self) -> None:
        sidebar = self.query_one(UsageSidebar)
        sidebar.display = self.services.settings.show_sidebar
        target = self.services.target
        sidebar.provider = target.provider
        sidebar.model = target.model
        sidebar.is_demo = self.services.registry.is_demo(target.provider)
        self.query_one(PromptInput).focus()
        self.load_last_conversation()
        self.call_after_refresh(self.warm_up)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Import the SDK, prices and tokenizer off the event loop once the screen is up."""
        from tui_chat.services.warmup import warm_up

        warm_up(self.services.target.model)

    def watch_streaming(self, streaming: bool) -> None:
        self.set_class(streaming, "-streaming")

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_last_conversation(self) -> None:
        """Show the conversation the user was last in, exactly as it was."""
        repository = await self.services.repository()
        conversation = await repository.latest_conversation()
        if conversation is None:
            await self.refresh_spend()
            return
        await self.open_conversation(conversation.id)

    async def open_conversation(self, conversation_id: int) -> None:
        """Show a stored conversation."""
        repository = await self.services.repository()
        conversation = await repository.get_conversation(conversation_id)
        if conversation is None:
            return
        self.conversation = conversation
        messages = await repository.messages(conversation.id)
        await self.query_one(ChatPane).show_messages(messages)
        sidebar = self.query_one(UsageSidebar)
        sidebar.provider, sidebar.model = conversation.provider, conversation.model
        sidebar.is_demo = self.services.registry.is_demo(conversation.provider)
        await self.refresh_spend()

    async def refresh_spend(self) -> None:
        """Recompute the conversation, today and month totals from the usage rows."""
        from tui_chat.core.pricing import format_money

        repository = await self.services.repository()
        now = datetime.now().astimezone()
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month_start = day_start.replace(day=1)
        sidebar = self.query_one(UsageSidebar)
        if self.conversation is not None:
            spent = await repository.spend(conversation_id=self.conversation.id)
            sidebar.conversation_cost = format_money(spent.cost)
        sidebar.today_cost = format_money((await repository.spend(since=day_start)).cost)
        sidebar.month_cost = format_money((await repository.spend(since=month_start)).cost)

    async def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        if self.streaming:
            self.notify("A reply is still streaming; press Esc to cancel it.", severity="warning", markup=False)
            return
        text = event.text
        event.prompt_input.clear()
        self._pending_prompt = text
        if self.conversation is None:
            repository = await self.services.repository()
            target = self.services.target
            self.conversation = await repository.create_conversation(provider=target.provider, model=target.model)
        conversation = self.conversation
        pane = self.query_one(ChatPane)
        pane.anchor()
        await pane.add_message(
            Message(0, conversation.id, Role.USER, text, model=conversation.model)
        )
        self._reply_view = await pane.start_reply(
            Message(0, conversation.id, Role.ASSISTANT, "", model=conversation.model, status=MessageStatus.STREAMING)
        )
        sidebar = self.query_one(UsageSidebar)
        sidebar.live_output_tokens = 0
        sidebar.reply_cost = "…"
        self.streaming = True
        self.send_prompt(conversation, text)

    @work(exclusive=True, group="reply", exit_on_error=False)
    async def send_prompt(self, conversation: Conversation, text: str) -> None:
        """Run one exchange through the chat session."""
        self._finished_seen = False
        try:
            session = await self.services.session()
            await session.send(conversation, text, self._on_session_event)
        except asyncio.CancelledError:
            if not self._finished_seen:
                self.post_message(self.Replied(ReplyFinished(None, None, None)))
            raise
        except Exception as exc:
            if not self._finished_seen:
                self.post_message(self.Replied(ReplyFinished(None, None, exc)))

    async def _on_session_event(self, event: SessionEvent) -> None:
        """Route service events: text straight into the stream, the rest as messages."""
        if isinstance(event, TextDelta):
            if self._reply_view is not None:
                await self._reply_view.write(event.text)
            self.query_one(UsageSidebar).live_output_tokens += 1
        elif isinstance(event, ReplyFinished):
            self._finished_seen = True
            self.post_message(self.Replied(event))
        elif isinstance(event, RetryScheduled):
            self.post_message(self.RetryAnnounced(event))
        elif isinstance(event, (UsageReport, PromptSaved)):
            pass

    def on_chat_screen_retry_announced(self, message: RetryAnnounced) -> None:
        event = message.event
        self.notify(
            f"{event.reason}, retrying in {event.wait_seconds:.0f} s ({event.attempt + 1}/{event.attempts})",
            title="Retrying",
            severity="warning",
            timeout=max(3.0, event.wait_seconds),
            markup=False,
        )

    async def on_chat_screen_replied(self, message: Replied) -> None:
        from tui_chat.core.pricing import format_money

        finished = message.finished
        reply, record, error = finished.reply, finished.record, finished.error
        view = self._reply_view
        self._reply_view = None
        self.streaming = False
        if view is not None:
            if reply is None:
                await view.remove()
            else:
                await view.finish(reply, reply.status, reply.error if reply.status is MessageStatus.FAILED else "")
        sidebar = self.query_one(UsageSidebar)
        if record is not None:
            usage = record.usage
            mark = "≈ estimated" if usage.estimated else "reported"
            sidebar.reply_usage = f"in {usage.input_tokens:,} · out {usage.output_tokens:,} ({mark})"
            sidebar.reply_cost = format_money(record.cost)
        if error is not None:
            self.app.show_error(error)
        if reply is None or not reply.content:
            if error is not None or reply is None:
                prompt = self.query_one(PromptInput)
                if not prompt.text:
                    prompt.restore(self._pending_prompt)
        await self.refresh_spend()

    def action_cancel_reply(self) -> None:
        """Stop the streaming reply; what arrived so far is kept and marked cancelled."""
        if self.streaming:
            self.workers.cancel_group(self, "reply")

    def action_toggle_sidebar(self) -> None:
        """Show or hide the usage sidebar."""
        sidebar = self.query_one(UsageSidebar)
        sidebar.display = not sidebar.display

    async def action_new_conversation(self) -> None:
        """Start an empty conversation (created in the database on the first prompt)."""
        if self.streaming:
            self.notify("A reply is still streaming; press Esc to cancel it first.", severity="warning", markup=False)
            return
        self.conversation = None
        await self.query_one(ChatPane).remove_children()
        await self.refresh_spend()
        self.query_one(PromptInput).focus()
