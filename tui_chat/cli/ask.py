"""`tui-chat ask`: stream one reply to stdout and store the exchange like any other."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui_chat.cli import output
from tui_chat.cli.ask_options import EXIT_STATUSES, AskOptions, add_options

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
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(ask)


def run(services: AppServices, args: argparse.Namespace) -> int:
    """Run `ask` until it ends or an exit signal stops it (128 + the signal, what arrived saved)."""
    from tui_chat.signal_exit import run_until_signalled

    try:
        options = AskOptions.from_args(args)
    except ValueError as exc:
        return output.fail(str(exc), output.USAGE)
    return asyncio.run(run_until_signalled(run_ask(services, options)))


async def run_ask(services: AppServices, options: AskOptions) -> int:
    """Send the prompt, print the reply as `options` ask, return the exit status."""
    from tui_chat.cli.ask_options import read_prompt
    from tui_chat.cli.ask_output import writer_for
    from tui_chat.cli.ask_tools import note_call, use_tools
    from tui_chat.cli.retry_countdown import RetryCountdown
    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.models import MessageStatus
    from tui_chat.services.ask import ConversationNotFound, InvalidSetting, send_prompt
    from tui_chat.services.budget_gate import OverBudget
    from tui_chat.services.events import PromptSaved, ReplyFinished, RetryScheduled, TextDelta
    from tui_chat.services.tools.events import ToolCallEnded

    problem = None
    try:
        prompt = read_prompt(options.prompt, sys.stdin)
        settings = options.override(services.settings.presets)
        if not prompt.strip():
            problem = "the prompt is empty."
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"cannot read the prompt from stdin ({exc})."
    except ValueError as exc:
        problem = str(exc)
    if problem is not None:
        await services.aclose()
        return output.fail(problem, output.USAGE)
    try:
        attachments = await attach_files(services, options.files)
    except TuiChatError as exc:
        await services.aclose()
        return output.fail(exc, output.USAGE)
    writer = writer_for(options.format, sys.stdout, stream=options.stream)
    output_open = True
    countdown = RetryCountdown(sys.stderr)
    countdown.enabled = countdown.enabled and not options.quiet
    ended: list[ReplyFinished] = []  # how the reply ended, even when it was cancelled

    async def emit(event: SessionEvent) -> None:
        nonlocal output_open
        if isinstance(event, ReplyFinished):
            ended.append(event)
        if isinstance(event, RetryScheduled):
            countdown.start(event)
        else:
            countdown.stop()
        if isinstance(event, ToolCallEnded):
            note_call(event.call)
        if not output_open:
            return
        try:
            if isinstance(event, TextDelta):
                writer.text(event.text)
            elif isinstance(event, RetryScheduled):
                writer.retry(event)
            elif isinstance(event, PromptSaved):
                writer.prompt_saved(event)
        except OSError:  # the reader or the terminal is gone: stop the reply as Ctrl-C does
            output_open = False
            raise asyncio.CancelledError from None

    try:
        await use_tools(services, enabled=options.tools, approve_all=options.approve_all)
        finished = await send_prompt(
            services,
            prompt,
            emit,
            conversation_id=options.conversation_id,
            confirm_over_budget=confirm_over_budget,
            latest=options.continue_last,
            settings=settings,
            attachments=attachments,
            cache_ttl=options.cache_ttl,
        )
    except (ConversationNotFound, InvalidSetting) as exc:
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
        if output_open:
            with contextlib.suppress(OSError):
                writer.finished(ended[-1] if ended else None)
        await services.aclose()
    if finished.error is not None:
        return output.fail(finished.error)
    if finished.reply is not None and finished.reply.status is MessageStatus.TRUNCATED and not options.quiet:
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
