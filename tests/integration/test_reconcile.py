"""`tui-chat reconcile` against the loopback server's paged organization costs endpoint, to the picodollar."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.conftest import subprocess_env
from tests.usage_helpers import record
from tui_chat.services.bootstrap import build_services

ADMIN_KEY = "sk-admin-test-000000000000000000000000"


def reconcile(home, loopback, *args: str, key: str | None = ADMIN_KEY):
    import subprocess
    import sys

    extra = {"OPENAI_ADMIN_KEY": key} if key else {}
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", "reconcile", "--provider", "openai", "--base-url", loopback.base_url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(home, **extra),
    )


def seed(app_paths, rows) -> None:
    async def write() -> None:
        services = build_services(paths=app_paths)
        repository = await services.repository()
        for moment, cost in rows:
            await repository.add_usage(record(moment, cost=cost))
        await services.aclose()

    asyncio.run(write())


def day_start(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def test_each_day_compares_ours_with_the_bill(isolated_environment, app_paths, loopback) -> None:
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=offset) for offset in range(40, -1, -1)]
    seed(
        app_paths,
        [
            (day_start(days[0]) + timedelta(hours=3), "0.000000000123"),
            (day_start(days[1]) + timedelta(hours=1), "1.5"),
            (day_start(days[-1]) + timedelta(minutes=1), "0.25"),
        ],
    )
    loopback.billing.admin_key = ADMIN_KEY
    loopback.billing.daily = {
        int(day_start(days[0]).timestamp()): Decimal("0.000000000123"),
        int(day_start(days[1]).timestamp()): Decimal("1.75"),
        int(day_start(days[2]).timestamp()): Decimal("0.5"),
    }
    done = reconcile(isolated_environment, loopback, "--since", days[0].isoformat())
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert len(lines) == len(days) + 1  # every day, then the total
    first = lines[days[0].isoformat()].split()
    assert first[1:4] == ["$0.000000000123", "$0.000000000123", "$0.00"]
    assert "+$0.25" in lines[days[1].isoformat()] and "another app" in lines[days[1].isoformat()]
    assert "+$0.50" in lines[days[2].isoformat()]
    assert "-$0.25" in lines[days[-1].isoformat()] and "did not bill" in lines[days[-1].isoformat()]
    total = lines["total"].split()
    assert total[1:4] == ["$1.75", "$2.25", "+$0.50"]
    pages = [r for r in loopback.requests if r.path == "/v1/organization/costs"]
    assert len(pages) == 2  # 41 days in pages of 31
    assert all(r.headers["authorization"] == f"Bearer {ADMIN_KEY}" for r in pages)
    assert ADMIN_KEY not in done.stdout + done.stderr


def test_without_an_admin_key_or_with_a_wrong_one(isolated_environment, loopback) -> None:
    missing = reconcile(isolated_environment, loopback, key=None)
    assert missing.returncode == 1 and "No OpenAI admin key" in missing.stderr and "Traceback" not in missing.stderr
    loopback.billing.admin_key = "sk-admin-the-right-one-00000000000"
    wrong = reconcile(isolated_environment, loopback)
    assert wrong.returncode == 1 and "401" in wrong.stderr and ADMIN_KEY not in wrong.stderr
    bad_date = reconcile(isolated_environment, loopback, "--since", "soon")
    assert bad_date.returncode == 2


def test_the_usage_screen_figures_show_the_last_reconciliation(isolated_environment, app_paths, loopback) -> None:
    loopback.billing.daily = {int(day_start(datetime.now(UTC).date()).timestamp()): Decimal("0.5")}
    assert reconcile(isolated_environment, loopback).returncode == 0

    async def figures():
        from tui_chat.services.cost_report import cost_figures

        services = build_services(paths=app_paths)
        try:
            return await cost_figures(services, (None, None))
        finally:
            await services.aclose()

    shown = asyncio.run(figures()).last_reconciliation
    assert shown.startswith("openai, ") and "ours $0.00, billed $0.50 (1 days differ)" in shown


async def test_openrouter_generations_are_looked_up_one_by_one(app_paths, make_services, loopback) -> None:
    from tests.integration.test_chat_session import Recorder
    from tests.loopback import Script
    from tui_chat.services.reconcile import reconcile

    services = make_services(provider="openrouter", model="openai/gpt-4o", base_url=loopback.base_url)

    async def key(name, provider):
        return "sk-or-test-000000000000000000"

    services.registry._key_lookup = key
    services.keys.lookup = key
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="openrouter", model="gpt-4o")
    session = await services.session()
    usage = {"prompt_tokens": 100, "completion_tokens": 10}
    for cost in (0.0012, 0.0034):
        loopback.enqueue(Script(text="billed", usage=usage, cost=cost))
        await session.send(conversation, "hi", Recorder())
    first, second = await repository.usage_rows(conversation.id)
    assert first.usage.response_id.startswith("chatcmpl-") and first.usage.response_id != second.usage.response_id
    loopback.billing.generations = {first.usage.response_id: Decimal("0.0013")}
    today = datetime.now(UTC).date()
    result = await reconcile(services, "openrouter", today, today)
    [line] = result.lines
    assert line.ours == Decimal("0.0046") and line.billed == Decimal("0.0013")
    assert result.unbilled == (second.usage.response_id,)
    lookups = [r for r in loopback.requests if r.path == "/v1/generation"]
    assert len(lookups) == 2 and all(
        r.headers["authorization"] == "Bearer sk-or-test-000000000000000000" for r in lookups
    )
    await services.aclose()
