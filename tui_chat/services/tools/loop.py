"""The tool loop: request, run the calls the model asks for, send their results, until it answers or a limit stops it.

Every request of the loop passes the budget check and writes its own usage row, numbered by round and
linked to the one reply message, which holds the rounds (calls, results, durations) as they happen.
"""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_chat.core import pricing, tokens
from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import Conversation, Message, MessageStatus, Role, Usage, UsageRecord, utc_now
from tui_chat.core.redaction import KnownKeyMask, redact
from tui_chat.services.errors import ProviderFailure, translate_error
from tui_chat.services.events import ReasoningDelta, ReplyFinished, StreamFinished, TextDelta, UsageReport
from tui_chat.services.prompt_building import request_params, status_for
from tui_chat.services.reasoning import effort_params
from tui_chat.services.reply_request import open_stream
from tui_chat.services.retry import call_with_retries
from tui_chat.services.tools.events import ToolCall, ToolCallDelta, ToolCallEnded, ToolCallStarted, ToolRound
from tui_chat.services.tools.registry import ToolError, ToolRegistry
from tui_chat.services.tools.rounds import countable, round_messages, rounds_to_json

if TYPE_CHECKING:
    from tui_chat.services.chat_session import ChatSession, Emit
    from tui_chat.services.tools.runtime import ToolRuntime

DENIED = "The user denied this tool call."
MAX_RESULT = 100_000
"""The most characters of a tool's result kept and sent to the model; the rest is cut, and the result says so."""
CANCELLED = "Not run: the reply was cancelled."


class ToolLimitReached(TuiChatError):
    """The loop stopped at its rounds limit or its cost cap; everything so far is kept."""

    kind = "tool_limit"
    title = "Tool loop stopped"


