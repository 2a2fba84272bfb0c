"""The chat screen's replies: each runs as an Exchange, shown by its views until its outcome is told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message as TextualMessage

from tui_chat.core.errors import StoreError
from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.widgets.chat_pane import ChatPane, MessageView
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from tui_chat.core.models import Conversation
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.retry_toast import RetryToast
    from tui_chat.services.events import ReplyFinished, RetryScheduled
    from tui_chat.services.exchange import Exchange, ExchangeKind
    from tui_chat.services.tools.events import ToolCall
    from tui_chat.widgets.chat_pane import ReplyView

EXCHANGE_BINDINGS = [
    Binding("escape", "cancel_reply", "Cancel reply", show=True, id="chat.cancel"),
    Binding("ctrl+r", "retry_reply", "Retry", show=False, id="chat.retry"),
    Binding("ctrl+g", "continue_reply", "Continue", show=False, id="chat.continue"),
    Binding("end", "jump_to_new_text", "Jump to new text below", show=False, priority=True, id="chat.jump_to_new_text"),
]

LIVE_COUNT_INTERVAL = 0.5
"""Seconds between updates of the streaming reply's token count in the sidebar."""

ACTION_HINTS = {
    MessageStatus.PARTIAL: "ctrl+r retries, ctrl+g continues from here.",
    MessageStatus.TRUNCATED: "The reply hit the length limit: ctrl+g continues it.",
}
"""What a toast suggests after a reply that stopped short."""


class ReplyStored(TextualMessage):
    """A reply (of any outcome) was written; open views of the usage history refresh."""


def streaming_placeholder(conversation: Conversation) -> Message:
    """The message a reply view shows while its reply is still streaming in `conversation`."""
    return Message(0, conversation.id, Role.ASSISTANT, "", model=conversation.model, status=MessageStatus.STREAMING)


class ReplyViews:
    """The views of one exchange while its conversation is on screen (all None while it is not)."""

    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.reply: ReplyView | None = None
        self.prompt: MessageView | None = None
        self.replaced: MessageView | None = None
        """The reply a retry regenerates: it leaves the pane once the new one is stored."""
        self.retry_toast: RetryToast | None = None

    def detach(self) -> None:
        """Forget the views: another conversation is shown (the exchange goes on, and keeps its text)."""
        self.reply = self.prompt = self.replaced = None

    async def write(self, fragment: str) -> None:
        """Show one more fragment, when the reply is on screen."""
        if self.reply is not None:
            await self.reply.write(fragment)

    async def think(self, fragment: str) -> None:
        """Show one more fragment of thinking, when the reply is on screen."""
        if self.reply is not None:
            await self.reply.think(fragment)

    def retry_scheduled(self, event: RetryScheduled) -> None:
        """Count the retry's wait down in a toast."""
        from tui_chat.screens.retry_toast import RetryToast

        self.retry_toast = RetryToast(self.app, event)

    def retry_wait_over(self) -> None:
        """Take down the retry countdown, if one is up."""
        if self.retry_toast is not None:
            self.retry_toast.close()
            self.retry_toast = None

    def prompt_saved(self, message: Message) -> None:
        """The prompt's view now stands for the stored message (so it can be selected, copied and edited)."""
        if self.prompt is not None:
            self.prompt.message = message

    async def tool_call(self, call: ToolCall) -> None:
        """Show the call in the streaming reply, when it is on screen."""
        from tui_chat.screens.chat_tools import ChatTools

        await ChatTools.show_call(self.reply, call)

    async def settle(self, finished: ReplyFinished, prompt_saved: bool) -> None:
        """Show the stored reply (or take the view down when nothing was stored) and drop views left over."""
        reply = finished.reply
        if self.reply is not None:
            if reply is None:
                await self.reply.remove()
            else:
                await self.reply.finish(
                    reply, reply.status, reply.error if reply.status is MessageStatus.FAILED else ""
                )
        if not prompt_saved and self.prompt is not None:
            await self.prompt.remove()
        if reply is not None and self.replaced is not None:
            await self.replaced.remove()


def reply_usage_text(finished: ReplyFinished) -> tuple[str, str]:
    """The sidebar's "This reply" usage and cost for a finished reply (flagged when the provider's differs)."""
    from tui_chat.core.cost_truth import cost_line

    record = finished.total or finished.record
    if record is None:
        return "—", "—"
    usage = record.usage
    mark = "≈ estimated" if usage.estimated else "reported"
    text = (
        f"in {usage.input_tokens:,} · cached {usage.cached_tokens:,}\n"
        f"out {usage.output_tokens:,} · reasoning {usage.reasoning_tokens:,}\n({mark})"
    )
    if finished.rounds > 1:
        text += f"\n{finished.rounds} rounds (tool calls), total"
    return text, cost_line(record)


