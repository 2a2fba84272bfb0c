"""Parse arguments, build the services, and start the app or a subcommand."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from tui_chat import __version__
from tui_chat.core.errors import ConfigError


def build_parser() -> argparse.ArgumentParser:
    """The command line: the TUI by default, plus subcommands for scripts."""
    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="A terminal chat client for OpenAI and OpenAI-compatible endpoints.",
    )
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    helps = {
        "--provider": "provider for this run (default: from config.toml, else demo)",
        "--model": "model for this run (default: the provider's)",
        "--base-url": "API root for this run, e.g. http://localhost:8080/v1",
    }
    endpoint = argparse.ArgumentParser(add_help=False)
    for flag, text in helps.items():
        parser.add_argument(flag, help=text)
        endpoint.add_argument(flag, help=text, default=argparse.SUPPRESS)
    parser.add_argument("--usage", action="store_true", help="open the usage-history screen")
    debug_help = "write a debug log (keys redacted) to the state directory, e.g. ~/.local/state/tui-chat/tui-chat.log"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    endpoint.add_argument("--debug", action="store_true", help=debug_help, default=argparse.SUPPRESS)
    parser.add_argument("--theme", help="colour theme for this run, remembered for next time (see `tui-chat themes`)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask = commands.add_parser(
        "ask", parents=[endpoint], help="stream one reply to stdout", description="Stream one reply to stdout; it is stored like any exchange."
    )
    ask.add_argument("prompt", help="the prompt, or - to read it from stdin")
    commands.add_parser("tui", parents=[endpoint], help="open the chat (the default)")
    commands.add_parser("themes", help="list the colour themes, built-in and your own")
    from tui_chat.commands import add_subcommands
    from tui_chat.services.conversation_commands import add_subcommands as add_conversation_commands

    add_subcommands(commands)
    add_conversation_commands(commands)
    from tui_chat.database_command import add_database_command

    add_database_command(commands)
    from tui_chat.usage_command import add_usage_arguments

    add_usage_arguments(
        commands.add_parser(
            "usage",
            help="spending by day, model, provider or conversation",
            description="Spending from the usage history, as a table, JSON or CSV; money is exact.",
        )
    )
    ask.add_argument("--conversation", type=int, metavar="ID", help="continue this conversation")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tui-chat` command."""
    try:
        return run(argv)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def run(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run what they ask for."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        start_debug_log()
    if args.command in ("keys", "doctor"):
        from tui_chat.commands import run_command

        return run_command(args)
    if args.command == "db":
        from tui_chat.database_command import run_database_command

        return run_database_command(args)
    from tui_chat.services.bootstrap import build_services

    try:
        services = build_services(provider=args.provider, model=args.model, base_url=args.base_url)
    except Exception as exc:  # a clear message, never a traceback
        return fail(exc)
    services.target_from_command_line = any((args.provider, args.model, args.base_url))
    if services.settings.debug and not args.debug:
        start_debug_log(services.paths)
    if args.command in ("ask", "usage", "list", "search", "export", "themes"):
        for problem in services.startup_problems:  # the command still runs, on defaults
            fail(problem)
    if args.command == "ask":
        from tui_chat.services.ask import run_ask
        from tui_chat.signal_exit import run_until_signalled

        return asyncio.run(run_until_signalled(run_ask(services, args.prompt, conversation_id=args.conversation)))
    if args.command == "usage":
        from tui_chat.usage_command import run_usage

        return run_usage(services, args)
    if args.command in ("list", "search", "export"):
        from tui_chat.services import conversation_commands

        handler = getattr(conversation_commands, f"run_{args.command}")
        return asyncio.run(handler(services, args))
    from tui_chat.theming import load_themes

    themes, theme_problems = load_themes(services.paths.user_themes_dir)
    if args.command == "themes":
        return list_themes(themes, theme_problems, services.settings.theme)
    services.startup_problems.extend(theme_problems)
    if args.theme:
        names = {theme.name for theme in themes} | set(textual_theme_names())
        if args.theme not in names:
            return fail(ConfigError(f"There is no theme called '{args.theme}'.", hint="See `tui-chat themes`."))
        services.remember_theme(args.theme)
    from tui_chat.app import ChatApp

    services.offer_setup = services.first_run and args.provider is None and args.base_url is None
    app = ChatApp(services, themes=themes, open_usage=args.usage, freeze_gc=True)
    from tui_chat.signal_exit import run_app_until_signalled

    try:
        asyncio.run(run_app_until_signalled(app))
    finally:
        services.stop_database()
    return app.return_code or 0


def start_debug_log(paths=None) -> None:
    """Turn the debug log on; a log that cannot be opened is a warning, never a reason not to start."""
    from tui_chat.debug_log import enable
    from tui_chat.paths import AppPaths

    try:
        enable((paths or AppPaths.default()).log_file)
    except OSError as exc:
        print(f"tui-chat: warning: no debug log ({exc.strerror or exc})", file=sys.stderr)


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
        fail(problem)
    return 1 if problems else 0


def fail(exc: BaseException) -> int:
    """Print an error as one line of plain text on stderr and return the exit status."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.text import strip_control

    if isinstance(exc, TuiChatError):
        text = exc.one_line()
    else:
        text = " ".join(strip_control(f"{type(exc).__name__}: {exc}").split())
    print(f"tui-chat: {text}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
