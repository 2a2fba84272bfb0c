"""`tui-chat reconcile`: per UTC day, what we recorded, what the provider billed, and the difference."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices
    from tui_chat.services.reconcile import DayLine, Reconciled

DEFAULT_DAYS = 7


def add_parser(commands: argparse._SubParsersAction, endpoint: argparse.ArgumentParser) -> None:
    """Register `reconcile` on the main parser's subcommands."""
    parser = commands.add_parser(
        "reconcile",
        parents=[endpoint],
        help="compare recorded spend with the provider's bill, per day",
        description="Fetch what the provider billed (OpenAI's organization costs API, with an admin key; OpenRouter's"
        " stats of each stored generation) and print, per UTC day, our total, the billed total and the difference.",
    )
    parser.add_argument("--since", metavar="DATE", help=f"first UTC day, YYYY-MM-DD (default: {DEFAULT_DAYS} days ago)")
    parser.add_argument(
        "--set-admin-key", action="store_true", help="store the OpenAI admin key in the keyring (read hidden) and stop"
    )


def run_reconcile(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the day-by-day comparison; a missing key or an unreachable provider is a clear failure."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.periods import parse_day

    out = out or sys.stdout
    if args.set_admin_key:
        return _set_admin_key(services)
    today = datetime.now(UTC).date()
    try:
        since = parse_day(args.since) if args.since else today - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError as exc:
        return output.fail(str(exc), output.USAGE)
    if since > today:
        return output.fail(f"--since {since.isoformat()} is after today ({today.isoformat()}, UTC).", output.USAGE)
    try:
        result = asyncio.run(_reconcile(services, args.provider or "openai", since, today))
    except TuiChatError as exc:
        return output.fail(exc)
    out.write(table(result.lines))
    if result.unbilled:
        shown = ", ".join(result.unbilled[:20]) + (" …" if len(result.unbilled) > 20 else "")
        out.write(f"not billed (the provider has no record of them): {len(result.unbilled):,} replies: {shown}\n")
    return output.OK


async def _reconcile(services: AppServices, provider: str, since, today) -> Reconciled:
    from tui_chat.services.reconcile import reconcile

    try:
        return await reconcile(services, provider, since, today)
    finally:
        await services.aclose()


def table(lines: list[DayLine]) -> str:
    """The comparison as aligned text with a totals line and a note on each day that differs."""
    from decimal import Decimal

    from tui_chat.core.pricing import format_money

    def signed(value: Decimal) -> str:
        return ("+" if value > 0 else "") + format_money(value)

    rows = [("day (UTC)", "ours", "billed", "difference", "")]
    for line in lines:
        note = ""
        if line.difference > 0:
            note = "billed more: spend we did not record (another app using the same key?)"
        elif line.difference < 0:
            note = "billed less: replies the provider did not bill (yet)"
        rows.append(
            (line.day.isoformat(), format_money(line.ours), format_money(line.billed), signed(line.difference), note)
        )
    ours = sum((line.ours for line in lines), Decimal(0))
    billed = sum((line.billed for line in lines), Decimal(0))
    rows.append(("total", format_money(ours), format_money(billed), signed(billed - ours), ""))
    widths = [max(len(row[index]) for row in rows) for index in range(4)]
    return "".join(
        "  ".join(
            cell.ljust(widths[index]) if index == 0 else cell.rjust(widths[index]) for index, cell in enumerate(row[:4])
        )
        + (f"  {row[4]}" if row[4] else "")
        + "\n"
        for row in rows
    )


def _set_admin_key(services: AppServices) -> int:
    """Read the admin key (hidden on a terminal) and keep it in the keyring, never on disk."""
    from tui_chat.cli.keys import read_key
    from tui_chat.core.errors import TuiChatError
    from tui_chat.services.reconcile import ADMIN_KEY_NAME

    try:
        services.keys.check_usable()
        key = read_key("OpenAI admin key (input hidden): ")
        asyncio.run(services.keys.set(ADMIN_KEY_NAME, key))
    except KeyboardInterrupt:
        return output.fail("interrupted; nothing saved.", output.CANCELLED, fresh_line=True)
    except TuiChatError as exc:
        return output.fail(exc)
    output.warn("the admin key is stored in the keyring; `tui-chat reconcile` uses it.")
    return output.OK
