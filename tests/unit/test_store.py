"""The SQLite store: migrations, atomic writes, exact money, and files it refuses to touch."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from tui_chat.core.errors import StoreError
from tui_chat.core.models import Message, MessageStatus, Role, Usage, UsageRecord
from tui_chat.store.db import Database, NewerSchemaError
from tui_chat.store.migrations import SCHEMA_VERSION
from tui_chat.store.repository import Repository, from_picodollars, to_picodollars


async def open_repository(path: Path) -> Repository:
    return Repository(await Database.open(path))


def record(cost: str | None, **fields) -> UsageRecord:
    return UsageRecord(
        provider="openai",
        model="gpt-4o",
        usage=Usage(input_tokens=10, output_tokens=5),
        cost=None if cost is None else Decimal(cost),
        price_source="test",
        status="complete",
        **fields,
    )


async def test_new_database_is_migrated_private_and_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "data" / "chat.db"
    repository = await open_repository(path)
    assert await repository.database.schema_version() == SCHEMA_VERSION
    async with repository.database.connection.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    async with repository.database.connection.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1
    await repository.database.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_newer_schema_is_refused_and_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(NewerSchemaError) as caught:
        await Database.open(path)
    assert str(path) in caught.value.message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


async def test_corrupt_file_gives_a_message_with_the_path_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        await Database.open(path)
    assert str(path) in caught.value.message
    assert "Move the file aside" in caught.value.message
    assert path.read_bytes() == before


async def test_first_prompt_becomes_the_title_and_messages_page_from_the_newest(tmp_path: Path) -> None:
    repository = await open_repository(tmp_path / "chat.db")
    conversation = await repository.create_conversation(provider="demo", model="demo")
    for number in range(5):
        await repository.add_message(conversation.id, Role.USER, f"prompt {number}\nsecond line")
    stored = await repository.get_conversation(conversation.id)
    assert stored.title == "prompt 0 second line"
    newest = await repository.messages(conversation.id, limit=2)
    assert [message.content.split()[1] for message in newest] == ["3", "4"]
    older = await repository.messages(conversation.id, limit=2, before_id=newest[0].id)
    assert [message.content.split()[1] for message in older] == ["1", "2"]
    await repository.database.close()


async def test_reply_and_usage_are_written_together_or_not_at_all(tmp_path: Path) -> None:
    repository = await open_repository(tmp_path / "chat.db")
    conversation = await repository.create_conversation(provider="demo", model="demo")
    reply = Message(0, conversation.id, Role.ASSISTANT, "half a reply", model="demo", status=MessageStatus.PARTIAL)
    broken = record("0.01", conversation_id=conversation.id)
    broken.status = None  # violates NOT NULL, so the usage insert fails inside the transaction
    with pytest.raises(sqlite3.IntegrityError):
        await repository.save_reply(reply, broken)
    assert await repository.messages(conversation.id) == []
    assert await repository.usage_rows() == []

    saved = await repository.save_reply(
        Message(0, conversation.id, Role.ASSISTANT, "whole reply", model="demo"),
        record("0.01", conversation_id=conversation.id),
    )
    rows = await repository.usage_rows(conversation.id)
    assert [row.message_id for row in rows] == [saved.id]
    assert (await repository.messages(conversation.id))[0].content == "whole reply"
    await repository.database.close()


@pytest.mark.parametrize("amount", ["0", "0.000000000001", "0.0000025", "12.345678901234", "99999.5"])
def test_picodollars_round_trip_exactly(amount: str) -> None:
    assert from_picodollars(to_picodollars(Decimal(amount))) == Decimal(amount)


async def test_spend_sums_exactly_and_counts_unpriced_rows(tmp_path: Path) -> None:
    repository = await open_repository(tmp_path / "chat.db")
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    amounts = ["0.000001", "0.1", "0.2", "0.000000000003"]
    for amount in amounts:
        await repository.add_usage(record(amount, conversation_id=conversation.id))
    await repository.add_usage(record(None, conversation_id=conversation.id))
    totals = await repository.spend(conversation_id=conversation.id)
    assert totals.cost == sum(Decimal(amount) for amount in amounts)
    assert totals.requests == 5
    assert totals.unpriced_requests == 1
    assert (await repository.spend(conversation_id=conversation.id + 1)).requests == 0
    await repository.database.close()
