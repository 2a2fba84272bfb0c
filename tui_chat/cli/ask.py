"""`tui-chat ask`: stream one reply to stdout and store the exchange like any other."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.budget_gate import OverBudget
    from tui_chat.services.container import AppServices
    from tui_chat.services.events import SessionEvent


def add_parser(commands: argparse._SubParsersAction, endpoint: argparse.ArgumentParser) -> None:
    """Register `ask` on the main parser's subcommands."""
    ask = commands.add_parser(
        "ask",
        parents=[endpoint],
        help="stream one reply to stdout",
        description="Stream one reply to stdout; it is stored like any exchange.",
    )
    ask.add_argument("prompt", help="the prompt, or - to read it from stdin")
    ask.add_argument("--conversation", type=int, metavar="ID", help="continue this conversation")
    ask.add_argument(
        "--cache",
        action="store_true",
        help="answer an identical earlier request (temperature 0) from the stored reply, at no cost",
    )
    ask.add_argument("--cache-ttl", type=float, metavar="SECONDS", help="with --cache: only replies this recent")


def run(services: AppServices, args: argparse.Namespace) -> int:
    """Run `ask` until it ends or an exit signal stops it (128 + the signal, what arrived saved)."""
    from tui_chat.signal_exit import run_until_signalled

    if args.cache_ttl is not None and (not args.cache or not 0 < args.cache_ttl < 1e12):
        return output.fail("--cache-ttl needs --cache and a number of seconds above 0.", output.USAGE)
    cache_ttl = (args.cache_ttl or DEFAULT_CACHE_TTL) if args.cache else None
    return asyncio.run(
        run_until_signalled(run_ask(services, args.prompt, conversation_id=args.conversation, cache_ttl=cache_ttl))
    )


DEFAULT_CACHE_TTL = 30 * 86_400.0
"""How old a cached reply `ask --cache` uses may be when --cache-ttl is not given: 30 days."""


async def run_ask(
    services: AppServices, prompt: str, *, conversation_id: int | None = None, cache_ttl: float | None = None
) -> int:
    """Send `prompt` (or stdin when it is `-`), print the reply as it streams, return the exit status."""
    from tui_chat.cli.retry_countdown import RetryCountdown
    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.models import MessageStatus
    from tui_chat.core.text import strip_control
    from tui_chat.services.ask import ConversationNotFound, send_prompt
    from tui_chat.services.budget_gate import OverBudget
    from tui_chat.services.events import RetryScheduled, TextDelta

    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        return output.fail("the prompt is empty.", output.USAGE)
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
        finished = await send_prompt(
            services,
            prompt,
            emit,
            conversation_id=conversation_id,
            confirm_over_budget=confirm_over_budget,
            cache_ttl=cache_ttl,
        )
    except ConversationNotFound as exc:
        return output.fail(exc.detail, output.USAGE)
    except OverBudget as exc:
        return output.fail(exc, output.REFUSED_BY_BUDGET)
    except TuiChatError as exc:
        return output.fail(exc)
    except asyncio.CancelledError:
        if output_open:
            raise
        return output.fail("the output was closed; the reply so far is saved, marked cancelled.")
    finally:
        countdown.stop()
        if not ended_with_newline and output_open:
            with contextlib.suppress(OSError):
                out.write("\n")
        await services.aclose()
    if finished.error is not None:
        return output.fail(finished.error)
    if finished.reply is not None and finished.reply.status is MessageStatus.TRUNCATED:
        output.fail("the reply hit the length limit and was truncated.")
    return output.OK


def confirm_over_budget(refused: OverBudget) -> bool:
    """Ask on the terminal whether to send over budget; without a terminal the answer is no.

    The refusal's hint is set to say why, for the message printed when the answer is no.
    """
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        refused.hint = "Not asked (no terminal); raise the limit under [budget] in config.toml, or run it on a terminal to confirm."
        return False
    if not output.ask_yes_no(f"budget used up ({'; '.join(refused.status.note.splitlines())}). Send anyway?"):
        refused.hint = "You answered no."
        return False
    return True
