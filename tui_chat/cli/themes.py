"""`tui-chat themes`: the colour themes, built-in and the user's own, the configured one starred."""

from __future__ import annotations

import argparse

from tui_chat.cli import output


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `themes` on the main parser's subcommands."""
    commands.add_parser("themes", help="list the colour themes, built-in and your own")


def textual_theme_names() -> list[str]:
    """The themes Textual itself ships."""
    from textual.theme import BUILTIN_THEMES

    return sorted(BUILTIN_THEMES)


def list_themes(themes: list, problems: list, current: str) -> int:
    """Print one theme name a line, the configured one starred; broken theme files go to stderr."""
    names = [theme.name for theme in themes]
    names += [name for name in textual_theme_names() if name not in names]
    for name in names:
        print(f"{'*' if name == current else ' '} {name}")
    for problem in problems:
        output.fail(problem)
    return output.FAILED if problems else output.OK
