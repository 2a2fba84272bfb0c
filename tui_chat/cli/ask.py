"""`tui-chat ask`: stream one reply to stdout and store the exchange like any other."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.core.attachments import Attachment
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
        "-a",
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach an image, text file or PDF (repeatable)",
    )


def run(services: AppServices, args: argparse.Namespace) -> int:
    """Run `ask` until it ends or an exit signal stops it (128 + the signal, what arrived saved)."""
    from tui_chat.signal_exit import run_until_signalled

    return asyncio.run(
        run_until_signalled(run_ask(services, args.prompt, conversation_id=args.conversation, files=args.attach))
    )


async def run_ask(
    services: AppServices, prompt: str, *, conversation_id: int | None = None, files: Sequence[str] = ()
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
    try:
        attachments = await attach_files(services, files)
    except TuiChatError as exc:
        await services.aclose()
        return output.fail(exc, output.USAGE)
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
            attachments=attachments,
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


async def attach_files(services: AppServices, files: Sequence[str]) -> list[Attachment]:
    """The attachments of `-a` files, read off the loop; a file over the size limit is attached if the terminal says yes."""
    from pathlib import Path

    from tui_chat.services.attachment_files import AttachmentTooLarge, load_attachment

    ask_above = int(services.settings.attachments.ask_above_mb * 1024 * 1024)
    attachments = []
    for name in files:
        path = Path(name).expanduser()
        try:
            attachment = await asyncio.to_thread(load_attachment, path, ask_above=ask_above)
        except AttachmentTooLarge as large:
            if not (sys.stdin.isatty() and sys.stderr.isatty()) or not output.ask_yes_no(f"{large.detail} Attach it?"):
                raise
            attachment = await asyncio.to_thread(load_attachment, path, ask_above=ask_above, confirmed=True)
        attachments.append(attachment)
    return attachments
