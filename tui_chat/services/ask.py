"""`tui-chat ask`: stream one reply to stdout and store the exchange like any other."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import MessageStatus
from tui_chat.core.redaction import redact
from tui_chat.core.text import strip_control
from tui_chat.services.budget_gate import OverBudget
from tui_chat.services.container import AppServices
from tui_chat.services.events import ReplyFinished, RetryScheduled, SessionEvent, TextDelta
from tui_chat.services.retry_countdown import RetryCountdown


async def run_ask(services: AppServices, prompt: str, *, conversation_id: int | None = None) -> int:
    """Send `prompt` (or stdin when it is `-`), print the reply as it streams, return the exit status."""
    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        print("tui-chat: the prompt is empty.", file=sys.stderr)
        return 2
    out = sys.stdout
    ended_with_newline = True
    output_open = True
    countdown = RetryCountdown(sys.stderr)

    async def emit(event: SessionEvent) -> None:
        nonlocal ended_with_newline, output_open
        if isinstance(event, RetryScheduled):
            countdown.start(event)
            return
        countdown.stop()
        if isinstance(event, TextDelta) and output_open:
            text = strip_control(event.text)
            try:
                out.write(text)
                out.flush()
            except OSError:  # the reader or the terminal is gone: stop the reply as Ctrl-C does
                output_open = ended_with_newline = False
                raise asyncio.CancelledError from None
            if text:
                ended_with_newline = text.endswith("\n")

    try:
        repository = await services.repository()
        conversation = None
        if conversation_id is not None:
            conversation = await repository.get_conversation(conversation_id)
            if conversation is None:
                print(f"tui-chat: no conversation with id {conversation_id}.", file=sys.stderr)
                return 2
        target = services.target
        switched = (conversation.provider, conversation.model) != (target.provider, target.model) if conversation else False
        if switched and services.target_from_command_line:
            await repository.set_conversation_model(conversation.id, target.provider, target.model)
            conversation = await repository.get_conversation(conversation.id)
        await services.registry.client(conversation.provider if conversation else target.provider)
        session = await services.session()
        confirmed = await _within_budget(session)
        if conversation is None:
            conversation = await repository.create_conversation(provider=target.provider, model=target.model)
        finished: ReplyFinished = await session.send(conversation, prompt, emit, over_budget_confirmed=confirmed)
    except OverBudget as exc:
        print(f"tui-chat: {exc.one_line()}", file=sys.stderr)
        return 3
    except TuiChatError as exc:
        print(f"tui-chat: {exc.one_line()}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:
        if output_open:
            raise
        with contextlib.suppress(OSError):
            print("tui-chat: the output was closed; the reply so far is saved, marked cancelled.", file=sys.stderr)
        return 1
    finally:
        countdown.stop()
        if not ended_with_newline and output_open:
            with contextlib.suppress(OSError):
                out.write("\n")
        await services.aclose()
    if finished.error is not None:
        error = finished.error
        provider_name = conversation.provider if conversation is not None else services.target.provider
        provider = services.registry.providers.get(provider_name)
        if isinstance(error, TuiChatError) and getattr(error, "status", None) == 401 and provider is not None:
            error.cli_hint = services.keys.rejected_key_hint(provider, command_line_name=provider_name)
        line = error.one_line() if isinstance(error, TuiChatError) else " ".join(strip_control(redact(f"{type(error).__name__}: {error}")).split())
        print(f"tui-chat: {line}", file=sys.stderr)
        return 1
    if finished.reply is not None and finished.reply.status is MessageStatus.TRUNCATED:
        print("tui-chat: the reply hit the length limit and was truncated.", file=sys.stderr)
    return 0


async def _within_budget(session) -> bool:
    """Whether the user confirmed sending over budget; OverBudget when it is used up and not confirmed.

    With over_budget = "confirm" the question is asked on the terminal; without one it is refused.
    """
    try:
        await session.check_budget()
        return False
    except OverBudget as refused:
        if not refused.can_confirm:
            raise
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            refused.hint = "Not asked (no terminal); raise the limit under [budget] in config.toml, or run it on a terminal to confirm."
            raise
        sys.stderr.write(f"tui-chat: budget used up ({'; '.join(refused.status.note.splitlines())}). Send anyway? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            refused.hint = "You answered no."
            raise
        return True
