"""The cost queries read pre-summed tables where they can: their sums equal a scan of `usage` for any range."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from tests.unit.test_usage_rollup import DAY_MS, INSERT_USAGE, START_MS, usage_values
from tui_chat.store.cost_queries import CostQueries
from tui_chat.store.rows import from_picodollars


async def direct(connection, where: str, params: list[object]) -> dict:
    sql = (
        "SELECT provider, model, COUNT(*), COALESCE(SUM(cost_pusd), 0), SUM(cost_pusd IS NULL), SUM(input_tokens),"
        f" SUM(cached_tokens), SUM(output_tokens), SUM(reasoning_tokens) FROM usage{where} GROUP BY provider, model"
    )
    async with connection.execute(sql, params) as cursor:
        return {
            (row[0], row[1]): (row[2], from_picodollars(row[3]) or Decimal(0), *row[4:])
            for row in await cursor.fetchall()
        }


def as_dict(groups) -> dict:
    return {
        (g.provider, g.model): (
            g.requests,
            g.cost,
            g.unpriced,
            g.input_tokens,
            g.cached_tokens,
            g.output_tokens,
            g.reasoning_tokens,
        )
        for g in groups
    }


@pytest.mark.parametrize("seed", range(3))
async def test_model_groups_equal_a_scan_of_usage_for_any_range(stats, seed: int) -> None:
    rng = random.Random(seed)
    connection = stats.database.connection
    await connection.executemany(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (?, '', 'p', 'm', 0, 0)",
        [(number,) for number in range(1, 6)],
    )
    await connection.executemany(INSERT_USAGE, [usage_values(rng, 5, span_ms=60 * DAY_MS) for _ in range(2_000)])
    queries = CostQueries(stats.database)
    assert as_dict(await queries.model_groups()) == await direct(connection, "", [])
    for _ in range(8):
        start = START_MS + rng.randrange(60 * DAY_MS)
        end = start + rng.randrange(1, 20 * DAY_MS)
        where, params = " WHERE created_at >= ? AND created_at < ?", [start, end]
        assert as_dict(await queries.model_groups(start, end)) == await direct(connection, where, params)
        assert as_dict(await queries.model_groups(start, None, model="gpt-4o")) == await direct(
            connection, " WHERE created_at >= ? AND model = ?", [start, "gpt-4o"]
        )
        assert as_dict(await queries.model_groups(None, end, conversation_id=2)) == await direct(
            connection, " WHERE created_at < ? AND conversation_id = ?", [end, 2]
        )
    assert await queries.model_groups(START_MS, START_MS) == []


async def test_a_conversation_budget_round_trips_to_the_picodollar(stats) -> None:
    connection = stats.database.connection
    await connection.execute(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (1, '', 'p', 'm', 0, 0)"
    )
    queries = CostQueries(stats.database)
    assert await queries.conversation_budget(1) is None and await queries.conversation_budget(99) is None
    await queries.set_conversation_budget(1, Decimal("0.000001"))
    assert await queries.conversation_budget(1) == Decimal("0.000001")
    await queries.set_conversation_budget(1, None)
    assert await queries.conversation_budget(1) is None
