"""Comparing models against several loopback servers at once: figures per pane, one failing, storage and the pick."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.loopback import Script
from tui_chat.core.models import MessageStatus
from tui_chat.paths import AppPaths
from tui_chat.services.compare import BadContenders, CompareService, Contender
from tui_chat.services.events import TextDelta

FAST_USAGE = {"prompt_tokens": 111, "completion_tokens": 22}
SLOW_USAGE = {"prompt_tokens": 333, "completion_tokens": 44}


def three_servers(demo_server_factory, app_paths: AppPaths, extra: str = ""):
    """A fast, a slow and a failing server, each its own provider, with prices for the first two."""
    fast = demo_server_factory(tokens_per_second={"fast-model": None})
    slow = demo_server_factory(tokens_per_second={"slow-model": 200.0})
    broken = demo_server_factory(tokens_per_second={"broken-model": None})
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        "".join(
            f'[providers.{name}]\nbase_url = "{server.base_url}"\nneeds_key = false\ndefault_model = "{name}-model"\n'
            for name, server in (("fast", fast), ("slow", slow), ("broken", broken))
        )
        + '[prices."fast-model"]\ninput = "1"\noutput = "2"\n[prices."slow-model"]\ninput = "3"\noutput = "4"\n'
        + extra
    )
    return fast, slow, broken


CONTENDERS = [Contender("fast", "fast-model"), Contender("slow", "slow-model"), Contender("broken", "broken-model")]


def stored(app_paths: AppPaths, query: str) -> list[tuple]:
    with sqlite3.connect(app_paths.database) as connection:
        return connection.execute(query).fetchall()


async def test_each_pane_shows_what_its_server_sent_and_all_replies_are_stored(
    demo_server_factory, make_services, app_paths
) -> None:
    fast, slow, broken = three_servers(demo_server_factory, app_paths)
    fast.enqueue(Script(text="fast answer " * 5, usage=FAST_USAGE))
    slow.enqueue(Script(text="slow answer " * 20, usage=SLOW_USAGE, first_byte_delay=0.3))
    broken.enqueue(Script(status=400, body={"error": {"message": "bad model config", "type": "invalid_request_error"}}))
    services = make_services(provider="fast", model="fast-model")
    conversations = await services.conversations()
    conversation = await conversations.create(provider="fast", model="fast-model")
    service = CompareService(await services.session())
    seen: dict[int, list[str]] = {0: [], 1: [], 2: []}

    async def emit(index: int, event) -> None:
        if isinstance(event, TextDelta):
            seen[index].append(event.text)

    comparison = await service.start(conversation, "Which is best?", CONTENDERS)
    await service.run(comparison, emit)
    fast_pane, slow_pane, broken_pane = comparison.panes

    assert fast_pane.text == "fast answer " * 5 == "".join(seen[0])
    assert (fast_pane.usage.input_tokens, fast_pane.usage.output_tokens) == (111, 22)
    assert fast_pane.cost == Decimal(111 * 1 + 22 * 2) / 1_000_000
    assert slow_pane.text == "slow answer " * 20 == "".join(seen[1])
    assert (slow_pane.usage.input_tokens, slow_pane.usage.output_tokens) == (333, 44)
    assert slow_pane.cost == Decimal(333 * 3 + 44 * 4) / 1_000_000
    assert slow_pane.ttft_ms is not None and slow_pane.ttft_ms >= 300
    assert slow_pane.tokens_per_second is not None and fast_pane.status is MessageStatus.COMPLETE
    assert broken_pane.status is MessageStatus.FAILED and "bad model config" in str(broken_pane.error.detail)
    assert seen[2] == []
    for server in (fast, slow, broken):
        [request] = [r for r in server.requests if r.path.endswith("/chat/completions")]
        assert request.json["messages"][-1] == {"role": "user", "content": "Which is best?"}

    prompts = stored(app_paths, "SELECT id FROM messages WHERE role = 'user'")
    assert prompts == [(comparison.prompt.id,)]
    replies = stored(
        app_paths, "SELECT id, model, alternative_of, hidden, status FROM messages WHERE role = 'assistant' ORDER BY id"
    )
    by_model = {row[1]: row for row in replies}
    root = fast_pane.reply.id
    assert by_model["fast-model"][2:4] == (None, 0)
    assert by_model["slow-model"][2:4] == (root, 1) and by_model["broken-model"][2:5] == (root, 1, "failed")
    usage = stored(app_paths, "SELECT model, comparison_id, input_tokens, output_tokens FROM usage ORDER BY model")
    assert usage == [
        ("broken-model", comparison.id, usage[0][2], 0),
        ("fast-model", comparison.id, 111, 22),
        ("slow-model", comparison.id, 333, 44),
    ]

    updated = await service.pick(comparison, 1)
    assert (updated.provider, updated.model) == ("slow", "slow-model")
    shown = await conversations.messages(conversation.id)
    assert [m.content for m in shown] == ["Which is best?", "slow answer " * 20]
    assert stored(app_paths, "SELECT picked_message_id, picked_model FROM comparisons") == [
        (slow_pane.reply.id, "slow-model")
    ]
    counts = {(c.model, c.compared, c.picked) for c in await service.picked_counts()}
    assert counts == {("slow-model", 1, 1), ("fast-model", 1, 0), ("broken-model", 1, 0)}
    alternatives = await conversations.show_alternative(slow_pane.reply.id, 1)
    assert alternatives is not None and alternatives.count == 3
    await services.aclose()


async def test_cancel_keeps_what_arrived_in_every_pane(demo_server_factory, make_services, app_paths) -> None:
    fast, slow, _ = three_servers(demo_server_factory, app_paths)
    fast.enqueue(Script(text="quick and done"))
    slow.enqueue(Script(text="word " * 400, stall_after=3, stall_seconds=30))
    services = make_services(provider="fast", model="fast-model")
    conversations = await services.conversations()
    conversation = await conversations.create(provider="fast", model="fast-model")
    service = CompareService(await services.session())
    comparison = await service.start(conversation, "go", CONTENDERS[:2])
    slow_started = asyncio.Event()

    async def emit(index: int, event) -> None:
        if index == 1 and isinstance(event, TextDelta):
            slow_started.set()

    running = asyncio.create_task(service.run(comparison, emit))
    await asyncio.wait_for(slow_started.wait(), 10)
    while comparison.panes[0].outcome is None:
        await asyncio.sleep(0.01)
    while stored(app_paths, "SELECT COUNT(*) FROM messages WHERE status = 'streaming' AND hidden = 1") != [(1,)]:
        await asyncio.sleep(0.01)  # the reply still streaming is filed in the group at once, hidden
    shown, hidden = stored(
        app_paths, "SELECT id, alternative_of FROM messages WHERE role = 'assistant' ORDER BY hidden"
    )
    assert shown[1] is None and hidden[1] == shown[0]
    comparison.cancel()
    await running
    done, cut = comparison.panes
    assert done.status is MessageStatus.COMPLETE and done.text == "quick and done"
    assert cut.status is MessageStatus.CANCELLED and cut.text.startswith("word ")
    rows = stored(
        app_paths,
        "SELECT m.status, m.content, u.comparison_id FROM messages m JOIN usage u ON u.message_id = m.id ORDER BY m.id",
    )
    assert sorted(row[0] for row in rows) == ["cancelled", "complete"]
    assert {row[2] for row in rows} == {comparison.id}
    assert any(row[1] == cut.text for row in rows)
    await services.aclose()


def test_contenders_are_checked() -> None:
    assert Contender.parse("openrouter/anthropic/claude-3") == Contender("openrouter", "anthropic/claude-3")
    for bad in ("nomodel", "/x", "p/"):
        with pytest.raises(BadContenders):
            Contender.parse(bad)


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *args], capture_output=True, text=True, timeout=60, env=subprocess_env(home)
    )


def test_cli_compare_prints_each_reply_and_figures(demo_server_factory, app_paths, isolated_environment) -> None:
    fast, slow, broken = three_servers(demo_server_factory, app_paths)
    fast.enqueue(Script(text="from fast", usage=FAST_USAGE))
    slow.enqueue(Script(text="from slow", usage=SLOW_USAGE))
    broken.enqueue(Script(status=400))
    models = ("-m", "fast/fast-model", "-m", "slow/slow-model", "-m", "broken/broken-model")
    result = run_cli(isolated_environment, "compare", "hello", *models, "--format", "json")
    assert result.returncode == 1 and "broken/broken-model: " in result.stderr
    data = json.loads(result.stdout)
    fast_reply, slow_reply, broken_reply = data["replies"]
    assert (fast_reply["text"], fast_reply["input_tokens"], fast_reply["output_tokens"]) == ("from fast", 111, 22)
    assert slow_reply["cost_usd"] == str(Decimal(333 * 3 + 44 * 4) / 1_000_000)
    assert broken_reply["status"] == "failed" and broken_reply["message_id"] is not None

    fast.enqueue(Script(text="again fast"))
    slow.enqueue(Script(text="again \x1b[2Jslow"))
    table = run_cli(isolated_environment, "compare", "hello", "-m", "fast/fast-model", "-m", "slow/slow-model")
    assert table.returncode == 0, table.stderr
    assert "again fast" in table.stdout and "tok/s" in table.stdout and "\x1b" not in table.stdout
    bad = run_cli(isolated_environment, "compare", "hello", "-m", "fast/fast-model")
    assert bad.returncode == 2 and "Pick 2 to 4 models" in bad.stderr and "Traceback" not in bad.stderr


async def test_a_rate_limit_in_one_pane_is_retried_there_alone(demo_server_factory, make_services, app_paths) -> None:
    fast, slow, _ = three_servers(demo_server_factory, app_paths, "[retry]\nbase_delay = 0.1\nmax_delay = 0.2\n")
    fast.enqueue(Script(text="no wait"))
    slow.enqueue(Script(status=429, body={"error": {"message": "Slow down"}}))
    slow.enqueue(Script(text="after a retry"))
    services = make_services(provider="fast", model="fast-model")
    conversation = await (await services.conversations()).create(provider="fast", model="fast-model")
    service = CompareService(await services.session())
    comparison = await service.start(conversation, "hi", CONTENDERS[:2])
    await service.run(comparison)
    done, retried = comparison.panes
    assert (done.text, done.outcome.record.attempts) == ("no wait", 1)
    assert (retried.text, retried.outcome.record.attempts) == ("after a retry", 2)
    assert len([r for r in fast.requests if r.path.endswith("/chat/completions")]) == 1
    await services.aclose()


def test_cli_compare_over_budget_sends_nothing(demo_server_factory, app_paths, isolated_environment) -> None:
    fast, slow, _ = three_servers(
        demo_server_factory, app_paths, '[budget]\ndaily = "0.00001"\nover_budget = "refuse"\n'
    )
    fast.enqueue(Script(text="spends", usage={"prompt_tokens": 100, "completion_tokens": 100}))
    slow.enqueue(Script(text="spends", usage={"prompt_tokens": 100, "completion_tokens": 100}))
    first = run_cli(isolated_environment, "compare", "spend", "-m", "fast/fast-model", "-m", "slow/slow-model")
    assert first.returncode == 0, first.stderr
    before = stored(app_paths, "SELECT COUNT(*) FROM messages")
    refused = run_cli(isolated_environment, "compare", "again", "-m", "fast/fast-model", "-m", "slow/slow-model")
    assert refused.returncode == 3 and "Budget used up" in refused.stderr
    assert stored(app_paths, "SELECT COUNT(*) FROM messages") == before
    assert len([r for r in slow.requests if r.path.endswith("/chat/completions")]) == 1


async def test_a_model_without_a_key_fails_in_its_pane_spending_nothing(
    demo_server_factory, make_services, app_paths
) -> None:
    fast, _, _ = three_servers(demo_server_factory, app_paths)
    fast.enqueue(Script(text="answered"))
    services = make_services(provider="fast", model="fast-model")
    conversation = await (await services.conversations()).create(provider="fast", model="fast-model")
    service = CompareService(await services.session())
    comparison = await service.start(conversation, "hi", [CONTENDERS[0], Contender("openai", "gpt-4o-mini")])
    await service.run(comparison)
    answered, keyless = comparison.panes
    assert answered.text == "answered" and keyless.status is MessageStatus.FAILED
    assert "No API key" in keyless.error.title
    figures = keyless.figures()
    assert (figures.tokens_in, figures.tokens_out, figures.cost) == ("0", "0", "$0.00")
    assert stored(app_paths, "SELECT model FROM usage") == [("fast-model",)]
    await services.aclose()


async def test_quitting_mid_comparison_still_files_every_reply(demo_server_factory, make_services, app_paths) -> None:
    fast, slow, _ = three_servers(demo_server_factory, app_paths)
    fast.enqueue(Script(text="word " * 400, stall_after=5, stall_seconds=30))
    slow.enqueue(Script(text="other " * 400, stall_after=5, stall_seconds=30))
    services = make_services(provider="fast", model="fast-model")
    conversation = await (await services.conversations()).create(provider="fast", model="fast-model")
    service = CompareService(await services.session())
    comparison = await service.start(conversation, "go", CONTENDERS[:2])
    running = asyncio.create_task(service.run(comparison))
    filed_while_streaming = (
        "SELECT COUNT(*) FROM messages WHERE status = 'streaming' AND hidden = 1 AND alternative_of IS NOT NULL"
    )

    async def both_filed() -> None:
        while stored(app_paths, filed_while_streaming) != [(1,)] or stored(
            app_paths, "SELECT COUNT(*) FROM messages WHERE status = 'streaming' AND hidden = 0"
        ) != [(1,)]:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(both_filed(), 10)  # both still streaming: one shown, the other its hidden alternative
    running.cancel()  # as the app's worker is when the app quits
    with pytest.raises(asyncio.CancelledError):
        await running
    rows = stored(
        app_paths,
        "SELECT m.status, m.alternative_of, m.hidden, u.comparison_id FROM messages m"
        " JOIN usage u ON u.message_id = m.id ORDER BY m.id",
    )
    assert [row[0] for row in rows] == ["cancelled", "cancelled"] and {row[3] for row in rows} == {comparison.id}
    assert sorted((row[1] is None, row[2]) for row in rows) == [(False, 1), (True, 0)]
    await services.aclose()
