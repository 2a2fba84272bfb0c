"""`tui-chat usage --forecast` and `--as-model` over stored usage rows, money checked to the picodollar."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import genai_prices

from tests.integration.test_cli import run
from tests.usage_helpers import record
from tui_chat.cli.usage import run_usage
from tui_chat.services.bootstrap import build_services

ROWS = (
    dict(input_tokens=1234, cached_tokens=1024, output_tokens=567, cost="0.004321"),
    dict(input_tokens=250_000, cached_tokens=0, output_tokens=3000, cost="0.1"),
    dict(input_tokens=80, cached_tokens=0, output_tokens=20, cost=None, model="mystery"),
)


def seed(app_paths, rows=ROWS, at: datetime | None = None) -> None:
    async def write() -> None:
        services = build_services(paths=app_paths)
        repository = await services.repository()
        moment = at or datetime.now(UTC) - timedelta(minutes=5)
        for row in rows:
            await repository.add_usage(record(moment, **row))
        await services.aclose()

    asyncio.run(write())


def cost(app_paths, **options) -> tuple[int, dict]:
    args = argparse.Namespace(
        since=None, until=None, by="day", format="json", forecast=False, as_model=None, provider=None
    )
    args.conversation = args.of_model = None
    vars(args).update(options)
    out = io.StringIO()
    status = run_usage(build_services(paths=app_paths), args, out=out)
    return status, json.loads(out.getvalue()) if status == 0 else {}


def genai(model: str, provider: str, row: dict) -> Decimal:
    usage = genai_prices.Usage(
        input_tokens=row["input_tokens"], cache_read_tokens=row["cached_tokens"], output_tokens=row["output_tokens"]
    )
    return genai_prices.calc_price(usage, model, provider_id=provider).total_price


def test_as_model_reprices_every_row_at_the_other_models_prices(app_paths) -> None:
    seed(app_paths)
    status, document = cost(app_paths, as_model="gemini-2.5-pro", provider="openai")
    assert status == 2  # openai does not sell gemini: no price, said plainly
    status, document = cost(app_paths, as_model="gemini-2.5-pro")
    assert status == 0
    what_if = document["what_if"]
    expected = sum(genai("gemini-2.5-pro", "google", row) for row in ROWS)
    assert Decimal(what_if["repriced_usd"]) == expected
    assert Decimal(what_if["recorded_usd"]) == Decimal("0.104321")
    assert what_if["requests"] == 3
    assert what_if["unpriced_requests_by_model"] == {"mystery": 1}


def test_as_model_for_one_model_and_at_a_providers_price(app_paths) -> None:
    seed(app_paths)
    status, document = cost(app_paths, as_model="gpt-4o-mini", provider="openai", of_model="gpt-4o")
    assert status == 0
    expected = sum(genai("gpt-4o-mini", "openai", row) for row in ROWS[:2])
    assert Decimal(document["what_if"]["repriced_usd"]) == expected
    assert document["what_if"]["unpriced_requests_by_model"] == {}


def test_forecast_reports_the_month_and_the_cache(app_paths, isolated_environment) -> None:
    config = app_paths.config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[budget]\nmonthly = 0.05\n")
    seed(app_paths)
    status, document = cost(app_paths, forecast=True)
    assert status == 0
    figures = document["forecast"]
    assert Decimal(figures["burn_per_day_usd"]) == Decimal("0.104321") / 7
    assert Decimal(figures["month_to_date_usd"]) == Decimal("0.104321")
    assert figures["budget_runs_out_on"] == datetime.now().astimezone().date().isoformat()
    saved = Decimal(1024) * (Decimal("2.5") - Decimal("1.25")) / 1_000_000
    assert Decimal(figures["cache_saved_usd"]) == saved
    assert figures["cache_share"] == round(1024 / (1234 + 250_000 + 80), 6)


def test_the_command_prints_words_and_fails_clearly(isolated_environment, app_paths) -> None:
    seed(app_paths)
    done = run(isolated_environment, "usage", "--forecast", "--as-model", "gpt-4o")
    assert done.returncode == 0, done.stderr
    assert "projected at month end" in done.stdout and "on gpt-4o" in done.stdout
    assert "mystery (1)" in done.stdout
    csv = run(isolated_environment, "usage", "--forecast", "--format", "csv")
    assert csv.returncode == 2 and "not CSV" in csv.stderr
    unknown = run(isolated_environment, "usage", "--as-model", "no-such-model\x1b]0;x\x07")
    assert unknown.returncode == 2 and "No price is known" in unknown.stderr
    assert "\x1b" not in unknown.stderr and "Traceback" not in unknown.stderr
