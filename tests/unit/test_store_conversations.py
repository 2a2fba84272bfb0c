"""Migration 2 and the conversation-management queries: list, search, delete, alternatives, settings."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from tui_chat.core.models import Message, MessageStatus, Role, Usage, UsageRecord
from tui_chat.store.conversation_queries import fts_query
from tui_chat.store.db import Database
from tui_chat.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tui_chat.store.repository import Repository


async def open_repository(path: Path) -> Repository:
    return Repository(await Database.open(path))


@pytest.fixture
async def repository(tmp_path: Path) -> AsyncIterator[Repository]:
    """A fresh, migrated database, closed after the test."""
    opened = await open_repository(tmp_path / "chat.db")
    yield opened
    await opened.database.close()


def usage(cost: str | None, conversation_id: int) -> UsageRecord:
    return UsageRecord(
        provider="openai",
        model="gpt-4o",
        usage=Usage(input_tokens=10, output_tokens=5),
        cost=None if cost is None else Decimal(cost),
        price_source="test",
        status="complete",
        conversation_id=conversation_id,
    )


async def reply(repository: Repository, conversation_id: int, text: str, cost: str | None = "0.001") -> Message:
    message = Message(0, conversation_id, Role.ASSISTANT, text, model="gpt-4o")
    return await repository.save_reply(message, usage(cost, conversation_id))


def build_version_one(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript(MIGRATIONS[0])
        connection.execute(
            "INSERT INTO conversations (id, title, provider, model, created_at, updated_at)"
            " VALUES (1, 'Old chat', 'openai', 'gpt-4o', 1000, 2000)"
        )
        connection.execute(
            "INSERT INTO messages (conversation_id, role, content, model, created_at)"
            " VALUES (1, 'user', 'Tell me about platypuses', 'gpt-4o', 1000)"
        )
        connection.execute(
            "INSERT INTO messages (conversation_id, role, content, model, created_at)"
            " VALUES (1, 'assistant', 'Platypuses lay eggs.', 'gpt-4o', 1500)"
        )
        connection.execute(
            "INSERT INTO usage (conversation_id, message_id, provider, model, input_tokens, output_tokens,"
            " cost_pusd, status, created_at) VALUES (1, 2, 'openai', 'gpt-4o', 12, 4, 1234567, 'complete', 1500)"
        )
        connection.execute("PRAGMA user_version = 1")


async def test_version_one_database_upgrades_with_data_intact_and_search_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    build_version_one(path)
    repository = await open_repository(path)
    assert await repository.database.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    conversation = await repository.get_conversation(1)
    assert conversation.title == "Old chat" and conversation.temperature is None and conversation.max_tokens is None
    messages = await repository.messages(1)
    assert [(m.role, m.content, m.hidden, m.alternative_of) for m in messages] == [
        (Role.USER, "Tell me about platypuses", False, None),
        (Role.ASSISTANT, "Platypuses lay eggs.", False, None),
    ]
    [row] = await repository.usage_rows(1)
    assert row.cost == Decimal("0.000001234567") and row.message_id == 2
    hits = await repository.search("platypus")
    assert sorted(hit.message_id for hit in hits) == [1, 2]
    await repository.database.close()


async def test_search_follows_inserts_edits_and_deletes_and_survives_query_syntax(repository: Repository) -> None:
    conversation = await repository.create_conversation(provider="demo", model="demo")
    prompt = await repository.add_message(conversation.id, Role.USER, "How do I parse JSON in Rust?")
    answer = await reply(
        repository, conversation.id, "Use serde_json:\n\n```rust\nlet v: Value = serde_json::from_str(s)?;\n```"
    )
    [hit] = await repository.search("serde")
    assert hit.message_id == answer.id and hit.conversation_id == conversation.id
    assert hit.conversation_title == "How do I parse JSON in Rust?"
    start, end = hit.highlights[0]
    assert hit.excerpt[start:end].lower().startswith("serde") and "\n" not in hit.excerpt
    for hostile in ('"', "AND", "NEAR(", "a OR", "col:umn", "*", "-x", "(", "'"):
        await repository.search(hostile)
    assert await repository.search("   ") == []
    async with repository.database.transaction() as tx:  # an edit in place: the search index must follow
        await tx.execute("UPDATE messages SET content = ? WHERE id = ?", ("How do I parse YAML in Rust?", prompt.id))
    assert [h.message_id for h in await repository.search("yaml")] == [prompt.id]
    assert all(h.message_id != prompt.id for h in await repository.search("json"))
    await repository.delete_message(answer.id)
    assert await repository.search("serde") == []


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('say "hi" OR') == '"say"* """hi"""* "OR"*'
    assert fts_query(' ( " * ') == ""


async def test_summaries_list_newest_first_with_costs_and_archive_filters(repository: Repository) -> None:
    first = await repository.create_conversation(provider="openai", model="gpt-4o")
    await repository.add_message(first.id, Role.USER, "first")
    await reply(repository, first.id, "one", "0.001")
    await reply(repository, first.id, "two", "0.0000005")
    await reply(repository, first.id, "three", None)
    second = await repository.create_conversation(provider="demo", model="demo-fast")
    await repository.add_message(second.id, Role.USER, "second")
    summaries = await repository.conversation_summaries()
    assert [s.conversation.id for s in summaries] == [second.id, first.id]
    assert summaries[1].cost == Decimal("0.0010005") and summaries[1].unpriced_requests == 1
    assert summaries[1].message_count == 4 and summaries[0].cost == Decimal("0")
    await repository.set_archived(first.id, True)
    assert [s.conversation.id for s in await repository.conversation_summaries()] == [second.id]
    assert [s.conversation.id for s in await repository.conversation_summaries(archived=True)] == [first.id]
    assert len(await repository.conversation_summaries(archived=None)) == 2
    await repository.set_archived(first.id, False)
    assert len(await repository.conversation_summaries()) == 2


async def test_delete_conversation_removes_messages_and_keeps_usage_unlinked(repository: Repository) -> None:
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    await repository.add_message(conversation.id, Role.USER, "gone soon")
    await reply(repository, conversation.id, "bye", "0.25")
    assert await repository.delete_conversation(conversation.id)
    assert await repository.get_conversation(conversation.id) is None
    assert await repository.messages(conversation.id, include_hidden=True) == []
    [row] = await repository.usage_rows()
    assert row.conversation_id is None and row.message_id is None and row.cost == Decimal("0.25")
    assert (await repository.spend()).cost == Decimal("0.25")
    assert await repository.search("gone") == []
    assert not await repository.delete_conversation(conversation.id)


async def test_regenerate_alternatives_flip_and_delete(repository: Repository) -> None:
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    await repository.add_message(conversation.id, Role.USER, "pick a colour")
    original = await reply(repository, conversation.id, "red")
    second = await reply(repository, conversation.id, "blue")
    await repository.mark_alternative(second.id, original.id)
    third = await reply(repository, conversation.id, "green")
    await repository.mark_alternative(third.id, second.id)
    shown = await repository.messages(conversation.id)
    assert [m.content for m in shown] == ["pick a colour", "green"]
    group = await repository.alternatives(second.id)
    assert [(m.content, m.hidden) for m in group] == [("red", True), ("blue", True), ("green", False)]
    await repository.show_alternative(original.id)
    assert [m.content for m in await repository.messages(conversation.id)] == ["pick a colour", "red"]
    assert [h.message_id for h in await repository.search("green")] == []
    await repository.delete_message(original.id)
    assert [m.content for m in await repository.messages(conversation.id)] == ["pick a colour", "green"]
    assert [(m.content, m.alternative_of) for m in await repository.alternatives(third.id)] == [
        ("blue", None),
        ("green", second.id),
    ]
    assert len(await repository.usage_rows(conversation.id)) == 3


async def test_settings_model_switch_recent_models_and_prompts(repository: Repository) -> None:
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    await repository.add_message(conversation.id, Role.USER, "hello", model="gpt-4o")
    await repository.update_conversation_settings(
        conversation.id, system_prompt="Be brief.", temperature=0.3, max_tokens=256
    )
    await repository.set_conversation_model(conversation.id, "openai", "gpt-4o-mini")
    await repository.add_message(conversation.id, Role.USER, "again", model="gpt-4o-mini")
    await repository.add_message(conversation.id, Role.USER, "hello", model="gpt-4o-mini")
    stored = await repository.get_conversation(conversation.id)
    assert (stored.system_prompt, stored.temperature, stored.max_tokens, stored.model) == (
        "Be brief.",
        0.3,
        256,
        "gpt-4o-mini",
    )
    assert await repository.recent_models("openai") == ["gpt-4o-mini", "gpt-4o"]
    assert await repository.recent_models("groq") == []
    assert await repository.recent_prompts() == ["hello", "again"]
    export = await repository.export_data(conversation.id)
    assert len(export.messages) == 3 and export.conversation.max_tokens == 256
    assert await repository.export_data(999) is None
    after = await repository.messages_after(conversation.id, export.messages[0].id)
    assert [m.content for m in after] == ["again", "hello"]
    assert (await repository.get_message(export.messages[0].id)).status is MessageStatus.COMPLETE
