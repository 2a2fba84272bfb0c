"""Parse arguments, build the services, and start the app or a subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from tui_chat import __version__
from tui_chat.cli import (
    ask,
    compare,
    completion,
    conversations,
    database,
    doctor,
    keys,
    models,
    output,
    prices,
    reconcile,
    show,
    themes,
    tui,
    usage,
)

STORED = {
    "last": show.run_last,
    "show": show.run_show,
    "models": models.run_models,
    "__complete": completion.run_complete,
}
"""Commands that read what is stored or configured, each an async function of the services and arguments."""


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
    ask.add_parser(commands, endpoint)
    tui.add_parser(commands, endpoint)
    themes.add_parser(commands)
    keys.add_parser(commands)
    doctor.add_parser(commands)
    conversations.add_parser(commands)
    database.add_parser(commands)
    usage.add_parser(commands)
    show.add_parser(commands)
    models.add_parser(commands, endpoint)
    completion.add_parser(commands)
    compare.add_parser(commands)
    prices.add_parser(commands, endpoint)
    reconcile.add_parser(commands, endpoint)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tui-chat` command."""
    try:
        return run(argv)
    except BrokenPipeError:
        return output.OK
    except KeyboardInterrupt:
        return output.CANCELLED


def run(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run what they ask for."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        start_debug_log()
    if args.command == "completion":
        return completion.run_completion(parser, args)
    if args.command in ("keys", "doctor", "db"):
        from tui_chat.paths import AppPaths

        command = {"keys": lambda paths: keys.run(args, paths), "doctor": doctor.run, "db": database.run}[args.command]
        return command(AppPaths.default())
    from tui_chat.services.bootstrap import build_services

    try:
        services = build_services(provider=args.provider, model=args.model, base_url=args.base_url)
    except Exception as exc:  # a clear message, never a traceback
        return output.fail(exc)
    services.target_from_command_line = any((args.provider, args.model, args.base_url))
    if services.settings.debug and not args.debug:
        start_debug_log(services.paths)
    if args.command in ("ask", "compare", "usage", "list", "search", "export", "themes", *STORED) and not getattr(
        args, "quiet", False
    ):
        for problem in services.startup_problems:  # the command still runs, on defaults
            output.fail(problem)
    if args.command == "ask":
        return ask.run(services, args)
    if args.command == "usage":
        return usage.run_usage(services, args)
    if args.command == "compare":
        return compare.run(services, args)
    if args.command == "prices":
        return prices.run_prices(services, args)
    if args.command == "reconcile":
        return reconcile.run_reconcile(services, args)
    if args.command in ("list", "search", "export"):
        import asyncio

        handlers = {
            "list": conversations.run_list,
            "search": conversations.run_search,
            "export": conversations.run_export,
        }
        return asyncio.run(handlers[args.command](services, args))
    if args.command in STORED:
        import asyncio

        return asyncio.run(STORED[args.command](services, args))
    from tui_chat.theming import load_themes

    loaded, theme_problems = load_themes(services.paths.user_themes_dir)
    if args.command == "themes":
        return themes.list_themes(loaded, theme_problems, services.settings.theme)
    services.startup_problems.extend(theme_problems)
    return tui.run(services, args, loaded)


def start_debug_log(paths=None) -> None:
    """Turn the debug log on; a log that cannot be opened is a warning, never a reason not to start."""
    from tui_chat.debug_log import enable
    from tui_chat.paths import AppPaths

    try:
        enable((paths or AppPaths.default()).log_file)
    except OSError as exc:
        output.warn(f"no debug log ({exc.strerror or exc})")
