"""`tui-chat db move-aside`: rename a damaged database so the next start begins with a fresh one."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.paths import AppPaths


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `db` and its actions on the main parser's subcommands."""
    database = commands.add_parser("db", help="look after the database file")
    actions = database.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    actions.add_parser(
        "move-aside",
        help="rename a damaged database to <name>.corrupt-<timestamp> and start fresh",
        description="Rename the database (and its -wal/-shm files) to <name>.corrupt-YYYYmmdd-HHMMSS when it "
        "cannot be read, so the next start creates a fresh one. Nothing is deleted; a healthy file or one "
        "from a newer tui-chat is left where it is.",
    )


def run(paths: AppPaths) -> int:
    """Run a `db` action and return the exit status."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.services.database_repair import move_aside_if_damaged

    try:
        moved = asyncio.run(move_aside_if_damaged(paths.database))
    except TuiChatError as exc:
        return output.fail(exc)
    print(f"moved {paths.database} aside to {moved}; the next start creates a fresh database")
    return output.OK
