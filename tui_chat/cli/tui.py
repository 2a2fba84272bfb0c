"""The default command: open the chat, with this run's theme, until the user quits or a signal ends it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices


def add_parser(commands: argparse._SubParsersAction, endpoint: argparse.ArgumentParser) -> None:
    """Register `tui`, the same as no command, on the main parser's subcommands."""
    commands.add_parser("tui", parents=[endpoint], help="open the chat (the default)")


def run(services: AppServices, args: argparse.Namespace, themes: list) -> int:
    """Check the theme asked for, run the app, and return its exit status."""
    import asyncio

    from tui_chat.cli.themes import textual_theme_names
    from tui_chat.core.errors import ConfigError

    if args.theme:
        names = {theme.name for theme in themes} | set(textual_theme_names())
        if args.theme not in names:
            return output.fail(ConfigError(f"There is no theme called '{args.theme}'.", hint="See `tui-chat themes`."))
        services.remember_theme(args.theme)
    from tui_chat.app import ChatApp
    from tui_chat.signal_exit import run_app_until_signalled
    from tui_chat.widgets.thumbnails import prepare

    prepare(services.settings.attachments.thumbnails)  # the terminal answers only before the app starts

    services.offer_setup = services.first_run and args.provider is None and args.base_url is None
    app = ChatApp(services, themes=themes, open_usage=args.usage, freeze_gc=True)
    try:
        asyncio.run(run_app_until_signalled(app))
    finally:
        services.stop_database()
    return app.return_code or output.OK