class ToolLoop:
    """One reply that may call tools: its rounds, its text (the caller's list) and what it has cost."""

    def __init__(
        self,
        session: ChatSession,
        runtime: ToolRuntime,
        conversation: Conversation,
        messages: list[dict[str, Any]],
        emit: Emit,
        tools: ToolRegistry,
        parts: list[str],
    ) -> None:
        self.session, self.runtime, self.conversation = session, runtime, conversation
        self.messages, self.emit, self.tools, self.parts = list(messages), emit, tools, parts
        self.rounds: list[ToolRound] = []
        self.reply = Message(0, conversation.id, Role.ASSISTANT, "", model=conversation.model, created_at=utc_now())
        self.cost: Decimal | None = Decimal(0)
        self.number = 0
        self.records: list[UsageRecord] = []
        self.thinking: list[str] = []
        """The reply's thinking over all its rounds (shown folded and stored, never sent back)."""
        self.thinking_mask = KnownKeyMask()
        self.answer_at: float | None = None

    async def run(self, *, announce: bool = True) -> ReplyFinished:
        """Run rounds until the model answers without tools, a limit stops it, it fails or it is cancelled."""
        failure: Exception | None = None
        record: UsageRecord | None = None
        finish_reason: str | None = None
        try:
            while True:
                self.number += 1
                if self.number > 1:
                    await self.session.check_budget()
                record, calls, finish_reason = await self._request()
                limit = self._limit() if calls else None
                if not calls or limit is not None:
                    if calls:
                        self._set_aside(calls, f"Not run: {limit}")
                        failure = ToolLimitReached(
                            f"Stopped: {limit}. The replies and results so far are kept.",
                            hint="ctrl+g lets the model go on; [tools] max_rounds and max_cost_per_reply set the limits.",
                        )
                    break
                await self._save(record, final=False)
                record = None
                await self._run_calls(calls)
                self.messages += round_messages(self.rounds[-1])
        except asyncio.CancelledError as exc:
            record = getattr(exc, "record", record)
            self._set_aside([call for tool_round in self.rounds for call in tool_round.calls], CANCELLED)
            finished = await self._finish(record, failure, finish_reason, cancelled=True)
            await self.emit(finished)
            raise
        except Exception as exc:
            failure = exc if isinstance(exc, TuiChatError) else translate_error(exc)
            record = getattr(exc, "record", record)
        finished = await self._finish(record, failure, finish_reason, cancelled=False)
        if announce:
            await self.emit(finished)
        return finished

    def _limit(self) -> str | None:
        """Why no more rounds may follow, or None while they may."""
        settings = self.runtime.settings
        if self.number >= settings.max_rounds:
            return f"the tool loop reached its limit of {settings.max_rounds} rounds"
        cap = settings.max_cost_per_reply
        if cap is not None and self.cost is not None and self.cost >= cap:
            return f"this reply's requests cost ${self.cost:.4f}, reaching the cap of ${cap}"
        return None

    async def _request(self) -> tuple[UsageRecord, list[ToolCall], str | None]:
        """One request: stream its text to the display, gather its tool calls, and price it."""
        client = await self.session.registry.client(self.conversation.provider)
        provider = self.session.registry.providers.get(self.conversation.provider)
        params: dict[str, Any] = {
            **request_params(self.conversation),
            **effort_params(self.conversation.reasoning_effort, provider),
            "tools": [t.spec() for t in self.tools.all()],
        }
        pieces: dict[int, dict[str, str]] = {}
        text: list[str] = []
        self._usage: Usage | None = None
        self._finish_reason: str | None = None
        usage: Usage | None = None
        finish_reason: str | None = None
        mask = KnownKeyMask()
        started = time.perf_counter()
        first_token: float | None = None
        attempts = 1
        sent = False
        try:
            async with self.session.limits.slot(self.conversation.provider):
                started, sent = time.perf_counter(), True
                (pending, stream), attempts = await call_with_retries(
                    lambda: open_stream(client, self.conversation.model, self.messages, params),
                    self.session.registry.settings.retry,
                    on_retry=self.emit,
                )
                for event in pending:
                    first_token = await self._take(event, text, pieces, mask) or first_token
                async for event in stream:
                    first_token = await self._take(event, text, pieces, mask) or first_token
                usage, finish_reason = self._usage, self._finish_reason
        except BaseException as exc:
            held = mask.flush()
            text.append(held)
            self.parts.append(held)
            failure = exc if isinstance(exc, Exception) else None
            if sent:
                exc.record = self._record(self._usage, text, started, first_token, attempts, failure, True)  # type: ignore[attr-defined]
            raise
        held = mask.flush()
        if held:
            text.append(held)
            self.parts.append(held)
            await self.emit(TextDelta(held))
        calls = [
            ToolCall(piece["id"] or f"call_{self.number}_{index}", piece["name"], piece["arguments"], self.number)
            for index, piece in sorted(pieces.items())
        ]
        if calls:
            self.rounds.append(ToolRound("".join(text), calls))
        return self._record(usage, text, started, first_token, attempts, None, False), calls, finish_reason

    async def _take(
        self, event: object, text: list[str], pieces: dict[int, dict[str, str]], mask: KnownKeyMask
    ) -> float | None:
        """Fold one stream event into the round; returns the time of the first text, when this is it."""
        if isinstance(event, ReasoningDelta):
            shown = self.thinking_mask.feed(event.text)
            if shown:
                self.thinking.append(shown)
                await self.emit(ReasoningDelta(shown))
            return None
        if isinstance(event, TextDelta):
            if self.answer_at is None:
                self.answer_at = time.perf_counter()
                await self._release_thinking()
            shown = mask.feed(event.text)
            if shown:
                text.append(shown)
                self.parts.append(shown)
                await self.emit(TextDelta(shown))
            return time.perf_counter() if not text[:-1] else None
        if isinstance(event, UsageReport):
            self._usage = event.usage
        elif isinstance(event, ToolCallDelta):
            piece = pieces.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
            piece["id"] = event.id or piece["id"]
            piece["name"] = event.name or piece["name"]
            piece["arguments"] += event.arguments
        elif isinstance(event, StreamFinished):
            self._finish_reason = event.finish_reason
            await self._release_thinking()
        return None

    async def _release_thinking(self) -> None:
        """Show and keep the thinking the key mask held back, once the answer or the round's end came."""
        held = self.thinking_mask.flush()
        if held:
            self.thinking.append(held)
            await self.emit(ReasoningDelta(held))

    def _record(
        self,
        usage: Usage | None,
        text: list[str],
        started: float,
        first_token: float | None,
        attempts: int,
        failure: Exception | None,
        cut: bool,
    ) -> UsageRecord:
        """The usage row of one round, estimated with the tokenizer when the server reported none."""
        model = self.conversation.model
        if usage is None:
            usage = tokens.estimate_usage(model, countable(self.messages), "".join(text))
        ref = self.session.registry.ref(self.conversation.provider)
        price = pricing.price_usage(ref, model, usage, self.session.registry.price_overrides)
        if self.cost is not None:
            self.cost = self.cost + price.cost if price.cost is not None else None

        status = status_for(None, bool("".join(text)), failure, cut and failure is None)
        record = UsageRecord(
            provider=self.conversation.provider,
            model=model,
            usage=usage,
            cost=price.cost,
            price_source=price.source,
            status=status.value,
            latency_ms=round((time.perf_counter() - started) * 1000),
            ttft_ms=round((first_token - started) * 1000) if first_token else None,
            error_kind=getattr(failure, "kind", "") if failure else "",
            attempts=getattr(failure, "attempts", attempts),
            conversation_id=self.conversation.id,
            answer_ms=round((self.answer_at - started) * 1000) if self.answer_at and self.answer_at > started else None,
        )
        self.records.append(record)
        return record

    async def _run_calls(self, calls: list[ToolCall]) -> None:
        """Check and approve each call in turn, then run the approved ones together (bounded)."""
        approved: list[tuple[ToolCall, dict[str, Any]]] = []
        for call in calls:
            tool = self.tools.get(call.name)
            await self.emit(ToolCallStarted(call))
            if tool is None:
                known = ", ".join(t.name for t in self.tools.all()) or "none"
                await self._end(call, "error", f"Error: there is no tool named {call.name!r}. Tools: {known}.")
                continue
            call.source = tool.source
            try:
                arguments = json.loads(call.arguments or "{}")
            except ValueError as error:
                await self._end(call, "error", f"Error: the arguments are not valid JSON ({error}).")
                continue
            if not isinstance(arguments, dict):
                await self._end(call, "error", "Error: the arguments must be a JSON object.")
            elif await self.runtime.approved(self.conversation.id, call, tool):
                approved.append((call, arguments))
            else:
                await self._end(call, "denied", DENIED)
        gate = asyncio.Semaphore(self.runtime.settings.max_parallel)

        async def run_one(call: ToolCall, arguments: dict[str, Any]) -> None:
            async with gate:
                tool = self.tools.get(call.name)
                assert tool is not None
                call.status = "running"
                await self.emit(ToolCallStarted(call))
                started = time.perf_counter()
                try:
                    result, status = await tool.run(arguments), "ok"
                except ToolError as error:
                    result, status = f"Error: {error}", "error"
                except Exception as error:
                    result, status = f"Error: the tool failed ({type(error).__name__}: {error}).", "error"
                call.duration_ms = round((time.perf_counter() - started) * 1000)
                await self._end(call, status, result)

        await asyncio.gather(*(run_one(call, arguments) for call, arguments in approved))

    async def _end(self, call: ToolCall, status: Any, result: str) -> None:
        if len(result) > MAX_RESULT:
            result = result[:MAX_RESULT] + f"\n[cut at {MAX_RESULT:,} characters]"
        call.status, call.result = status, redact(result)
        await self.emit(ToolCallEnded(call))

    @staticmethod
    def _set_aside(calls: list[ToolCall], result: str) -> None:
        """Give calls that never ended a result, so the rounds stay sendable."""
        for call in calls:
            if call.status in ("pending", "running"):
                call.status, call.result = "cancelled", result

    async def _save(self, record: UsageRecord | None, *, final: bool) -> None:
        self.reply.content = "".join(self.parts)
        self.reply.thinking = "".join(self.thinking)
        self.reply.tool_rounds = rounds_to_json(self.rounds) if self.rounds else ""
        await self.session.repository.save_tool_round(self.reply, record, self.number, final=final)

    async def _finish(
        self, record: UsageRecord | None, failure: Exception | None, finish_reason: str | None, *, cancelled: bool
    ) -> ReplyFinished:
        """Store the reply as it ended, with the last round's usage row when that request is not stored yet."""
        if record is None and not self.reply.id:
            return ReplyFinished(None, None, failure)
        status = status_for(finish_reason, bool("".join(self.parts)), failure, cancelled)
        if status is MessageStatus.FAILED and self.rounds:  # a limit or a failure after rounds: keep them sendable
            status = MessageStatus.PARTIAL
        self.reply.status = status
        text = f"{failure.title}: {failure.detail}" if isinstance(failure, (ProviderFailure, TuiChatError)) else ""
        self.reply.error = redact(text or (str(failure) if failure else ""))
        save = asyncio.ensure_future(self._save(record, final=True))
        while True:
            try:
                await asyncio.shield(save)
                break
            except asyncio.CancelledError:
                if save.cancelled():
                    raise
        return ReplyFinished(self.reply, record, failure, len(self.records), self._total())

    def _total(self) -> UsageRecord | None:
        """The reply's usage and cost over all its rounds (None when it made a single request)."""
        if len(self.records) < 2:
            return None
        last = self.records[-1]
        costs = [record.cost for record in self.records]
        usage = Usage(
            input_tokens=sum(record.usage.input_tokens for record in self.records),
            output_tokens=sum(record.usage.output_tokens for record in self.records),
            cached_tokens=sum(record.usage.cached_tokens for record in self.records),
            reasoning_tokens=sum(record.usage.reasoning_tokens for record in self.records),
            estimated=any(record.usage.estimated for record in self.records),
        )
        total_cost = None if None in costs else sum((cost for cost in costs if cost is not None), Decimal(0))
        return UsageRecord(last.provider, last.model, usage, total_cost, last.price_source, last.status)


async def tool_reply(
    session: ChatSession,
    runtime: ToolRuntime,
    conversation: Conversation,
    messages: list[dict[str, str]],
    emit: Emit,
    *,
    announce: bool = True,
    text: list[str] | None = None,
) -> ReplyFinished | None:
    """A reply through the tool loop, or None when the conversation offers no tools (a plain reply then)."""
    tools = await runtime.available(conversation.id)
    if not tools.all():
        return None
    loop = ToolLoop(session, runtime, conversation, messages, emit, tools, text if text is not None else [])
    return await loop.run(announce=announce)
