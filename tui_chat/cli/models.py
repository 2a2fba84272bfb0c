"""`tui-chat models`: the models of each usable provider with context window and prices, from genai-prices."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output
from tui_chat.core.errors import TuiChatError

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices
    from tui_chat.services.models_catalog import ModelInfo, ModelListing


def add_parser(commands: argparse._SubParsersAction, endpoint: argparse.ArgumentParser) -> None:
    """Register `models` on the main parser's subcommands."""
    models = commands.add_parser(
        "models",
        parents=[endpoint],
        help="list models with context window and prices",
        description=(
            "List the models of every provider that has a key (or needs none), or of --provider, with their "
            "context window and prices per million tokens (genai-prices, or [prices] in config.toml)."
        ),
    )
    models.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    models.add_argument(
        "--sort",
        choices=("name", "price", "context"),
        default="name",
        help="order within a provider (price: cheapest first)",
    )


def sort_key(order: str):
    """How `--sort` orders a provider's models; unknown prices and windows go last."""
    if order == "price":
        return lambda info: (info.input_per_mtok is None, info.input_per_mtok or 0, info.output_per_mtok or 0, info.id)
    if order == "context":
        return lambda info: (info.context_window is None, -(info.context_window or 0), info.id)
    return lambda info: info.id


def per_million(price: Decimal | None) -> str:
    """A price per million tokens as a plain decimal, or "?" when unknown."""
    return "?" if price is None else f"{price.normalize():f}"


async def collect(services: AppServices, provider: str | None) -> list[ModelListing]:
    """The listing of `provider`, or of every provider that can be used now."""
    from tui_chat.services.models_catalog import list_models, usable_listings

    conversations = await services.conversations()
    registry = services.registry
    if provider is not None:
        registry.provider(provider)  # an unknown name fails here, with the known ones
        return [await list_models(registry, provider, recent_models=await conversations.recent_models(provider))]
    names = list(registry.providers)
    recent = {name: await conversations.recent_models(name) for name in names}
    listings = [listing async for listing in usable_listings(registry, names, recent)]
    return sorted(listings, key=lambda listing: names.index(listing.provider))


async def run_models(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the models as a table or JSON; a provider that could not list its own says why on stderr."""
    from tui_chat.cli.conversations import render_table
    from tui_chat.services.conversation_export import safe_json

    out = out or sys.stdout
    provider = getattr(args, "provider", None)
    try:
        listings = await collect(services, provider)
    except TuiChatError as exc:
        return output.fail(exc)
    finally:
        await services.aclose()
    rows: list[tuple[str, ModelInfo]] = []
    for listing in listings:
        if listing.failure is not None and (provider is not None or not listing.not_running):
            output.warn(f"{listing.provider}: {listing.failure} (showing the configured and recent models)")
        if listing.not_running and provider is None:
            continue
        rows += [(listing.provider, info) for info in sorted(listing.models, key=sort_key(args.sort))]
    if args.format == "json":
        out.write(
            safe_json(
                [
                    {
                        "provider": name,
                        "model": info.id,
                        "context_window": info.context_window,
                        "input_usd_per_mtok": None if info.input_per_mtok is None else per_million(info.input_per_mtok),
                        "output_usd_per_mtok": None
                        if info.output_per_mtok is None
                        else per_million(info.output_per_mtok),
                        "source": info.source,
                    }
                    for name, info in rows
                ]
            )
        )
        return output.OK
    table = [
        (
            name,
            info.id,
            f"{info.context_window:,}" if info.context_window else "?",
            per_million(info.input_per_mtok),
            per_million(info.output_per_mtok),
        )
        for name, info in rows
    ]
    out.write(render_table(("PROVIDER", "MODEL", "CONTEXT", "IN $/M", "OUT $/M"), table, right={2, 3, 4}))
    return output.OK
