"""The provider's reported cost against the loopback server: stored beside ours, shown, and flagged when they differ."""

from __future__ import annotations

from decimal import Decimal

import genai_prices

from tests.integration.test_chat_session import Recorder
from tests.loopback import Script
from tui_chat.core.cost_truth import KIND_GENAI, KIND_REPORTED, cost_line, record_mismatch

USAGE = {"prompt_tokens": 1234, "completion_tokens": 567, "prompt_tokens_details": {"cached_tokens": 1024}}


def genai_cost() -> Decimal:
    return genai_prices.calc_price(
        genai_prices.Usage(input_tokens=1234, cache_read_tokens=1024, output_tokens=567), "gpt-4o", provider_id="openai"
    ).total_price


async def priced_session(make_services, loopback):
    services = make_services(provider="openai", model="gpt-4o", base_url=loopback.base_url)

    async def key(name, provider):
        return "sk-test-0000000000000000"

    services.registry._key_lookup = key
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    return services, repository, conversation


async def test_a_reported_cost_is_the_cost_shown_and_ours_is_kept_beside_it(make_services, loopback) -> None:
    services, repository, conversation = await priced_session(make_services, loopback)
    loopback.enqueue(Script(text="charged", usage=USAGE, cost=0.006391234567))
    finished = await (await services.session()).send(conversation, "price me", Recorder())
    assert finished.error is None, finished.error
    [row] = await repository.usage_rows(conversation.id)
    assert row.cost == Decimal("0.006391234567")
    assert row.computed_cost == genai_cost() and row.computed_cost > 0
    assert row.price_kind == KIND_REPORTED
    assert row.prices_version == f"genai-prices {genai_prices.__version__}"
    assert row.price_source.startswith("reported by openai; computed genai-prices")
    totals = await repository.spend(conversation_id=conversation.id)
    assert totals.cost == Decimal("0.006391234567")
    share = record_mismatch(row)
    assert share is not None and share > Decimal("0.01")
    assert "⚠" in cost_line(row) and "(reported)" in cost_line(row)
    await services.aclose()


async def test_a_reported_cost_within_one_percent_is_not_flagged(make_services, loopback) -> None:
    services, repository, conversation = await priced_session(make_services, loopback)
    close = genai_cost() * Decimal("1.005")
    loopback.enqueue(Script(text="charged", usage=USAGE, cost=float(close)))
    await (await services.session()).send(conversation, "price me", Recorder())
    [row] = await repository.usage_rows(conversation.id)
    assert row.cost == Decimal(str(float(close)))
    assert record_mismatch(row) is None
    assert cost_line(row).endswith("(reported)")
    await services.aclose()


async def test_without_a_report_our_price_is_the_cost_with_its_provenance(make_services, loopback) -> None:
    services, repository, conversation = await priced_session(make_services, loopback)
    loopback.enqueue(Script(text="ours", usage=USAGE))
    await (await services.session()).send(conversation, "price me", Recorder())
    [row] = await repository.usage_rows(conversation.id)
    assert row.cost == row.computed_cost == genai_cost()
    assert row.price_kind == KIND_GENAI and row.prices_version.startswith("genai-prices ")
    assert record_mismatch(row) is None
    [request] = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert "usage" not in request.json
    await services.aclose()


async def test_a_provider_that_reports_cost_is_asked_for_it(app_paths, make_services, loopback) -> None:
    app_paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.gateway]\nbase_url = "{loopback.base_url}"\nneeds_key = false\nreports_cost = true\n'
    )
    services = make_services(provider="gateway", model="gpt-4o")
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="gateway", model="gpt-4o")
    loopback.enqueue(Script(text="charged", usage=USAGE, cost=0.25))
    await (await services.session()).send(conversation, "price me", Recorder())
    [request] = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert request.json["usage"] == {"include": True}
    [row] = await repository.usage_rows(conversation.id)
    assert row.cost == Decimal("0.25") and row.price_kind == KIND_REPORTED
    await services.aclose()


async def test_a_nonsense_reported_cost_is_ignored(make_services, loopback) -> None:
    services, repository, conversation = await priced_session(make_services, loopback)
    loopback.enqueue(Script(text="odd", usage={**USAGE, "cost": "NaN"}))
    await (await services.session()).send(conversation, "price me", Recorder())
    [row] = await repository.usage_rows(conversation.id)
    assert row.cost == genai_cost() and row.price_kind == KIND_GENAI
    await services.aclose()


async def test_an_old_request_keeps_its_cost_after_the_prices_change(app_paths, make_services, loopback) -> None:
    app_paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text('[prices."gpt-4o"]\ninput = "2"\noutput = "8"\n')
    services, repository, conversation = await priced_session(make_services, loopback)
    loopback.enqueue(Script(text="old", usage={"prompt_tokens": 1000, "completion_tokens": 100}))
    await (await services.session()).send(conversation, "before", Recorder())
    await services.aclose()

    app_paths.config_file.write_text('[prices."gpt-4o"]\ninput = "20"\noutput = "80"\n')
    services, repository, _ = await priced_session(make_services, loopback)
    loopback.enqueue(Script(text="new", usage={"prompt_tokens": 1000, "completion_tokens": 100}))
    await (await services.session()).send(conversation, "after", Recorder())
    old, new = await repository.usage_rows(conversation.id)
    assert old.cost == Decimal("0.0028") and old.price_kind == "override"
    assert new.cost == Decimal("0.028")
    assert (await repository.spend(conversation_id=conversation.id)).cost == Decimal("0.0308")
    await services.aclose()
