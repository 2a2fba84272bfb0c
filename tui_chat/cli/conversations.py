"""`tui-chat list`, `search` and `export`: conversations for scripts, as a plain table or JSON."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output
from tui_chat.core.errors import TuiChatError
from tui_chat.core.text import strip_control

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `list`, `search` and `export` on the main parser's subcommands."""
    listing = commands.add_parser("list", help="list conversations, newest first")
    listing.add_argument("--archived", action="store_true", help="list archived conversations instead")
    listing.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    search = commands.add_parser("search", help="full-text search over every message")
    search.add_argument("text", help="words to find (each matches as a prefix)")
    search.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    search.add_argument("--limit", type=int, default=50, help="most results to show (default 50)")
    export = commands.add_parser("export", help="export a conversation as Markdown or JSON")
    export.add_argument("conversation_id", type=int, metavar="ID", help="the conversation's id (see `tui-chat list`)")
    export.add_argument("--format", choices=("md", "json"), default="md", help="output format (default md)")
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    export.add_argument("--with-thinking", action="store_true", help="include reasoning models' thinking")


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> str:
    """A plain-text table, columns padded to their widest cell; the last column is not padded."""
    cells = [[strip_control(cell).replace("\n", " ") for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]
    lines = []
    for row in cells:
        padded = [
            cell.rjust(widths[index]) if index in right else cell.ljust(widths[index])
            for index, cell in enumerate(row[:-1])
        ]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def local_time(moment) -> str:
    """A short local date and time for a table."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


async def run_list(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the conversations (archived ones with --archived) as a table or JSON."""
    from tui_chat.core.pricing import format_money
    from tui_chat.services.conversation_export import iso_utc, money, safe_json

    out = out or sys.stdout
    try:
        conversations = await services.conversations()
        summaries = await conversations.summaries(archived=bool(args.archived))
    except TuiChatError as exc:
        return output.fail(exc)
    finally:
        await services.aclose()
    if args.format == "json":
        out.write(
            safe_json(
                [
                    {
                        "id": summary.conversation.id,
                        "title": summary.conversation.title,
                        "provider": summary.conversation.provider,
                        "model": summary.conversation.model,
                        "archived": summary.conversation.archived,
                        "created_at": iso_utc(summary.conversation.created_at),
                        "updated_at": iso_utc(summary.conversation.updated_at),
                        "message_count": summary.message_count,
                        "cost_usd": money(summary.cost),
                        "unpriced_requests": summary.unpriced_requests,
                    }
                    for summary in summaries
                ]
            )
        )
        return 0
    rows = [
        (
            str(summary.conversation.id),
            local_time(summary.conversation.updated_at),
            summary.conversation.model,
            str(summary.message_count),
            format_money(summary.cost) + ("+" if summary.unpriced_requests else ""),
            summary.conversation.title or "(untitled)",
        )
        for summary in summaries
    ]
    out.write(render_table(("ID", "UPDATED", "MODEL", "MSGS", "COST", "TITLE"), rows, right={0, 3, 4}))
    return 0


async def run_search(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the messages matching the text; exit 1 when nothing matches."""
    from tui_chat.services.conversation_export import iso_utc, safe_json

    out = out or sys.stdout
    try:
        conversations = await services.conversations()
        hits = await conversations.search(args.text, limit=getattr(args, "limit", 50))
    except TuiChatError as exc:
        return output.fail(exc)
    finally:
        await services.aclose()
    if args.format == "json":
        out.write(
            safe_json(
                [
                    {
                        "conversation_id": hit.conversation_id,
                        "message_id": hit.message_id,
                        "conversation_title": hit.conversation_title,
                        "role": hit.role.value,
                        "created_at": iso_utc(hit.created_at),
                        "excerpt": hit.excerpt,
                        "highlights": [list(span) for span in hit.highlights],
                    }
                    for hit in hits
                ]
            )
        )
    else:
        rows = [
            (
                str(hit.conversation_id),
                str(hit.message_id),
                hit.role.value,
                local_time(hit.created_at),
                hit.conversation_title or "(untitled)",
                hit.excerpt,
            )
            for hit in hits
        ]
        out.write(render_table(("CONV", "MSG", "ROLE", "DATE", "TITLE", "EXCERPT"), rows, right={0, 1}))
    return 0 if hits else 1


async def run_export(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write one conversation as Markdown or JSON to stdout or to `--output` (a private file)."""
    out = out or sys.stdout
    try:
        from tui_chat.services.attachment_export import folder_for, write_files

        destination: Path | None = getattr(args, "output", None)
        folder = folder_for(destination, args.conversation_id)
        conversations = await services.conversations()
        text = await conversations.export_text(
            args.conversation_id,
            "json" if args.format == "json" else "md",
            folder,
            with_thinking=getattr(args, "with_thinking", False),
        )
        files = await conversations.attachments(args.conversation_id) if args.format == "md" else {}
    except TuiChatError as exc:
        return output.fail(exc)
    finally:
        await services.aclose()
    if text is None:
        return output.fail(f"no conversation with id {args.conversation_id}.", output.USAGE)
    if destination is None:
        out.write(text if args.format == "json" else strip_control(text))
        return 0
    try:
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        write_files(files, destination.parent / folder)
    except OSError as exc:
        return output.fail(f"cannot write {destination}: {exc.strerror or exc}")
    return output.OK
