"""Every earlier schema version, as a user's file would hold it, upgrades to the current one with its data intact."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from tui_chat.store.db import Database
from tui_chat.store.migrations import SCHEMA_VERSION
from tui_chat.store.repository import Repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EARLIER_VERSIONS = list(range(1, SCHEMA_VERSION))
TABLES = ("conversations", "messages", "usage")
ROLLUP_SUMS = {
    "requests": "COUNT(*)",
    "cost_pusd": "SUM(COALESCE(cost_pusd, 0))",
    "unpriced": "SUM(cost_pusd IS NULL)",
    "input_tokens": "SUM(input_tokens)",
    "cached_tokens": "SUM(cached_tokens)",
    "output_tokens": "SUM(output_tokens)",
    "reasoning_tokens": "SUM(reasoning_tokens)",
    "estimated": "SUM(estimated)",
    "succeeded": "SUM(status = 'complete')",
    "retries": "SUM(attempts - 1)",
    "latency_count": "SUM(latency_ms IS NOT NULL)",
    "ttft_count": "SUM(ttft_ms IS NOT NULL)",
}
ROLLUP_BUCKETS = {"usage_rollup": 900_000, "usage_rollup_hour": 3_600_000, "usage_rollup_day": 86_400_000}


def fixture_for(version: int) -> Path:
    path = FIXTURES / f"schema_v{version}.sql"
    assert path.exists(), (
        f"No fixture for schema version {version}. A new migration needs one for the version before it: "
        f"run `.venv/bin/python tests/fixtures/make_schema_fixture.py {version}` before adding the migration."
    )
    return path


def rows_by_id(connection: sqlite3.Connection, table: str) -> dict[int, dict[str, object]]:
    connection.row_factory = sqlite3.Row
    return {row["id"]: dict(row) for row in connection.execute(f"SELECT * FROM {table}")}


def test_every_earlier_schema_version_has_a_fixture() -> None:
    for version in EARLIER_VERSIONS:
        fixture_for(version)


@pytest.mark.parametrize("version", EARLIER_VERSIONS)
async def test_fixture_upgrades_with_every_row_intact(version: int, tmp_path: Path) -> None:
    path = tmp_path / f"schema_v{version}.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(fixture_for(version).read_text(encoding="utf-8"))
        assert connection.execute("PRAGMA user_version").fetchone()[0] == version
        before = {table: rows_by_id(connection, table) for table in TABLES}
    assert all(before.values()), "the fixture should hold rows in every table"

    database = await Database.open(path)
    assert await database.schema_version() == SCHEMA_VERSION
    with closing(sqlite3.connect(path)) as connection:
        after = {table: rows_by_id(connection, table) for table in TABLES}
    for table in TABLES:
        assert after[table].keys() == before[table].keys(), table
        for row_id, old in before[table].items():
            assert {column: after[table][row_id][column] for column in old} == old, (table, row_id)

    repository = Repository(database)
    records = {record.id: record for record in await repository.usage_rows()}
    for row_id, old in before["usage"].items():
        expected = None if old["cost_pusd"] is None else Decimal(old["cost_pusd"]) * Decimal("1e-12")
        assert records[row_id].cost == expected
    priced = [old["cost_pusd"] for old in before["usage"].values() if old["cost_pusd"] is not None]
    totals = await repository.spend()
    assert totals.cost == Decimal(sum(priced)) * Decimal("1e-12")
    assert totals.unpriced_requests == len(before["usage"]) - len(priced)

    shown = {m.id for conversation in before["conversations"] for m in await repository.messages(conversation)}
    for word, message_id in (("zebras", 1), ("speed", 3), ("world", 8), ("zuruck", 9)):
        hits = [hit.message_id for hit in await repository.search(word)]
        assert message_id in hits and set(hits) <= shown, word

    await assert_rollups_match_usage(database)
    await database.close()


async def assert_rollups_match_usage(database: Database) -> None:
    """Each pre-summed table equals a GROUP BY over the usage rows."""
    async with database.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = {row[0] for row in await cursor.fetchall()}
    for table, width in ROLLUP_BUCKETS.items():
        if table not in tables:
            continue
        async with database.connection.execute(f"PRAGMA table_info({table})") as cursor:
            present = [row[1] for row in await cursor.fetchall() if row[1] in ROLLUP_SUMS]
        sums = ", ".join(ROLLUP_SUMS[column] for column in present)
        bucket = f"created_at - ((created_at % {width}) + {width}) % {width}"
        async with database.connection.execute(
            f"SELECT {bucket}, model, provider, {sums} FROM usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ) as cursor:
            expected = [tuple(row) for row in await cursor.fetchall()]
        async with database.connection.execute(
            f"SELECT bucket_ms, model, provider, {', '.join(present)} FROM {table} ORDER BY 1, 2, 3"
        ) as cursor:
            stored = [tuple(row) for row in await cursor.fetchall()]
        assert stored == expected and stored, table
