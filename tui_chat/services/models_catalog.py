"""The models a provider offers (GET /models) with genai-prices' context windows and prices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tui_chat.core import pricing
from tui_chat.core.errors import TuiChatError
from tui_chat.services.providers import MissingKeyError, ProviderRegistry

ENDPOINT_SOURCE = "endpoint"
CONFIGURED_SOURCE = "configured"
RECENT_SOURCE = "recently used"
LIST_TIMEOUT_SECONDS = 15.0
UNREACHABLE_KINDS = {"offline", "connect_timeout"}
"""Failure kinds meaning nothing listens at the provider's address (a local server that is not running)."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model a conversation can use, with what is known about its limits and price."""

    id: str
    context_window: int | None
    input_per_mtok: Decimal | None
    output_per_mtok: Decimal | None
    source: str


@dataclass(frozen=True, slots=True)
class ModelListing:
    """The models offered, and why the endpoint's list is missing when it is (None when it answered)."""

    provider: str
    models: list[ModelInfo] = field(default_factory=list)
    failure: str | None = None
    not_running: bool = False
    """A local provider nothing answers for; listed only when it is the one in use."""


def describe(registry: ProviderRegistry, provider_name: str, model: str, source: str) -> ModelInfo:
    """A model with its context window and per-million prices from genai-prices or the user's overrides."""
    ref = registry.ref(provider_name)
    input_price, output_price = pricing.price_per_mtok(ref, model, registry.price_overrides)
    return ModelInfo(model, pricing.context_window(ref, model), input_price, output_price, source)


def fallback_models(
    registry: ProviderRegistry, provider_name: str, recent_models: Sequence[str]
) -> list[tuple[str, str]]:
    """The configured and recently used models of a provider, each once, configured first."""
    provider = registry.provider(provider_name)
    configured: list[str | None] = [provider.default_model]
    if registry.settings.default_provider == provider_name:
        configured.insert(0, registry.settings.default_model)
    chosen: dict[str, str] = {}
    for model in configured:
        if model:
            chosen.setdefault(model, CONFIGURED_SOURCE)
    for model in recent_models:
        if model:
            chosen.setdefault(model, RECENT_SOURCE)
    return list(chosen.items())


def failure_reason(exc: BaseException) -> str:
    """A one-line, user-facing reason the endpoint could not list its models."""
    if isinstance(exc, TuiChatError):
        return f"{exc.title}: {exc.message}" if exc.message else exc.title
    if isinstance(exc, TimeoutError):
        return f"The server did not answer GET /models within {LIST_TIMEOUT_SECONDS:.0f} s."
    return f"{type(exc).__name__}: {exc}"


async def list_models(
    registry: ProviderRegistry, provider_name: str, *, recent_models: Sequence[str] = ()
) -> ModelListing:
    """The provider's models merged with genai-prices data; configured and recent ones when it cannot list."""
    try:
        client = await registry.client(provider_name)
        ids = await asyncio.wait_for(client.list_models(), LIST_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure falls back; the reason is shown, never raised
        reason = failure_reason(exc)
        models = [
            describe(registry, provider_name, model, source)
            for model, source in fallback_models(registry, provider_name, recent_models)
        ]
        not_running = registry.provider(provider_name).local and getattr(exc, "kind", "") in UNREACHABLE_KINDS
        return ModelListing(provider_name, models, reason, not_running)
    return ModelListing(
        provider_name, [describe(registry, provider_name, model, ENDPOINT_SOURCE) for model in sorted(set(ids))]
    )


async def usable_listing(
    registry: ProviderRegistry, provider_name: str, *, recent_models: Sequence[str] = ()
) -> ModelListing | None:
    """The provider's models, or None when it needs a key it does not have."""
    try:
        await registry.client(provider_name)
    except MissingKeyError:
        return None
    except Exception:  # list_models reports it with the fallback models
        pass
    return await list_models(registry, provider_name, recent_models=recent_models)


async def usable_listings(
    registry: ProviderRegistry, providers: Sequence[str], recent_models: Mapping[str, Sequence[str]]
) -> AsyncIterator[ModelListing]:
    """The listings of the providers that can be used now (a key, or none needed), each as it arrives."""
    tasks = [
        asyncio.ensure_future(usable_listing(registry, name, recent_models=recent_models.get(name, ())))
        for name in providers
    ]
    try:
        for arrival in asyncio.as_completed(tasks):
            listing = await arrival
            if listing is not None:
                yield listing
    finally:
        for task in tasks:
            task.cancel()
