"""`tui-chat usage` prints the same numbers as the screen, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from datetime import UTC, datetime, timedelta

from tests.usage_helpers import record
from tui_chat.cli.usage import run_usage
from tui_chat.services.bootstrap import build_services


def seed(app_paths) -> None:
    async def write() -> None:
        services = build_services(paths=app_paths)
        repository = await services.repository()
        moment = datetime.now(UTC) - timedelta(hours=1)
        await repository.add_usage(record(moment, cost="0.001234"))
        await repository.add_usage(record(moment, model="mystery", cost=None, estimated=True))
        await services.aclose()

    asyncio.run(write())


def usage(app_paths, **options) -> tuple[int, str]:
    args = argparse.Namespace(since=None, until=None, by="day", format="table")
    vars(args).update(options)
    out = io.StringIO()
    return run_usage(build_services(paths=app_paths), args, out=out), out.getvalue()


def test_json_by_model_has_exact_money(app_paths) -> None:
    seed(app_paths)
    status, text = usage(app_paths, by="model", format="json")
    document = json.loads(text)
    assert status == 0
    assert document["totals"]["cost_usd"] == "0.001234"
    assert document["totals"]["unpriced_requests"] == 1
    assert {row["model"]: row["cost_usd"] for row in document["rows"]} == {"gpt-4o": "0.001234", "mystery": "0"}


def test_csv_and_table(app_paths) -> None:
    seed(app_paths)
    status, text = usage(app_paths, format="csv")
    assert status == 0 and text.splitlines()[0].startswith("day,cost_usd,requests")
    status, text = usage(app_paths, by="provider")
    assert status == 0 and "openai" in text and "≈" in text


def test_a_bad_date_is_a_usage_error(app_paths, capsys) -> None:
    status, _ = usage(app_paths, since="yesterday")
    assert status == 2 and "not a date" in capsys.readouterr().err


def test_an_empty_database(app_paths) -> None:
    status, text = usage(app_paths, format="json")
    assert status == 0 and json.loads(text)["rows"] == []