class Replies:
    """Sends prompts, retries and continues replies of the chat screen, one Exchange per conversation at most."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self.exchanges: dict[int, Exchange[ReplyViews]] = {}
        """The exchange streaming in each conversation, shown or not."""
        self._token_ticker: Timer | None = None

    def detach_views(self) -> None:
        """Another conversation is shown: the exchanges go on without views."""
        for exchange in self.exchanges.values():
            exchange.display.detach()

    async def reattach(self, conversation: Conversation, pane: ChatPane) -> bool:
        """Show the reply still streaming in `conversation` again, with what arrived so far; whether there is one."""
        exchange = self.exchanges.get(conversation.id)
        if exchange is None:
            return False
        exchange.display.reply = await pane.start_reply(streaming_placeholder(conversation))
        if exchange.thinking:
            await exchange.display.reply.think("".join(exchange.thinking))
            block = exchange.display.reply.thinking_block
            if block is not None:
                block.resume(exchange.reasoning_tokens, exchange.thinking_started, exchange.thinking_ended)
        if exchange.parts:
            await exchange.display.reply.write(exchange.text)
        return True

    async def submit(self, text: str) -> None:
        """Send a prompt, after confirming an edit that replaces later messages.

        A prompt sent before the last conversation was shown goes into it once it is, from a worker:
        waiting here would block the screen's messages that finish opening it.
        """
        screen = self.screen
        if not screen.opened.is_set():
            screen.run_worker(self._submit_when_opened(text), group="typed-ahead", exit_on_error=False)
            return
        if screen.streaming_here():
            screen.notify("A reply is still streaming here; press Esc to cancel it.", severity="warning", markup=False)
            return
        replaced = await screen.messages.replaced_by_edit()
        if replaced > 1:

            async def confirmed(replace: bool | None) -> None:
                if replace:
                    await self.within_budget(lambda confirmed: self._send(text, confirmed))

            question = (
                f"Send the edited prompt? It replaces the earlier one and the {replaced:,} messages after it;"
                " what they cost stays counted."
            )
            from tui_chat.screens.confirm import ConfirmScreen

            screen.app.push_screen(ConfirmScreen(question, yes_label="Replace"), confirmed)
            return
        await self.within_budget(lambda confirmed: self._send(text, confirmed))

    async def _submit_when_opened(self, text: str) -> None:
        await self.screen.opened.wait()
        await self.submit(text)

    async def within_budget(self, go: Callable[[bool], Awaitable[None]]) -> None:
        """Run `go` when the budget check passes, after asking if the config says confirm."""
        from tui_chat.core.errors import TuiChatError
        from tui_chat.services.budget_gate import OverBudget

        screen = self.screen
        try:
            conversation_id = screen.conversation.id if screen.conversation is not None else None
            await (await screen.conversations()).check_budget(conversation_id=conversation_id)
        except OverBudget as refused:
            if not refused.can_confirm:
                screen.chat_app.show_error(refused)
                return

            async def answered(send_anyway: bool | None) -> None:
                if send_anyway:
                    await go(True)

            screen.app.push_screen(screen.spend.over_budget_question(refused.status), answered)
            return
        except TuiChatError as exc:
            screen.chat_app.show_error(exc)
            return
        await go(False)

    async def _send(self, text: str, confirmed: bool) -> None:
        """Show the prompt and start its exchange; a database that cannot be used gives the prompt back."""
        prompt = self.screen.query_one(PromptInput)
        prompt.clear()
        try:
            await self._store_and_start(text, confirmed)
        except StoreError as exc:
            if not prompt.text:
                prompt.restore(text)
            self.screen.chat_app.show_error(exc)

    async def _store_and_start(self, text: str, confirmed: bool) -> None:
        """Start the prompt's exchange, replacing an edited prompt and what followed it first."""
        screen = self.screen
        conversations = await screen.conversations()
        if screen._editing is not None and screen.conversation is not None:
            await conversations.delete_from(screen.conversation.id, screen._editing.id)
            screen._editing = None
            await screen.open_conversation(screen.conversation.id)
        conversation = screen.conversation
        if conversation is None:
            target = screen.services.target
            conversation = await conversations.create(
                provider=target.provider, model=target.model, system_prompt=screen.new_system_prompt
            )
            screen.set_reactive(type(screen).conversation, conversation)  # its figures refresh once it is answered
        pane = screen.query_one(ChatPane)
        pane.anchor()
        views = ReplyViews(screen.app)
        views.prompt = await pane.add_message(Message(0, conversation.id, Role.USER, text, model=conversation.model))
        await self._start(conversation, "send", views, confirmed, prompt=text)

    async def follow_up(self, kind: ExchangeKind) -> None:
        """Retry the last prompt or continue the last reply in this conversation, within the budget."""
        screen = self.screen
        conversation = screen.conversation
        if conversation is None or screen.streaming_here():
            return

        async def go(confirmed: bool) -> None:
            if screen.conversation is not conversation or screen.streaming_here():
                return
            views = ReplyViews(screen.app)
            if kind == "retry":
                shown = screen.query_one(ChatPane).query_children(MessageView)
                last = shown.last() if shown else None
                views.replaced = last if last is not None and last.message.role is Role.ASSISTANT else None
            await self._start(conversation, kind, views, confirmed)

        await self.within_budget(go)

    async def _start(
        self,
        conversation: Conversation,
        kind: ExchangeKind,
        views: ReplyViews,
        confirmed: bool,
        prompt: str | None = None,
    ) -> None:
        """Mount the reply view and run the exchange in a worker of its own conversation."""
        from tui_chat.services.exchange import Exchange

        screen = self.screen
        conversations = await screen.conversations()
        exchange = Exchange(conversation, kind, views, self._ended, prompt=prompt, confirmed=confirmed)
        exchange.attachments = await screen.attach.take(views.prompt) if kind == "send" else ()
        views.reply = await screen.query_one(ChatPane).start_reply(streaming_placeholder(conversation))
        views.reply.thinking_open = screen.services.settings.thinking_while_streaming
        self.exchanges[conversation.id] = exchange
        screen.streaming = True
        sidebar = screen.query_one(UsageSidebar)
        sidebar.live_output_tokens = sidebar.live_reasoning_tokens = 0
        sidebar.reply_usage, sidebar.reply_cost = "waiting for the first token…", "…"
        if self._token_ticker is None:
            self._token_ticker = screen.set_interval(LIVE_COUNT_INTERVAL, self._show_live_count)
        worker = screen.run_worker(
            exchange.run(conversations), group=f"reply-{conversation.id}", exclusive=True, exit_on_error=False
        )
        exchange.stop = worker.cancel

    def _ended(self, exchange: Exchange[ReplyViews]) -> None:
        self.screen.post_message(self.screen.Replied(exchange))

    def cancel(self) -> None:
        """Stop the reply streaming here; what arrived so far is kept and marked cancelled."""
        conversation = self.screen.conversation
        if conversation is not None and conversation.id in self.exchanges:
            self.exchanges[conversation.id].cancel()

    async def ended(self, exchange: Exchange[ReplyViews]) -> None:
        """Show how an exchange ended: its stored reply, its usage, an error or a hint; a prompt unanswered goes back."""
        screen = self.screen
        finished = exchange.outcome
        assert finished is not None
        reply, error = finished.reply, finished.error
        self.exchanges.pop(exchange.conversation.id, None)
        visible = screen.conversation is not None and screen.conversation.id == exchange.conversation.id
        if visible:
            screen.streaming = False
        await exchange.display.settle(finished, exchange.prompt_saved)
        block = exchange.display.reply.thinking_block if exchange.display.reply is not None else None
        if block is not None and finished.record is not None:
            from tui_chat.services.reasoning import thinking_figures

            block.summarise(*thinking_figures(screen.services.registry, finished.record))
        sidebar = screen.query_one(UsageSidebar)
        if visible:
            self._note_new_text(exchange)
            sidebar.live_output_tokens = sidebar.live_reasoning_tokens = 0
            sidebar.reply_usage, sidebar.reply_cost = reply_usage_text(finished)
            from tui_chat.services.cost_report import reply_cache_note

            sidebar.reply_usage += reply_cache_note(screen.services.registry, finished.record)
        if error is not None:
            provider = screen.services.registry.providers.get(exchange.conversation.provider)
            if getattr(error, "status", None) == 401 and provider is not None:
                error.hint = screen.services.keys.rejected_key_hint(provider)  # type: ignore[attr-defined]
            screen.chat_app.show_error(error)
        elif reply is not None and reply.status in ACTION_HINTS:
            screen.notify(
                ACTION_HINTS[reply.status], title=f"Reply {reply.status.value}", severity="warning", markup=False
            )
        nothing_answered = reply is None or not reply.content
        if nothing_answered and exchange.prompt is not None and visible:
            prompt = screen.query_one(PromptInput)
            if not prompt.text:
                prompt.restore(exchange.prompt)
        screen.mutate_reactive(type(screen).conversation)
        screen.app.post_message(ReplyStored())

    def _show_live_count(self) -> None:
        """Show the visible reply's output tokens so far (a few times a second, not per token)."""
        conversation = self.screen.conversation
        exchange = self.exchanges.get(conversation.id) if conversation is not None else None
        if exchange is not None:
            self._note_new_text(exchange)
            sidebar = self.screen.query_one(UsageSidebar)
            sidebar.live_output_tokens = exchange.output_tokens
            sidebar.live_reasoning_tokens = exchange.reasoning_tokens
        elif not self.exchanges and self._token_ticker is not None:
            self._token_ticker.stop()
            self._token_ticker = None

    def _note_new_text(self, exchange: Exchange[ReplyViews]) -> None:
        """Tell the pane when the visible reply grew since the sidebar's count (on its ticks and at the end)."""
        if exchange.output_tokens != self.screen.query_one(UsageSidebar).live_output_tokens:
            self.screen.query_one(ChatPane).text_arrived()
