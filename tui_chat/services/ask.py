"""`tui-chat ask`: stream one reply to stdout and store the exchange like any other."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import MessageStatus
from tui_chat.core.redaction import redact
from tui_chat.core.text import strip_control
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
        if conversation_id is None:
            target = services.target
            conversation = await repository.create_conversation(provider=target.provider, model=target.model)
        else:
            conversation = await repository.get_conversation(conversation_id)
            if conversation is None:
                print(f"tui-chat: no conversation with id {conversation_id}.", file=sys.stderr)
                return 2
        session = await services.session()
        finished: ReplyFinished = await session.send(conversation, prompt, emit)
    except TuiChatError as exc:
        print(f"tui-chat: {exc.title}: {strip_control(redact(exc.message))}", file=sys.stderr)
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
        title = getattr(error, "title", type(error).__name__)
        message = getattr(error, "message", str(error))
        print(f"tui-chat: {title}: {strip_control(redact(message))}", file=sys.stderr)
        return 1
    if finished.reply is not None and finished.reply.status is MessageStatus.TRUNCATED:
        print("tui-chat: the reply hit the length limit and was truncated.", file=sys.stderr)
    return 0
