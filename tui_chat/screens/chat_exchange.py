"""The chat screen's exchanges: send a prompt, stream its reply, retry, continue and cancel.

Handlers here are found by name (on_prompt_input_..., on_chat_screen_...), since Textual's @on decorator
only registers handlers of classes built by its metaclass, which a mixin is not. ChatScreen.Replied stays
nested in ChatScreen: its handler name comes from that nesting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message as TextualMessage

from tui_chat.core.errors import StoreError
from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.widgets.chat_pane import ChatPane, MessageView, NewTextMarker
from tui_chat.widgets.conversation_pane import ConversationPane
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

if TYPE_CHECKING:
    from textual.worker import Worker

    from tui_chat.core.models import Conversation
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.retry_toast import RetryToast
    from tui_chat.services.chat_session import ChatSession
    from tui_chat.services.events import ReplyFinished, SessionEvent
    from tui_chat.widgets.chat_pane import ReplyView

LIVE_COUNT_INTERVAL = 0.5
"""Seconds between updates of the streaming reply's token count in the sidebar."""

EXCHANGE_BINDINGS = [
    Binding("escape", "cancel_reply", "Cancel reply", show=True, id="chat.cancel"),
    Binding("ctrl+r", "retry_reply", "Retry", show=False, id="chat.retry"),
    Binding("ctrl+g", "continue_reply", "Continue", show=False, id="chat.continue"),
    Binding("end", "jump_to_new_text", "Jump to new text below", show=False, priority=True, id="chat.jump_to_new_text"),
]


class ReplyStored(TextualMessage):
    """A reply (of any outcome) was written; open views of the usage history refresh."""


ACTION_HINTS = {
    MessageStatus.PARTIAL: "ctrl+r retries, ctrl+g continues from here.",
    MessageStatus.TRUNCATED: "The reply hit the length limit: ctrl+g continues it.",
}


@dataclass
class LiveReply:
    """A reply streaming in one conversation, visible or not."""

    conversation: Conversation
    prompt: str | None
    parts: list[str] = field(default_factory=list)
    view: ReplyView | None = None
    prompt_view: MessageView | None = None
    replaced_view: MessageView | None = None
    """The reply a retry regenerates: it leaves the pane once the new one is stored."""
    prompt_saved: bool = False
    finished: bool = False
    output_tokens: int = 0
    worker: Worker | None = None
    retry_toast: RetryToast | None = None
    """The countdown of a retry's wait, while one runs."""

    def end_retry_wait(self) -> None:
        """Take down the retry countdown, if one is up."""
        if self.retry_toast is not None:
            self.retry_toast.close()
            self.retry_toast = None


