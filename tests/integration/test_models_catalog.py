"""The model catalogue against the loopback server, and its fallback when the endpoint cannot list."""

from __future__ import annotations

from decimal import Decimal

from tui_chat.services.models_catalog import CONFIGURED_SOURCE, ENDPOINT_SOURCE, RECENT_SOURCE, list_models


async def test_loopback_models_are_listed_with_local_prices(make_services) -> None:
    services = make_services()
    try:
        listing = await list_models(services.registry, "demo")
    finally:
        await services.aclose()
    assert listing.failure is None
    ids = [model.id for model in listing.models]
    assert {"demo", "demo-fast", "demo-slow"} <= set(ids) and ids == sorted(ids)
    for model in listing.models:
        assert model.source == ENDPOINT_SOURCE and model.context_window is None
        assert (model.input_per_mtok, model.output_per_mtok) == (Decimal(0), Decimal(0))


async def test_unreachable_endpoint_falls_back_to_configured_and_recent_models(make_services) -> None:
    services = make_services(provider="openai", model="gpt-4o", base_url="http://127.0.0.1:9/v1")
    services.registry._key_lookup = _fake_key
    try:
        listing = await list_models(services.registry, "openai", recent_models=["gpt-4o", "gpt-4.1-mini", ""])
    finally:
        await services.aclose()
    assert listing.failure is not None and "reach" in listing.failure.lower()
    assert [(model.id, model.source) for model in listing.models] == [
        ("gpt-4o-mini", CONFIGURED_SOURCE),
        ("gpt-4o", RECENT_SOURCE),
        ("gpt-4.1-mini", RECENT_SOURCE),
    ]
    mini = listing.models[0]
    assert mini.context_window and mini.context_window >= 128_000
    assert mini.input_per_mtok == Decimal("0.15") and mini.output_per_mtok == Decimal("0.6")


async def test_missing_key_is_a_reason_not_an_exception(make_services) -> None:
    services = make_services(provider="openai")
    try:
        listing = await list_models(services.registry, "openai")
    finally:
        await services.aclose()
    assert listing.failure.startswith("No API key")
    assert [model.id for model in listing.models] == ["gpt-4o-mini"]


async def _fake_key(name, provider) -> str:
    return "sk-test-not-real"
