"""Shared by the usage tests: a process time-zone fixture and a way to store usage rows."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

import pytest

from tui_chat.core.models import Usage, UsageRecord


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch):
    """Set the process time zone (TZ plus time.tzset) for one test, restoring it afterwards."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def record(
    at: datetime,
    *,
    model: str = "gpt-4o",
    provider: str = "openai",
    cost: str | None = "0.001",
    status: str = "complete",
    input_tokens: int = 100,
    cached_tokens: int = 0,
    output_tokens: int = 10,
    estimated: bool = False,
    latency_ms: int | None = 1000,
    ttft_ms: int | None = 200,
    attempts: int = 1,
    conversation_id: int | None = None,
) -> UsageRecord:
    """A usage row at a moment, with plain defaults."""
    return UsageRecord(
        provider=provider,
        model=model,
        usage=Usage(input_tokens, output_tokens, cached_tokens, 0, estimated),
        cost=None if cost is None else Decimal(cost),
        price_source="test",
        status=status,
        latency_ms=latency_ms,
        ttft_ms=ttft_ms,
        attempts=attempts,
        conversation_id=conversation_id,
        created_at=at,
    )


async def direct(stats, sql: str, params: list[object]) -> list[tuple]:
    """Rows of a query run straight on the stats' connection, as tuples: the reference answer."""
    async with stats.database.connection.execute(sql, params) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]