class ExchangeActions:
    """Send, stream, retry, continue and cancel the replies of ChatScreen's conversations."""

    def _streaming_message(self: ChatScreen, conversation: Conversation) -> Message:
        """The placeholder message of a reply still streaming in `conversation`."""
        return Message(0, conversation.id, Role.ASSISTANT, "", model=conversation.model, status=MessageStatus.STREAMING)

    async def on_prompt_input_submitted(self: ChatScreen, event: PromptInput.Submitted) -> None:
        if not self.opened.is_set():
            self.run_worker(self._submit_when_opened(event.text), group="typed-ahead", exit_on_error=False)
            return
        await self._submit(event.text)

    async def _submit_when_opened(self: ChatScreen, text: str) -> None:
        """A prompt sent before the last conversation was shown goes into it, once it is."""
        await self.opened.wait()
        await self._submit(text)

    async def _submit(self: ChatScreen, text: str) -> None:
        """Send a prompt, after confirming an edit that replaces later messages."""
        if self.conversation is not None and self.conversation.id in self._live:
            self.notify("A reply is still streaming here; press Esc to cancel it.", severity="warning", markup=False)
            return
        replaced = await self.messages_replaced_by_edit()
        if replaced > 1:

            async def confirmed(replace: bool | None) -> None:
                if replace:
                    await self._send_within_budget(text)

            question = (f"Send the edited prompt? It replaces the earlier one and the {replaced:,} messages after it;"
                        " what they cost stays counted.")
            from tui_chat.screens.confirm import ConfirmScreen

            self.app.push_screen(ConfirmScreen(question, yes_label="Replace"), confirmed)
            return
        await self._send_within_budget(text)

    async def _send_within_budget(self: ChatScreen, text: str) -> None:
        """Send, after asking when the budget is spent (or not at all when the config says refuse)."""
        await self._within_budget(lambda confirmed: self._send(text, over_budget_confirmed=confirmed))

    async def _within_budget(self: ChatScreen, go: Callable[[bool], Awaitable[None]]) -> None:
        """Run `go` when the session's budget check passes, after asking if the config says confirm."""
        from tui_chat.core.errors import TuiChatError
        from tui_chat.services.budget_gate import OverBudget

        try:
            session = await self.services.session()
            await session.check_budget()
        except OverBudget as refused:
            if not refused.can_confirm:
                self.app.show_error(refused)
                return

            async def answered(send_anyway: bool | None) -> None:
                if send_anyway:
                    await go(True)

            self.app.push_screen(self._spend.over_budget_question(refused.status), answered)
            return
        except TuiChatError as exc:
            self.app.show_error(exc)
            return
        await go(False)

    async def _send(self: ChatScreen, text: str, *, over_budget_confirmed: bool = False) -> None:
        """Show the prompt and start its exchange; a database that cannot be used gives the prompt back."""
        prompt = self.query_one(PromptInput)
        prompt.clear()
        try:
            await self._store_and_start(text, over_budget_confirmed=over_budget_confirmed)
        except StoreError as exc:
            if not prompt.text:
                prompt.restore(text)
            self.app.show_error(exc)

    async def _store_and_start(self: ChatScreen, text: str, *, over_budget_confirmed: bool = False) -> None:
        """Start the prompt's exchange, replacing an edited prompt and what followed it first."""
        if self._editing is not None and self.conversation is not None:
            repository = await self.services.repository()
            await repository.delete_messages_from(self.conversation.id, self._editing.id)
            self._editing = None
            await self.open_conversation(self.conversation.id)
        if self.conversation is None:
            repository = await self.services.repository()
            target = self.services.target
            self.conversation = await repository.create_conversation(
                provider=target.provider, model=target.model, system_prompt=self._new_system_prompt
            )
        conversation = self.conversation
        pane = self.query_one(ChatPane)
        pane.anchor()
        live = LiveReply(conversation, text)
        live.prompt_view = await pane.add_message(Message(0, conversation.id, Role.USER, text, model=conversation.model))
        await self._start(
            live, lambda session, emit: session.send(conversation, text, emit, over_budget_confirmed=over_budget_confirmed)
        )

    async def _start(
        self: ChatScreen, live: LiveReply, run: Callable[[ChatSession, Callable], Awaitable[ReplyFinished]]
    ) -> None:
        """Mount the reply view and run the exchange in a worker of its own conversation."""
        live.view = await self.query_one(ChatPane).start_reply(self._streaming_message(live.conversation))
        self._live[live.conversation.id] = live
        self.streaming = True
        sidebar = self.query_one(UsageSidebar)
        sidebar.live_output_tokens = 0
        sidebar.reply_usage, sidebar.reply_cost = "waiting for the first token…", "…"
        if self._token_ticker is None:
            self._token_ticker = self.set_interval(LIVE_COUNT_INTERVAL, self._show_live_count)
        live.worker = self.run_worker(
            self._exchange(live, run), group=f"reply-{live.conversation.id}", exclusive=True, exit_on_error=False
        )

    async def _exchange(self: ChatScreen, live: LiveReply, run) -> None:
        """Run one exchange; whatever happens, the screen hears how it ended."""
        from tui_chat.services.events import PromptSaved, ReplyFinished, RetryScheduled, TextDelta

        async def emit(event: SessionEvent) -> None:
            live.end_retry_wait()
            if isinstance(event, TextDelta):
                live.parts.append(event.text)
                live.output_tokens += 1
                if live.view is not None:
                    await live.view.write(event.text)
            elif isinstance(event, ReplyFinished):
                live.finished = True
                self.post_message(self.Replied(live, event))
            elif isinstance(event, RetryScheduled):
                from tui_chat.screens.retry_toast import RetryToast

                live.retry_toast = RetryToast(self.app, event)
            elif isinstance(event, PromptSaved):
                live.prompt_saved = True
                if live.prompt_view is not None:
                    live.prompt_view.message = event.message

        try:
            session = await self.services.session()
            await run(session, emit)
        except asyncio.CancelledError:
            if not live.finished:
                self.post_message(self.Replied(live, ReplyFinished(None, None, None)))
            raise
        except Exception as exc:
            if not live.finished:
                self.post_message(self.Replied(live, ReplyFinished(None, None, exc)))
        finally:
            live.end_retry_wait()

    async def on_chat_screen_replied(self: ChatScreen, message: ChatScreen.Replied) -> None:
        live, finished = message.live, message.finished
        reply, error = finished.reply, finished.error
        self._live.pop(live.conversation.id, None)
        visible = self.conversation is not None and self.conversation.id == live.conversation.id
        if visible:
            self.streaming = False
        if live.view is not None:
            if reply is None:
                await live.view.remove()
            else:
                await live.view.finish(reply, reply.status, reply.error if reply.status is MessageStatus.FAILED else "")
        if not live.prompt_saved and live.prompt is not None and live.prompt_view is not None:
            await live.prompt_view.remove()
        if reply is not None and live.replaced_view is not None:
            await live.replaced_view.remove()
        if visible:
            self._note_new_text(live)
            self._show_reply_usage(finished)
        if error is not None:
            provider = self.services.registry.providers.get(live.conversation.provider)
            if getattr(error, "status", None) == 401 and provider is not None:
                error.hint = self.services.keys.rejected_key_hint(provider)
            self.app.show_error(error)
        elif reply is not None and reply.status in ACTION_HINTS:
            self.notify(ACTION_HINTS[reply.status], title=f"Reply {reply.status.value}", severity="warning", markup=False)
        nothing_answered = reply is None or not reply.content
        if nothing_answered and live.prompt is not None and visible:
            prompt = self.query_one(PromptInput)
            if not prompt.text:
                prompt.restore(live.prompt)
        self.refresh_estimate_history()
        self.refresh_conversation_list()
        try:
            await self.refresh_spend()
            await self.refresh_prompt_history()
        except StoreError as exc:
            self.app.show_error(exc)
        self.app.post_message(ReplyStored())

    def _show_live_count(self: ChatScreen) -> None:
        """Show the visible reply's output tokens so far (a few times a second, not per token)."""
        live = self._live.get(self.conversation.id) if self.conversation is not None else None
        if live is not None:
            self._note_new_text(live)
            self.query_one(UsageSidebar).live_output_tokens = live.output_tokens
        elif not self._live and self._token_ticker is not None:
            self._token_ticker.stop()
            self._token_ticker = None

    def _note_new_text(self: ChatScreen, live: LiveReply) -> None:
        """Tell the pane when the visible reply grew since the sidebar's count (on its ticks and at the end)."""
        if live.output_tokens != self.query_one(UsageSidebar).live_output_tokens:
            self.query_one(ChatPane).text_arrived()

    def on_chat_pane_new_text_below(self: ChatScreen, message: ChatPane.NewTextBelow) -> None:
        self.query_one(NewTextMarker).display = message.shown

    def on_new_text_marker_pressed(self: ChatScreen) -> None:
        self.query_one(ChatPane).anchor()

    def action_jump_to_new_text(self: ChatScreen) -> None:
        """Jump down to the text that arrived below (in the prompt, End first reaches the end of the line)."""
        from textual.actions import SkipAction

        prompt = self.query_one(PromptInput)
        at_line_end = self.focused is not prompt or prompt.cursor_location == prompt.get_cursor_line_end_location()
        if not self.query_one(NewTextMarker).display or not at_line_end:
            raise SkipAction()
        self.query_one(ChatPane).anchor()

    def _show_reply_usage(self: ChatScreen, finished: ReplyFinished) -> None:
        from tui_chat.core.pricing import format_money

        record = finished.record
        sidebar = self.query_one(UsageSidebar)
        sidebar.live_output_tokens = 0
        if record is None:
            sidebar.reply_usage, sidebar.reply_cost = "—", "—"
            return
        usage = record.usage
        mark = "≈ estimated" if usage.estimated else "reported"
        sidebar.reply_usage = (
            f"in {usage.input_tokens:,} · cached {usage.cached_tokens:,}\n"
            f"out {usage.output_tokens:,} · reasoning {usage.reasoning_tokens:,}\n({mark})"
        )
        sidebar.reply_cost = format_money(record.cost)

    def action_cancel_reply(self: ChatScreen) -> None:
        """Stop the reply streaming here; what arrived so far is kept and marked cancelled."""
        if self.conversation is not None and self.conversation.id in self._live:
            live = self._live[self.conversation.id]
            if live.worker is not None:
                live.worker.cancel()

    async def _follow_up(self: ChatScreen, kind: str) -> None:
        """Retry the last prompt or continue the last reply in this conversation, within the budget."""
        conversation = self.conversation
        if conversation is None or conversation.id in self._live:
            return

        async def go(confirmed: bool) -> None:
            if self.conversation is not conversation or conversation.id in self._live:
                return
            live = LiveReply(conversation, None)
            if kind == "retry":
                shown = self.query_one(ConversationPane).query_children(MessageView)
                last = shown.last() if shown else None
                live.replaced_view = last if last is not None and last.message.role is Role.ASSISTANT else None
                await self._start(live, lambda session, emit: session.retry(conversation, emit, over_budget_confirmed=confirmed))
            else:
                await self._start(
                    live, lambda session, emit: session.continue_reply(conversation, emit, over_budget_confirmed=confirmed)
                )

        await self._within_budget(go)

    async def action_retry_reply(self: ChatScreen) -> None:
        """Ask again for a reply to the last prompt."""
        await self._follow_up("retry")

    async def action_continue_reply(self: ChatScreen) -> None:
        """Ask the model to carry on from where the last reply stopped."""
        await self._follow_up("continue")
