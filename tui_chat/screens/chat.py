"""The chat screen: owns the visible conversation and one live reply per streaming conversation."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea
from textual.worker import Worker, WorkerState

from tui_chat.core.errors import StoreError
from tui_chat.screens.chat_actions import ACTION_BINDINGS, ChatActions
from tui_chat.screens.chat_exchange import EXCHANGE_BINDINGS, ExchangeActions, LiveReply
from tui_chat.screens.message_actions import MESSAGE_ACTION_BINDINGS, MessageActions
from tui_chat.screens.spend import SpendPanel
from tui_chat.widgets.chat_pane import OPENING_SCREENS, ChatPane, MessageView, NewTextMarker
from tui_chat.widgets.conversation_pane import ConversationPane
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

if TYPE_CHECKING:
    from tui_chat.core.models import Conversation, Message
    from tui_chat.services.container import AppServices
    from tui_chat.services.events import ReplyFinished

WIDE_ENOUGH_FOR_LIST = 130
"""Terminal columns from which the conversation list is shown at start (ctrl+o shows it anyway)."""
NARROW_BELOW = 90
"""Terminal columns below which the sidebar would leave the chat cramped: it hides itself (ctrl+b still
shows it) and a one-line status bar carries the main figures."""
HISTORY_PAGE = 12
"""Messages per page loaded from the store: on opening (of which those filling OPENING_SCREENS are
mounted) and each time the reader scrolls up to the oldest one shown."""


class ChatScreen(ChatActions, MessageActions, ExchangeActions, Screen):
    """A conversation list, a conversation pane, a prompt box and the usage sidebar."""

    BINDINGS = [*ACTION_BINDINGS, *MESSAGE_ACTION_BINDINGS, *EXCHANGE_BINDINGS,
        Binding("ctrl+n", "new_chat", "New chat", show=True, id="chat.new"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=False, id="chat.toggle_sidebar"),
    ]

    HELP_SECTIONS = ((MessageView, "on a selected message"),)
    """Bindings of widgets that may not have the focus now, listed by F1 with a note."""

    streaming: reactive[bool] = reactive(False)
    show_archived: reactive[bool] = reactive(False)

    @dataclass
    class Replied(TextualMessage):
        """A reply finished (any outcome) and is stored."""

        live: LiveReply
        finished: ReplyFinished

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.conversation: Conversation | None = None
        self._live: dict[int, LiveReply] = {}
        self._estimator = None
        self._spend = SpendPanel(services)
        self._editing: Message | None = None
        self._new_system_prompt = ""
        self._token_ticker = None
        self.opened = asyncio.Event()
        """Set once the last conversation is shown (or there is none): a prompt sent earlier waits for it."""
        self._sidebar_wanted = services.settings.show_sidebar
        self._narrow: bool | None = None

    def compose(self) -> ComposeResult:
        sidebar = UsageSidebar(id="sidebar")
        sidebar.status_bar = Static(id="status-bar")
        with Horizontal(id="main"):  # the conversation list joins at the left once shown
            with Vertical(id="chat-column"):
                yield Static(
                    Content(
                        "Demo model: offline and free, replies are canned. "
                        "Press ctrl+k to add an API key (or run `tui-chat keys set openai`)."
                    ),
                    id="demo-banner",
                )
                yield ConversationPane(id="chat-pane")
                yield NewTextMarker(id="new-text-marker")
                yield PromptInput(id="prompt")
                yield sidebar.status_bar
            yield sidebar
        yield Footer()

    def on_mount(self) -> None:
        self._fit_sidebar(self.app.size.width)
        if self.services.settings.show_conversations and self.app.size.width >= WIDE_ENOUGH_FOR_LIST:
            self.call_after_refresh(self.show_conversation_list)
        target = self.services.target
        self._show_target(target.provider, target.model)
        self.query_one(PromptInput).focus()
        self.call_after_refresh(self.load_last_conversation)
        self.call_after_refresh(self.warm_up)

    def _show_target(self, provider: str, model: str) -> None:
        """Show which provider and model the next message goes to."""
        sidebar = self.query_one(UsageSidebar)
        sidebar.provider, sidebar.model = provider, model
        is_demo = self.services.registry.is_demo(provider)
        sidebar.is_demo = is_demo
        self.query_one("#demo-banner").display = is_demo

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Import the SDK, prices and tokenizer off the event loop once the screen is up."""
        from tui_chat.services.estimate import DraftEstimator
        from tui_chat.services.warmup import warm_up

        warm_up(self.services.target.model)
        estimator = DraftEstimator(self.services.registry)
        if self.app.freeze_gc:
            gc.freeze()  # see ChatApp: the SDK, prices and tokenizer stay loaded for good
        self.app.call_from_thread(self._estimator_ready, estimator)

    def _estimator_ready(self, estimator) -> None:
        self._estimator = estimator
        self.refresh_estimate_history()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that met a database it cannot use says so (a damaged file opens its dialog)."""
        if event.state is WorkerState.ERROR and isinstance(event.worker.error, StoreError):
            self.app.show_error(event.worker.error)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_last_conversation(self) -> None:
        """Show the conversation the user was last in, exactly as it was."""
        try:
            repository = await self.services.repository()
            conversation = await repository.latest_conversation()
            self.refresh_conversation_list()
            if conversation is None:
                await self.refresh_spend()
                await self.refresh_prompt_history()
                return
            await self.open_conversation(conversation.id)
            if self.services.target_from_command_line:
                await self.use_command_line_target()
        finally:
            self.opened.set()

    async def open_conversation(self, conversation_id: int, *, at_message_id: int | None = None) -> None:
        """Show a stored conversation's newest messages (older ones load on scrolling up), or those
        around one message; a reply still streaming there is reattached."""
        repository = await self.services.repository()
        conversation = await repository.get_conversation(conversation_id)
        if conversation is None:
            return
        for live in self._live.values():
            live.view = live.prompt_view = live.replaced_view = None
        if self.conversation is None or self.conversation.id != conversation.id:
            self._forget_reply_figures()
        self.conversation = conversation
        self._editing = None
        pane = self.query_one(ConversationPane)
        drawn_from = None
        if at_message_id is None:
            messages = await repository.messages(conversation.id, limit=HISTORY_PAGE)
            messages = messages[pane.newest_filling(messages, int(pane.screen_rows() * OPENING_SCREENS)) :]
        else:
            messages = await repository.messages(conversation.id, limit=HISTORY_PAGE // 2, before_id=at_message_id + 1)
            drawn_from = max(len(messages) - 1, 0)
            messages += await repository.messages_after(conversation.id, at_message_id, limit=HISTORY_PAGE // 2)
        if isinstance(self.focused, MessageView):
            self.query_one(PromptInput).focus()
        await pane.show_messages(messages, drawn_from=drawn_from)
        older = await repository.messages(conversation.id, limit=1, before_id=messages[0].id) if messages else []
        pane.has_older = bool(older)
        if at_message_id is not None:
            pane.show_message(at_message_id)
        self.call_after_refresh(self._fill_pane)
        live = self._live.get(conversation.id)
        if live is not None:
            live.view = await pane.start_reply(self._streaming_message(conversation))
            if live.parts:
                await live.view.write("".join(live.parts))
        self.streaming = live is not None
        self._show_target(conversation.provider, conversation.model)
        self.refresh_conversation_list()
        await self.refresh_spend()
        await self.refresh_prompt_history()

    def _forget_reply_figures(self) -> None:
        """Blank "This reply" when another conversation is shown: its figures belonged to the last one."""
        sidebar = self.query_one(UsageSidebar)
        sidebar.reply_usage = sidebar.reply_cost = "—"
        sidebar.live_output_tokens = 0

    async def refresh_prompt_history(self) -> None:
        """Give the prompt box the user's earlier prompts for the up arrow."""
        repository = await self.services.repository()
        self.query_one(PromptInput).prompt_history = list(reversed(await repository.recent_prompts()))

    def _fill_pane(self) -> None:
        """Load older messages while the pane is not yet full enough to scroll."""
        pane = self.query_one(ConversationPane)
        if pane.has_older and pane.max_scroll_y <= 2:
            self.load_older()

    def on_chat_pane_newest_drawn(self) -> None:
        """The opened conversation is on screen: now read all of it for the draft estimate."""
        self.refresh_estimate_history()

    def on_conversation_pane_near_top(self) -> None:
        """The reader reached the oldest message shown: load the page before it."""
        if self.query_one(ConversationPane).has_older and self.conversation is not None:
            self.load_older()

    @work(exclusive=True, group="older", exit_on_error=False)
    async def load_older(self) -> None:
        """Prepend the page of messages before the oldest one shown."""
        pane = self.query_one(ConversationPane)
        first = pane.first_message_id()
        if first is None or self.conversation is None:
            return
        repository = await self.services.repository()
        older = await repository.messages(self.conversation.id, limit=HISTORY_PAGE, before_id=first)
        pane.has_older = len(older) == HISTORY_PAGE
        await pane.prepend_messages(older)
        self.call_after_refresh(self._fill_pane)

    async def refresh_spend(self) -> None:
        """Recompute the conversation, today and month totals and the budget note."""
        await self._spend.refresh(self.query_one(UsageSidebar), self.conversation)

    @work(exclusive=True, group="estimate-history", exit_on_error=False)
    async def refresh_estimate_history(self) -> None:
        """Give the draft estimator the messages the next request would carry."""
        if self._estimator is None:
            return
        from tui_chat.services.chat_session import prompt_messages

        target = self.conversation or self.services.target
        messages = []
        if self.conversation is not None:
            repository = await self.services.repository()
            messages = prompt_messages(self.conversation, await repository.messages(self.conversation.id))
        self._estimator.set_conversation(target.provider, target.model, messages)
        self._show_estimate()

    @on(TextArea.Changed, "#prompt")
    def _forget_emptied_edit(self) -> None:
        """Emptying the box while editing a prompt gives up the edit."""
        if self._editing is not None and not self.query_one(PromptInput).text:
            self._editing = None

    @on(TextArea.Changed, "#prompt")
    def _show_estimate(self) -> None:
        """Update the draft's token count and cost for the text in the prompt box."""
        if self._estimator is None or not self._estimator.ready:
            return
        from tui_chat.core.pricing import format_money

        draft = self.query_one(PromptInput).text
        estimate = self._estimator.estimate(draft)
        sidebar = self.query_one(UsageSidebar)
        sidebar.context_used = estimate.prompt_tokens.tokens
        sidebar.context_exact = estimate.prompt_tokens.exact
        sidebar.context_window = estimate.context_window
        sidebar.draft_tokens = estimate.draft_tokens.tokens if draft else 0
        sidebar.draft_exact = estimate.draft_tokens.exact
        cost = format_money(estimate.input_cost)
        exact = estimate.prompt_tokens.exact or not estimate.input_cost
        sidebar.draft_cost = cost if exact else f"≈{cost}"

    def on_key(self, event: events.Key) -> None:
        """Text typed before the prompt took the focus (a first start typed into at once) goes to the prompt.

        Such keys reach the screen without passing through the prompt. Enter typed before the app
        switched the terminal to raw mode arrives as a line feed (ctrl+j), so it sends as Enter would.
        """
        prompt = self.query_one(PromptInput)
        if event is prompt.last_key or self.focused not in (None, prompt):
            return
        if not (event.is_printable or event.key in ("enter", "ctrl+j")):
            return
        event.stop()
        prompt.focus()
        key = "enter" if event.key == "ctrl+j" else event.key
        prompt.post_message(events.Key(key, "\r" if key == "enter" else event.character))

    def watch_streaming(self, streaming: bool) -> None:
        self.set_class(streaming, "-streaming")

    def on_resize(self, event: events.Resize) -> None:
        self._fit_sidebar(event.size.width)

    def _fit_sidebar(self, width: int) -> None:
        """Hide the sidebar on crossing below NARROW_BELOW; above it, show it as the reader last chose."""
        narrow = width < NARROW_BELOW
        if narrow != self._narrow:
            self._narrow = narrow
            self._show_sidebar(not narrow and self._sidebar_wanted)

    def _show_sidebar(self, shown: bool) -> None:
        """Show the sidebar, or the status bar in its place."""
        sidebar = self.query_one(UsageSidebar)
        sidebar.display = shown
        if sidebar.status_bar is not None:
            sidebar.status_bar.display = not shown
            sidebar.paint_status()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the usage sidebar (on a wide terminal, remembered until the app quits)."""
        shown = not self.query_one(UsageSidebar).display
        if not self._narrow:
            self._sidebar_wanted = shown
        self._show_sidebar(shown)

    async def action_new_conversation(self, system_prompt: str = "") -> None:
        """Start an empty conversation (created in the database on the first prompt, with this system prompt)."""
        for live in self._live.values():
            live.view = live.prompt_view = live.replaced_view = None
        self.conversation = None
        self._forget_reply_figures()
        self._editing = None
        self._new_system_prompt = system_prompt
        self.streaming = False
        await self.query_one(ChatPane).remove_children()
        self.query_one(ChatPane).anchor()
        target = self.services.target
        self._show_target(target.provider, target.model)
        self.refresh_estimate_history()
        await self.refresh_spend()
        self.query_one(PromptInput).focus()
