"""`tui-chat prices MODEL`: the price per million tokens a request to the model is charged, and its source."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices


def add_parser(commands: argparse._SubParsersAction, endpoint: argparse.ArgumentParser) -> None:
    """Register `prices` on the main parser's subcommands."""
    parser = commands.add_parser(
        "prices",
        parents=[endpoint],
        help="a model's price per million tokens and where it comes from",
        description="The price per million tokens (input, cached input, cache write, output, tiers) a request"
        " to MODEL at the provider is charged now, and its source: genai-prices, a [prices] override or local.",
    )
    parser.add_argument("price_model", metavar="MODEL", help="the model, e.g. gpt-4o")


def run_prices(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the model's price sheet; a model with no known price is a clear failure."""
    from datetime import UTC, datetime

    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.price_sheet import price_sheet
    from tui_chat.core.text import one_line, strip_control

    out = out or sys.stdout
    provider = services.target.provider
    model = args.price_model
    try:
        ref = services.registry.ref(provider)
        sheet = price_sheet(ref, model, services.registry.price_overrides, datetime.now(UTC))
    except TuiChatError as exc:
        return output.fail(exc)
    if sheet is None:
        return output.fail(
            f"No price is known for {model!r} at {provider}: genai-prices does not list it."
            " Add one under [prices] in config.toml to have its requests priced.",
            output.USAGE,
        )
    shown = strip_control(one_line(model))
    out.write(f"{shown} at {strip_control(one_line(provider))}, dollars per million tokens\n")
    width = max(len(label) for label, _ in sheet.lines)
    for label, rate in sheet.lines:
        out.write(f"  {label.ljust(width)}  {rate}\n")
    out.write(f"source: {strip_control(one_line(sheet.source))}\n")
    return output.OK
