"""The `tui-chat` command line: one module per command, and output.py for every stderr line and exit status."""

from tui_chat.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
