"""The chat screen: the current conversation, its prompt box and sidebar, and one Exchange per streaming reply."""

from __future__ import annotations

import asyncio
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
from tui_chat.core.models import Conversation, Message
from tui_chat.screens.chat_attachments import ATTACH_BINDINGS, Attachments, AttachmentTray
from tui_chat.screens.chat_commands import COMMAND_BINDINGS, ChatCommands
from tui_chat.screens.chat_replies import EXCHANGE_BINDINGS, Replies, ReplyViews
from tui_chat.screens.chat_tools import TOOL_BINDINGS, ChatTools
from tui_chat.screens.draft_estimates import DraftEstimates
from tui_chat.screens.message_actions import MESSAGE_ACTION_BINDINGS, MESSAGE_ACTIONS, MessageActions
from tui_chat.screens.spend import SpendPanel
from tui_chat.widgets.chat_pane import OPENING_SCREENS, ChatPane, MessageView, NewTextMarker
from tui_chat.widgets.conversation_pane import ConversationPane
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

if TYPE_CHECKING:
    from tui_chat.app import ChatApp
    from tui_chat.services.container import AppServices
    from tui_chat.services.conversations import ConversationService
    from tui_chat.services.exchange import Exchange
    from tui_chat.widgets.conversation_list import ConversationList

DEMO_BANNER = "Demo model: offline and free, replies are canned. Press ctrl+k to add an API key (or run `tui-chat keys set openai`)."
WIDE_ENOUGH_FOR_LIST = 130
"""Terminal columns from which the conversation list is shown at start (ctrl+o shows it anyway)."""


