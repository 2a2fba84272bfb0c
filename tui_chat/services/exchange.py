"""One reply's lifecycle, from the prompt saved to the stored outcome; the reply's text is held here and nowhere else."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, Literal, Protocol, TypeVar

from tui_chat.services.events import PromptSaved, ReasoningDelta, ReplyFinished, RetryScheduled, TextDelta
from tui_chat.services.tools.events import ToolCallEnded, ToolCallStarted

if TYPE_CHECKING:
    from tui_chat.core.attachments import Attachment
    from tui_chat.core.models import Conversation, Message
    from tui_chat.services.conversations import ConversationService
    from tui_chat.services.events import SessionEvent
    from tui_chat.services.tools.events import ToolCall

ExchangeKind = Literal["send", "retry", "continue"]


class ExchangeDisplay(Protocol):
    """What shows an exchange: told of each fragment, each retry's wait and the prompt once it is saved."""

    async def write(self, fragment: str) -> None:
        """Show one more fragment of the reply."""

    async def think(self, fragment: str) -> None:
        """Show one more fragment of the model's thinking."""

    def retry_scheduled(self, event: RetryScheduled) -> None:
        """Show that a failed attempt will be retried after a wait."""

    def retry_wait_over(self) -> None:
        """Take down what shows a retry's wait, if anything does."""

    def prompt_saved(self, message: Message) -> None:
        """The prompt is stored as `message`."""

    async def tool_call(self, call: ToolCall) -> None:
        """Show a tool call as it starts or ends."""


DisplayT = TypeVar("DisplayT", bound=ExchangeDisplay)


class Exchange(Generic[DisplayT]):
    """A prompt sent (or a retry, or a continuation) and its reply: streamed, retried, cancelled or finished.

    Whatever happens, `on_finished` hears exactly once how it ended, with `outcome` set.
    """

    def __init__(
        self,
        conversation: Conversation,
        kind: ExchangeKind,
        display: DisplayT,
        on_finished: Callable[[Exchange[DisplayT]], None],
        *,
        prompt: str | None = None,
        confirmed: bool = False,
    ) -> None:
        self.conversation = conversation
        self.kind = kind
        self.display = display
        self.on_finished = on_finished
        self.prompt = prompt
        """The text sent (None for a retry or a continuation)."""
        self.confirmed = confirmed
        """Whether the user chose to send although a budget is used up."""
        self.attachments: Sequence[Attachment] = ()
        """The files sent with the prompt."""
        self.parts: list[str] = []
        """The reply's fragments in arrival order: the session appends to this very list."""
        self.output_tokens = 0
        self.thinking: list[str] = []
        """The reply's thinking so far, in arrival order (the session stores it)."""
        self.reasoning_tokens = 0
        """Fragments of thinking received: the live count until the server reports its own."""
        self.thinking_started: float | None = None
        self.thinking_ended: float | None = None
        """When (time.monotonic) the thinking began and the answer after it did, so a view shown later keeps time."""
        self.prompt_message: Message | None = None
        self.outcome: ReplyFinished | None = None
        self.stop: Callable[[], object] | None = None
        """Cancels the task running the exchange, once one does."""

    @property
    def text(self) -> str:
        """The reply received so far."""
        return "".join(self.parts)

    @property
    def prompt_saved(self) -> bool:
        """Whether the prompt is stored (it then survives whatever happens to the reply)."""
        return self.prompt_message is not None

    def cancel(self) -> None:
        """Stop the reply; what arrived so far is kept and stored as cancelled."""
        if self.stop is not None:
            self.stop()

    async def run(self, conversations: ConversationService) -> None:
        """Send, stream and store; a failure or a cancellation still ends with an outcome."""
        try:
            if self.kind == "send":
                assert self.prompt is not None
                await conversations.send(
                    self.conversation,
                    self.prompt,
                    self._take,
                    confirmed=self.confirmed,
                    text=self.parts,
                    attachments=self.attachments,
                )
            elif self.kind == "retry":
                await conversations.retry(self.conversation, self._take, confirmed=self.confirmed, text=self.parts)
            else:
                await conversations.continue_reply(
                    self.conversation, self._take, confirmed=self.confirmed, text=self.parts
                )
        except asyncio.CancelledError:
            self._finish(ReplyFinished(None, None, None))
            raise
        except Exception as exc:
            self._finish(ReplyFinished(None, None, exc))
        finally:
            self.display.retry_wait_over()

    async def _take(self, event: SessionEvent) -> None:
        """Follow one event of the session."""
        self.display.retry_wait_over()
        if isinstance(event, TextDelta):
            if self.thinking_started is not None and self.thinking_ended is None:
                self.thinking_ended = time.monotonic()
            self.output_tokens += 1
            await self.display.write(event.text)
        elif isinstance(event, ReasoningDelta):
            self.reasoning_tokens += 1
            if self.thinking_started is None:
                self.thinking_started = time.monotonic()
            self.thinking.append(event.text)
            await self.display.think(event.text)
        elif isinstance(event, ReplyFinished):
            self._finish(event)
        elif isinstance(event, RetryScheduled):
            self.display.retry_scheduled(event)
        elif isinstance(event, PromptSaved):
            self.prompt_message = event.message
            self.display.prompt_saved(event.message)
        elif isinstance(event, (ToolCallStarted, ToolCallEnded)):
            await self.display.tool_call(event.call)

    def _finish(self, outcome: ReplyFinished) -> None:
        """Record the outcome and say so, the first time only."""
        if self.outcome is None:
            self.outcome = outcome
            self.on_finished(self)
