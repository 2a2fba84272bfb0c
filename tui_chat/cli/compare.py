"""`tui-chat compare`: one prompt to several models at once, each reply printed, then a table of their figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.compare import Comparison, Pane
    from tui_chat.services.container import AppServices

FORMATS = ("table", "json")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `compare` on the main parser's subcommands."""
    parser = commands.add_parser(
        "compare",
        help="send one prompt to 2 to 4 models at once and compare speed and cost",
        description="Send one prompt to 2 to 4 models at once; each reply is stored as an alternative of one reply.",
    )
    parser.add_argument("prompt", help="the prompt, or - to read it from stdin")
    parser.add_argument(
        "-m",
        "--model",
        dest="models",
        action="append",
        default=[],
        metavar="PROVIDER/MODEL",
        help="a model to compare, e.g. openai/gpt-4o-mini (give 2 to 4)",
    )
    parser.add_argument("--conversation", type=int, metavar="ID", help="compare within this conversation")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table for people, json for scripts")


def run(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the comparison until it ends or an exit signal stops it (what arrived is saved either way)."""
    from tui_chat.signal_exit import run_until_signalled

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    return asyncio.run(
        run_until_signalled(
            run_compare(services, prompt, args.models, args.format, args.conversation, out or sys.stdout)
        )
    )


async def run_compare(
    services: AppServices, prompt: str, models: list[str], form: str, conversation_id: int | None, out: TextIO
) -> int:
    """Compare, print, and return the exit status: failed when any model failed."""
    from tui_chat.cli.ask import confirm_over_budget
    from tui_chat.core.errors import TuiChatError
    from tui_chat.services.ask import ConversationNotFound
    from tui_chat.services.budget_gate import OverBudget
    from tui_chat.services.compare import CompareService, Contender, check_contenders

    try:
        if not prompt.strip():
            return output.fail("the prompt is empty.", output.USAGE)
        try:
            contenders = [Contender.parse(model) for model in models]
            check_contenders(contenders)
            for contender in contenders:
                services.registry.provider(contender.provider)
        except TuiChatError as exc:
            return output.fail(exc, output.USAGE)
        conversations = await services.conversations()
        confirmed = False
        try:
            await conversations.check_budget()
        except OverBudget as refused:
            if not refused.can_confirm or not confirm_over_budget(refused):
                return output.fail(refused, output.REFUSED_BY_BUDGET)
            confirmed = True
        if conversation_id is not None:
            conversation = await conversations.get(conversation_id)
            if conversation is None:
                return output.fail(ConversationNotFound(conversation_id).detail, output.USAGE)
        else:
            first = contenders[0]
            conversation = await conversations.create(provider=first.provider, model=first.model)
        service = CompareService(await services.session())
        try:
            comparison = await service.start(conversation, prompt, contenders, confirmed=confirmed)
        except OverBudget as exc:
            return output.fail(exc, output.REFUSED_BY_BUDGET)
        except TuiChatError as exc:
            return output.fail(exc)
        await service.run(comparison, confirmed=confirmed)
    finally:
        await services.aclose()
    if form == "json":
        out.write(json.dumps(as_json(comparison), indent=2) + "\n")
    else:
        print_replies(comparison, out)
    failed = [(pane.contender.label, pane.error) for pane in comparison.panes if pane.error is not None]
    for label, error in failed:
        output.fail(f"{label}: {output.one_line(error)}")
    return output.FAILED if failed else output.OK


def as_json(comparison: Comparison) -> dict[str, object]:
    """The comparison for scripts: ids, and per model its reply, status, figures and error."""
    from tui_chat.core.redaction import redact

    def pane_json(pane: Pane) -> dict[str, object]:
        usage = pane.usage
        rate = pane.tokens_per_second
        return {
            "provider": pane.contender.provider,
            "model": pane.contender.model,
            "message_id": pane.reply.id if pane.reply is not None else None,
            "status": pane.status.value,
            "text": pane.text,
            "ttft_ms": pane.ttft_ms,
            "tokens_per_second": None if rate is None else round(rate, 1),
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "estimated": usage.estimated,
            "cost_usd": None if pane.cost is None else str(pane.cost),
            "error": None if pane.error is None else redact(output.one_line(pane.error)),
        }

    return {
        "comparison_id": comparison.id,
        "conversation_id": comparison.conversation.id,
        "prompt_message_id": comparison.prompt.id,
        "replies": [pane_json(pane) for pane in comparison.panes],
    }


def print_replies(comparison: Comparison, out: TextIO) -> None:
    """Each reply under its model's name, then the figures as a Rich table; server text is never markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tui_chat.core.text import strip_control

    console = Console(file=out, highlight=False, soft_wrap=True)
    for pane in comparison.panes:
        console.print(Text(f"── {pane.contender.label} ({pane.status.value})", style="bold"))
        console.print(Text(strip_control(pane.text) or "(no reply)"))
        console.print()
    table = Table(title=Text("Comparison"))
    for name in ("model", "status", "TTFT", "tok/s", "tokens in", "tokens out", "cost"):
        table.add_column(Text(name), justify="left" if name in ("model", "status") else "right")
    for pane in comparison.panes:
        figures = pane.figures()
        cells = (pane.contender.label, pane.status.value, figures.ttft, figures.rate, figures.tokens_in)
        table.add_row(*(Text(cell) for cell in (*cells, figures.tokens_out, figures.cost)))
    console.print(table)