class ChatScreen(Screen[None]):
    """A conversation list, a conversation pane, a prompt box and the usage sidebar."""

    BINDINGS = [
        *COMMAND_BINDINGS,
        *MESSAGE_ACTION_BINDINGS,
        *EXCHANGE_BINDINGS,
        *TOOL_BINDINGS,
        Binding("ctrl+n", "new_chat", "New chat", show=True, id="chat.new"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=False, id="chat.toggle_sidebar"),
        *ATTACH_BINDINGS,
        Binding("f6", "compare_models", "Compare", show=False, priority=True, id="chat.compare"),
    ]

    HELP_SECTIONS = ((MessageView, "on a selected message"),)
    """Bindings of widgets that may not have the focus now, listed by F1 with a note."""

    streaming: reactive[bool] = reactive(False)
    conversation: reactive[Conversation | None] = reactive(None, always_update=True, repaint=False, init=False)
    """The conversation shown (None for a new one not stored yet); setting it refreshes what depends on it."""

    @dataclass
    class Replied(TextualMessage):
        """An exchange ended (any outcome) and its reply, if any, is stored."""

        exchange: Exchange[ReplyViews]

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.messages = MessageActions(self)
        self.commands = ChatCommands(self)
        self.replies = Replies(self)
        self.tools = ChatTools(self)
        self.spend = SpendPanel()
        self.estimates = DraftEstimates(self)
        self.attach = Attachments(self)
        self._editing: Message | None = None
        """The stored prompt being edited in the box: sending replaces it and what followed it."""
        self.new_system_prompt = ""
        """The system prompt of the new conversation shown, stored with it on its first prompt."""
        self._awaiting_draw = False
        """Whether an opened conversation is being drawn: its draft estimate waits until it is."""
        self.opened = asyncio.Event()
        """Set once the last conversation is shown (or there is none): a prompt sent earlier waits for it."""

    @property
    def chat_app(self) -> ChatApp:
        """The app, as the ChatApp it is."""
        return self.app  # type: ignore[return-value]

    async def conversations(self) -> ConversationService:
        """The conversation service (opening the database on first use)."""
        return await self.services.conversations()

    def streaming_here(self) -> bool:
        """Whether a reply streams in the conversation shown."""
        return self.conversation is not None and self.conversation.id in self.replies.exchanges

    def compose(self) -> ComposeResult:
        sidebar = UsageSidebar(id="sidebar")
        sidebar.status_bar = Static(id="status-bar")
        sidebar.wanted = self.services.settings.show_sidebar
        with Horizontal(id="main"):  # the conversation list joins at the left once shown
            with Vertical(id="chat-column"):
                yield Static(Content(DEMO_BANNER), id="demo-banner")
                yield ConversationPane(id="chat-pane")
                yield NewTextMarker(id="new-text-marker")
                yield AttachmentTray(id="attachment-tray")
                yield PromptInput(id="prompt")
                yield sidebar.status_bar
            yield sidebar
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(UsageSidebar).fit(self.app.size.width)
        if self.services.settings.show_conversations and self.app.size.width >= WIDE_ENOUGH_FOR_LIST:
            self.call_after_refresh(self.commands.show_list)
        target = self.services.target
        self._show_target(target.provider, target.model)
        self.query_one(PromptInput).focus()
        self.call_after_refresh(self.load_last_conversation)
        self.call_after_refresh(self.warm_up)

    def watch_conversation(self, conversation: Conversation | None) -> None:
        """Show the conversation's target, and refresh the list, the draft estimate, the spend and the prompt history."""
        target = conversation or self.services.target
        self._show_target(target.provider, target.model)
        self.query_one(UsageSidebar).reasoning_effort = (conversation and conversation.reasoning_effort) or ""
        self.refresh_conversation_list()
        self.attach.refresh()
        if not self._awaiting_draw:
            self.refresh_estimate_history()
        self.refresh_figures()

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
        self.estimates.warm_up()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A worker that met a database it cannot use says so (a damaged file opens its dialog)."""
        if event.state is WorkerState.ERROR and isinstance(event.worker.error, StoreError):
            self.chat_app.show_error(event.worker.error)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_last_conversation(self) -> None:
        """Show the conversation the user was last in, exactly as it was."""
        try:
            conversation = await (await self.conversations()).latest()
            if conversation is None:
                self.mutate_reactive(ChatScreen.conversation)
                return
            await self.open_conversation(conversation.id)
            if self.services.target_from_command_line:
                await self.commands.use_command_line_target()
        finally:
            self.opened.set()

    async def open_conversation(self, conversation_id: int, *, at_message_id: int | None = None) -> None:
        """Show a stored conversation's newest messages (older ones load on scrolling up), or those
        around one message; a reply still streaming there is reattached."""
        conversations = await self.conversations()
        conversation = await conversations.get(conversation_id)
        if conversation is None:
            return
        self.replies.detach_views()
        if self.conversation is None or self.conversation.id != conversation.id:
            self.query_one(UsageSidebar).forget_reply()
        self._editing = None
        self._awaiting_draw = True
        self.conversation = conversation
        pane = self.query_one(ConversationPane)
        drawn_from = None
        if at_message_id is None:
            messages = await conversations.newest_page(conversation.id)
            messages = messages[pane.newest_filling(messages, int(pane.screen_rows() * OPENING_SCREENS)) :]
        else:
            messages = await conversations.page_around(conversation.id, at_message_id)
            drawn_from = max(sum(1 for message in messages if message.id <= at_message_id) - 1, 0)
        if isinstance(self.focused, MessageView):
            self.query_one(PromptInput).focus()
        await pane.show_messages(messages, drawn_from=drawn_from)
        pane.has_older = await conversations.has_older(conversation.id, messages)
        if at_message_id is not None:
            pane.show_message(at_message_id)
        self.call_after_refresh(self._fill_pane)
        self.streaming = await self.replies.reattach(conversation, pane)

    @work(exclusive=True, group="figures", exit_on_error=False)
    async def refresh_figures(self) -> None:
        """Recompute the spend figures and the budget note, and give the prompt box the earlier prompts."""
        conversations = await self.conversations()
        await self.spend.refresh(self.query_one(UsageSidebar), conversations, self.conversation)
        self.query_one(PromptInput).prompt_history = await conversations.prompt_history()

    def _fill_pane(self) -> None:
        """Load older messages while the pane is not yet full enough to scroll."""
        pane = self.query_one(ConversationPane)
        if pane.has_older and pane.max_scroll_y <= 2:
            self.load_older()

    @on(ChatPane.NewestDrawn)
    def _newest_drawn(self) -> None:
        """The opened conversation is on screen: now read all of it for the draft estimate."""
        self._awaiting_draw = False
        self.refresh_estimate_history()
        self.attach.decorate()

    @on(ConversationPane.NearTop)
    def _near_top(self) -> None:
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
        page = await (await self.conversations()).page_before(self.conversation.id, first)
        pane.has_older = page.has_older
        await pane.prepend_messages(page.messages)
        self.attach.decorate()
        self.call_after_refresh(self._fill_pane)

    @work(exclusive=True, group="estimate-history", exit_on_error=False)
    async def refresh_estimate_history(self) -> None:
        """Give the draft estimator the messages the next request would carry."""
        await self.estimates.load_history()

    @on(TextArea.Changed, "#prompt")
    def _prompt_changed(self) -> None:
        """Update the draft's token count and cost; emptying the box while editing a prompt gives up the edit."""
        if self._editing is not None and not self.query_one(PromptInput).text:
            self._editing = None
        self.estimates.show()

    def on_key(self, event: events.Key) -> None:
        """Text typed before the prompt took the focus (a first start typed into at once) goes to the prompt."""
        if self.focused is None or isinstance(self.focused, PromptInput):
            self.query_one(PromptInput).take_typed_ahead(event)

    def watch_streaming(self, streaming: bool) -> None:
        self.set_class(streaming, "-streaming")

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(UsageSidebar).fit(event.size.width)

    async def action_attach(self, how: str = "pick") -> None:
        await self.attach.act(how)

    def action_toggle_sidebar(self) -> None:
        """Show or hide the usage sidebar (on a wide terminal, remembered until the app quits)."""
        self.query_one(UsageSidebar).toggle()

    async def action_new_conversation(self, system_prompt: str = "") -> None:
        """Start an empty conversation (created in the database on the first prompt, with this system prompt)."""
        self.replies.detach_views()
        self.query_one(UsageSidebar).forget_reply()
        self._editing = None
        self.new_system_prompt = system_prompt
        self.streaming = False
        self._awaiting_draw = False
        await self.query_one(ChatPane).remove_children()
        self.query_one(ChatPane).anchor()
        self.conversation = None
        self.query_one(PromptInput).focus()

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        await self.attach.submit(event.text)

    @on(Replied)
    async def _replied(self, message: Replied) -> None:
        await self.replies.ended(message.exchange)

    @on(ChatPane.NewTextBelow)
    def _new_text_below(self, message: ChatPane.NewTextBelow) -> None:
        self.query_one(NewTextMarker).display = message.shown

    @on(NewTextMarker.Pressed)
    def _marker_pressed(self) -> None:
        self.query_one(ChatPane).anchor()

    def action_jump_to_new_text(self) -> None:
        self.commands.jump_to_new_text()

    async def action_tools_panel(self) -> None:
        await self.tools.panel()

    def action_cancel_reply(self) -> None:
        self.replies.cancel()

    async def action_compare_models(self) -> None:
        await self.commands.compare()

    async def action_retry_reply(self) -> None:
        await self.replies.follow_up("retry")

    async def action_continue_reply(self) -> None:
        await self.replies.follow_up("continue")

    @work(exclusive=True, group="conversation-list", exit_on_error=False)
    async def refresh_conversation_list(self) -> None:
        """Reload the conversation list (newest first) with the current one highlighted, once it is shown."""
        listing = self.conversation_list()
        if listing is not None:
            summaries = await (await self.conversations()).summaries(archived=listing.showing_archived)
            listing.show(summaries, self.conversation.id if self.conversation else None)

    def conversation_list(self) -> ConversationList | None:
        """The conversation list, or None until it is first shown."""
        return next(iter(self.query("#conversations")), None)  # type: ignore[return-value]

    async def action_toggle_conversations(self) -> None:
        await self.commands.toggle_list()

    async def action_toggle_archived(self) -> None:
        await self.commands.toggle_archived()

    # The list's messages are handled by name: its module loads only when the list is first shown.
    async def on_conversation_list_selected(self, event: ConversationList.Selected) -> None:
        await self.open_conversation(event.conversation_id)
        self.query_one(PromptInput).focus()

    async def on_conversation_list_archived_view_toggled(self) -> None:
        await self.action_toggle_archived()

    async def on_conversation_list_delete_requested(self, event: ConversationList.DeleteRequested) -> None:
        await self.commands.delete(event.conversation_id)

    async def on_conversation_list_new_requested(self) -> None:
        await self.action_new_chat()

    async def action_new_chat(self) -> None:
        await self.commands.new_chat()

    async def action_new_from_preset(self) -> None:
        self.commands.new_from_preset()

    async def action_search(self) -> None:
        await self.commands.search()

    async def action_pick_model(self) -> None:
        await self.commands.pick_model()

    async def action_conversation_settings(self) -> None:
        self.commands.conversation_settings()

    async def action_alternative(self, step: int) -> None:
        await self.commands.alternative(step)

    @on(MessageView.ActionRequested)
    async def _message_action(self, event: MessageView.ActionRequested) -> None:
        event.stop()
        if event.action == "leave":
            self.query_one(PromptInput).focus()
        elif event.action in MESSAGE_ACTIONS:
            await self.run_action(MESSAGE_ACTIONS[event.action])

    @on(MessageView.Navigate)
    def _navigate_past_the_end(self, event: MessageView.Navigate) -> None:
        """Moving down from the last message goes back to the prompt."""
        event.stop()
        if event.step > 0:
            self.query_one(PromptInput).focus()

    def action_select_message(self) -> None:
        self.messages.select()

    async def action_copy_message(self) -> None:
        await self.messages.copy()

    async def action_copy_code(self) -> None:
        await self.messages.copy_code()

    async def action_edit_prompt(self) -> None:
        await self.messages.edit()

    async def action_delete_message(self) -> None:
        await self.messages.delete()
