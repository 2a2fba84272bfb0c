"""`tui-chat usage --by model` counts reasoning tokens and the share of spend that went to thinking."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from tests.integration.test_usage_cli import usage
from tests.usage_helpers import record
from tui_chat.core.models import Usage
from tui_chat.services.bootstrap import build_services


def seed_reasoning(app_paths) -> None:
    """gpt-4o at $2.50 in and $10 out per million: 1,000 in and 1,000 out (400 of them thinking) cost $0.0125."""

    async def write() -> None:
        services = build_services(paths=app_paths)
        repository = await services.repository()
        moment = datetime.now(UTC) - timedelta(hours=1)
        thinking = record(moment, cost="0.0125", input_tokens=1000, output_tokens=1000)
        thinking.usage = Usage(1000, 1000, 0, 400, False)
        await repository.add_usage(thinking)
        await repository.add_usage(record(moment, model="plain-model", cost="0.5"))
        await repository.add_usage(record(moment, model="unknown-thinker", cost=None))
        unknown = record(moment, model="unknown-thinker", cost=None)
        unknown.usage = Usage(10, 50, 0, 30, False)
        await repository.add_usage(unknown)
        await services.aclose()

    asyncio.run(write())


def test_json_by_model_has_reasoning_tokens_and_thinking_share(app_paths) -> None:
    seed_reasoning(app_paths)
    status, text = usage(app_paths, by="model", format="json")
    assert status == 0
    rows = {row["model"]: row for row in json.loads(text)["rows"]}
    assert rows["gpt-4o"]["reasoning_tokens"] == 400
    assert rows["gpt-4o"]["thinking_share"] == "0.3200"  # $0.004 of $0.0125
    assert rows["plain-model"]["reasoning_tokens"] == 0 and rows["plain-model"]["thinking_share"] == "0"
    assert rows["unknown-thinker"]["reasoning_tokens"] == 30 and rows["unknown-thinker"]["thinking_share"] is None


def test_table_and_csv_by_model_show_the_share(app_paths) -> None:
    seed_reasoning(app_paths)
    status, text = usage(app_paths, by="model")
    assert status == 0 and "400" in text and "32.0%" in text  # the share as a percentage
    status, text = usage(app_paths, by="model", format="csv")
    assert text.splitlines()[0].endswith(",reasoning_tokens,thinking_share")
    status, text = usage(app_paths, by="day", format="csv")
    assert "reasoning" not in text.splitlines()[0]
