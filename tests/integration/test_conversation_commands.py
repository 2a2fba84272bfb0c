"""`list`, `search` and `export`: handlers called in-process, the export round trip, and the real CLI."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tui_chat.cli.conversations import run_export, run_list, run_search
from tui_chat.core.models import Message, MessageStatus, Role, Usage, UsageRecord
from tui_chat.paths import AppPaths


async def populate(services) -> tuple[int, int]:
    """Two conversations: one with a real loopback exchange, a priced reply and an alternative."""
    repository = await services.repository()
    session = await services.session()
    first = await repository.create_conversation(provider="demo", model="demo")

    async def ignore(event) -> None:
        return None

    await session.send(first, "Explain the \x1b[2J platypus", ignore)
    priced = await repository.save_reply(
        Message(
            0, first.id, Role.ASSISTANT, "A priced reply about eggs", model="gpt-4o", status=MessageStatus.TRUNCATED
        ),
        UsageRecord(
            provider="openai",
            model="gpt-4o",
            usage=Usage(input_tokens=1234, output_tokens=56, cached_tokens=100),
            cost=Decimal("0.000123456789"),
            price_source="test",
            status="truncated",
            conversation_id=first.id,
            latency_ms=321,
            ttft_ms=45,
        ),
    )
    alternative = await repository.save_reply(
        Message(0, first.id, Role.ASSISTANT, "Second take on eggs", model="gpt-4o"),
        UsageRecord(
            provider="openai",
            model="gpt-4o",
            usage=Usage(10, 20, estimated=True),
            cost=None,
            price_source="unpriced",
            status="complete",
            conversation_id=first.id,
        ),
    )
    await repository.mark_alternative(alternative.id, priced.id)
    await repository.add_usage(
        UsageRecord(
            provider="openai",
            model="gpt-4o",
            usage=Usage(),
            cost=Decimal("0"),
            price_source="test",
            status="failed",
            error_kind="rate_limit",
            attempts=3,
            conversation_id=first.id,
        )
    )
    await repository.update_conversation_settings(first.id, system_prompt="Be kind.", temperature=0.5, max_tokens=99)
    second = await repository.create_conversation(provider="demo", model="demo-fast")
    await repository.add_message(second.id, Role.USER, "Archived question about eggs")
    await repository.set_archived(second.id, True)
    await services.aclose()
    return first.id, second.id


async def test_list_shows_active_or_archived_as_table_and_json(make_services) -> None:
    first, second = await populate(make_services())
    out = io.StringIO()
    assert await run_list(make_services(), argparse.Namespace(archived=False, format="table"), out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "UPDATED", "MODEL", "MSGS", "COST", "TITLE"]
    assert len(lines) == 2 and "Explain the  platypus" in lines[1] and "\x1b" not in out.getvalue()
    out = io.StringIO()
    assert await run_list(make_services(), argparse.Namespace(archived=True, format="json"), out) == 0
    [row] = json.loads(out.getvalue())
    assert row["id"] == second and row["archived"] is True and row["cost_usd"] == "0"


async def test_search_finds_words_as_prefixes_and_exits_1_on_no_match(make_services) -> None:
    first, second = await populate(make_services())
    out = io.StringIO()
    assert await run_search(make_services(), argparse.Namespace(text="egg", format="json", limit=50), out) == 0
    hits = json.loads(out.getvalue())
    assert {hit["conversation_id"] for hit in hits} == {first, second}
    assert all("priced reply" not in hit["excerpt"] for hit in hits)
    out = io.StringIO()
    assert await run_search(make_services(), argparse.Namespace(text='zqx" OR (', format="table", limit=5), out) == 1


async def test_export_json_round_trip_matches_the_database(make_services, app_paths: AppPaths, tmp_path: Path) -> None:
    first, _ = await populate(make_services())
    target = tmp_path / "out.json"
    args = argparse.Namespace(conversation_id=first, format="json", output=target)
    assert await run_export(make_services(), args, io.StringIO()) == 0
    assert target.stat().st_mode & 0o077 == 0
    exported = json.loads(target.read_text())
    with sqlite3.connect(app_paths.database) as connection:
        connection.row_factory = sqlite3.Row
        messages = connection.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (first,)
        ).fetchall()
        usage = connection.execute("SELECT * FROM usage WHERE conversation_id = ? ORDER BY id", (first,)).fetchall()
        conversation = connection.execute("SELECT * FROM conversations WHERE id = ?", (first,)).fetchone()
    assert exported["conversation"]["system_prompt"] == conversation["system_prompt"] == "Be kind."
    assert exported["conversation"]["temperature"] == 0.5 and exported["conversation"]["max_tokens"] == 99
    assert [m["id"] for m in exported["messages"]] == [row["id"] for row in messages]
    exported_usage = {u["id"]: (m["id"], u) for m in exported["messages"] for u in m["usage"]}
    exported_usage |= {u["id"]: (None, u) for u in exported["requests_without_reply"]}
    assert sorted(exported_usage) == [row["id"] for row in usage]
    for row, message in zip(messages, exported["messages"]):
        assert (message["role"], message["content"], message["model"], message["status"], message["hidden"]) == (
            row["role"],
            row["content"],
            row["model"],
            row["status"],
            bool(row["hidden"]),
        )
        assert message["created_at"].endswith("Z")
    for row in usage:
        message_id, figures = exported_usage[row["id"]]
        assert message_id == row["message_id"]
        for column in (
            "input_tokens",
            "cached_tokens",
            "output_tokens",
            "reasoning_tokens",
            "attempts",
            "latency_ms",
            "ttft_ms",
        ):
            assert figures[column] == row[column]
        expected = None if row["cost_pusd"] is None else Decimal(row["cost_pusd"]) * Decimal("1e-12")
        assert (None if figures["cost_usd"] is None else Decimal(figures["cost_usd"])) == expected
    assert Decimal(exported["totals"]["cost_usd"]) == Decimal("0.000123456789")
    assert exported["totals"]["unpriced_requests"] == 1
    assert not any("key" in name for name in _field_names(exported))


def _field_names(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {name for item in value.values() for name in _field_names(item)}
    if isinstance(value, list):
        return {name for item in value for name in _field_names(item)}
    return set()


async def test_export_markdown_to_stdout_and_unknown_id(make_services, capsys) -> None:
    first, _ = await populate(make_services())
    out = io.StringIO()
    assert (
        await run_export(make_services(), argparse.Namespace(conversation_id=first, format="md", output=None), out) == 0
    )
    text = out.getvalue()
    assert text.startswith("# Explain the") and "\x1b" not in text
    assert "## Assistant · gpt-4o" in text and "truncated" in text and "alternative, not shown" in text
    assert "in 1,234 · out 56 tokens · $0.000123456789 · 321 ms" in text and "> Be kind." in text
    assert (
        await run_export(make_services(), argparse.Namespace(conversation_id=999, format="md", output=None), out) == 2
    )
    assert "no conversation with id 999" in capsys.readouterr().err


def _cli_has(command: str) -> bool:
    from tui_chat.cli import build_parser

    try:
        build_parser().parse_args([command, "--help"])
    except SystemExit as exit_:
        return exit_.code == 0
    return False


wired = pytest.mark.skipif(not _cli_has("export"), reason="list/search/export not wired into cli.py yet")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *args], capture_output=True, text=True, timeout=60, env=subprocess_env(home)
    )


@wired
async def test_cli_list_search_export(isolated_environment: Path, make_services, tmp_path: Path) -> None:
    first, _ = await populate(make_services())
    listed = cli(isolated_environment, "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert [row["id"] for row in json.loads(listed.stdout)] == [first]
    found = cli(isolated_environment, "search", "platypus")
    assert found.returncode == 0 and "platypus" in found.stdout
    assert cli(isolated_environment, "search", "zzzznothing").returncode == 1
    target = tmp_path / "c.json"
    exported = cli(isolated_environment, "export", str(first), "--format", "json", "-o", str(target))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(target.read_text())["conversation"]["id"] == first
    markdown = cli(isolated_environment, "export", str(first), "--format", "md")
    assert markdown.stdout.startswith("# Explain the")
    missing = cli(isolated_environment, "export", "999")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
