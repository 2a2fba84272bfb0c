"""`tui-chat doctor`: one plain line per check of config, storage, keyring, tokenizer and providers."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.paths import AppPaths


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `doctor` on the main parser's subcommands."""
    commands.add_parser("doctor", help="check config, storage, keyring, tokenizer and providers")


def run(paths: AppPaths, out: TextIO | None = None) -> int:
    """Print the report; exit 1 when something the default provider needs is broken."""
    from tui_chat.services.doctor import run_checks

    out = out or sys.stdout
    results = asyncio.run(run_checks(paths))
    for result in results:
        print(result.line(), file=out)
    failed = [result for result in results if result.failed]
    print(
        f"{len(failed)} problem(s) affecting the default provider"
        if failed
        else "all checks needed by the default provider passed",
        file=out,
    )
    return output.FAILED if failed else output.OK
