"""A conversation's own budget, beside the daily and monthly ones: warned at 80 %, refused or confirmed at 100 %."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.test_cli import run
from tests.integration.test_conversation_service import PRICED, Display, priced_services
from tests.loopback import Script
from tui_chat.core.conversation_budget import conversation_status, parse_budget
from tui_chat.services.budget_gate import OverBudget


async def test_a_conversation_budget_stops_that_conversation_only(make_services, app_paths, loopback) -> None:
    services = priced_services(make_services, app_paths, loopback, '[budget]\nover_budget = "confirm"\n')
    conversations = await services.conversations()
    capped = await conversations.create(provider="priced", model="gpt-4o")
    other = await conversations.create(provider="priced", model="gpt-4o")
    await conversations.set_budget(capped.id, Decimal("0.005"))
    assert (await conversations.get(capped.id)).budget == Decimal("0.005")
    loopback.enqueue(Script(text="costly", usage=PRICED))
    await conversations.send(capped, "spend it", Display().write)  # $0.0045: 90 % of the budget

    spending = await conversations.spending(capped.id)
    assert spending.budget.warning and not spending.budget.exceeded
    assert "this conversation: 90% of $0.005 budget" in spending.budget.note
    loopback.enqueue(Script(text="costly", usage=PRICED))
    await conversations.send(capped, "and again", Display().write)
    with pytest.raises(OverBudget) as refused:
        await conversations.check_budget(conversation_id=capped.id)
    assert refused.value.can_confirm and "this conversation" in str(refused.value)
    with pytest.raises(OverBudget):
        await conversations.send(capped, "more", Display().write)
    assert (await conversations.check_budget(conversation_id=capped.id, confirmed=True)).exceeded
    assert not (await conversations.check_budget(conversation_id=other.id)).exceeded
    loopback.enqueue(Script(text="fine", usage=PRICED))
    finished = await conversations.send(other, "other chat", Display().write)
    assert finished.error is None

    await conversations.set_budget(capped.id, None)
    assert (await conversations.get(capped.id)).budget is None
    assert not (await conversations.check_budget(conversation_id=capped.id)).exceeded
    await services.aclose()


def test_ask_into_a_conversation_over_its_budget_is_refused(isolated_environment, app_paths, loopback) -> None:
    import asyncio

    from tui_chat.services.bootstrap import build_services

    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'default_provider = "priced"\n[providers.priced]\nbase_url = "{loopback.base_url}"\nneeds_key = false\n'
        'default_model = "gpt-4o"\n[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n'
    )
    loopback.enqueue(Script(text="spent", usage=PRICED))
    assert run(isolated_environment, "ask", "spend it").returncode == 0

    async def cap() -> None:
        services = build_services(paths=app_paths)
        conversations = await services.conversations()
        [summary] = await conversations.summaries()
        await conversations.set_budget(summary.conversation.id, Decimal("0.001"))
        await services.aclose()

    asyncio.run(cap())
    refused = run(isolated_environment, "ask", "--conversation", "1", "one more")
    assert refused.returncode == 3, refused.stderr
    assert "this conversation" in refused.stderr and "Traceback" not in refused.stderr
    assert run(isolated_environment, "ask", "a new chat").returncode == 0


def test_typed_budgets() -> None:
    assert parse_budget(" $2.50 ") == Decimal("2.50") and parse_budget("") is None
    for bad in ("abc", "0", "-1", "nan", "inf", "1e12", "0.0000001"):
        with pytest.raises(ValueError):
            parse_budget(bad)
    assert conversation_status(Decimal(-1), Decimal(1)).note.startswith("this conversation: 0%")
    assert conversation_status(Decimal(10**20), Decimal("0.000001")).exceeded
