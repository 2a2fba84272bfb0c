"""Crash safety: a streaming reply is stored as it arrives, and whatever a crash leaves is recovered."""

from __future__ import annotations

import asyncio
import sqlite3
import string
import time
from pathlib import Path

from tests.integration.pty_app import TerminalApp
from tests.loopback import Script
from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.demo.corpus import split_tokens
from tui_chat.paths import AppPaths
from tui_chat.services.bootstrap import build_services
from tui_chat.services.events import TextDelta
from tui_chat.store.migrations import SCHEMA_VERSION

RATE = 40.0
"""Tokens per second of the scripted replies (the demo-slow pace)."""


def numbered_words(count: int) -> list[str]:
    """Distinct one-token words (' abc'), so a stored prefix says exactly how many tokens it holds."""
    letters = string.ascii_lowercase
    return [" " + letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26] for i in range(count)]


def stored_rows(path: Path) -> list[tuple]:
    """Every message as another process sees the file: only committed state."""
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT id, role, status, content FROM messages ORDER BY id").fetchall()


def tokens_in(content: str, words: list[str]) -> int:
    """How many of `words` the content holds, asserting it is exactly a prefix of them."""
    count = len(split_tokens(content))
    assert content == "".join(words[:count]), "stored text is not a prefix of what the server streamed"
    return count


class Watcher:
    """A session emit callback that reads the committed reply after every token."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tokens = 0
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, event: object) -> None:
        if isinstance(event, TextDelta):
            self.tokens += 1
            replies = [(status, content) for _, role, status, content in stored_rows(self.path) if role == "assistant"]
            if replies and (not self.seen or self.seen[-1] != replies[-1]):
                self.seen.append(replies[-1])


async def test_reply_is_stored_at_its_first_text_then_about_once_a_second(make_services, app_paths, loopback) -> None:
    words = numbered_words(120)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    services = make_services(model="demo-slow")
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo-slow")
    watcher = Watcher(app_paths.database)
    finished = await (await services.session()).send(conversation, "count for me", watcher)

    first_status, first_content = watcher.seen[0]
    assert first_status == "streaming" and first_content == words[0]
    streaming = [content for status, content in watcher.seen if status == "streaming"]
    for content in streaming:
        tokens_in(content, words)
    # 120 tokens over about three seconds: a handful of writes, never one per token.
    assert 3 <= len(streaming) <= watcher.tokens // 4
    [reply] = [row for row in stored_rows(app_paths.database) if row[1] == "assistant"]
    assert reply[0] == finished.reply.id
    assert reply[2:] == ("complete", "".join(words))
    [usage] = await repository.usage_rows(conversation.id)
    assert usage.message_id == reply[0] and usage.status == "complete"
    await services.aclose()


async def test_cancelled_reply_finishes_the_row_it_started(make_services, app_paths, loopback) -> None:
    words = numbered_words(400)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    services = make_services(model="demo-slow")
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo-slow")
    watcher = Watcher(app_paths.database)
    task = asyncio.create_task((await services.session()).send(conversation, "go on", watcher))
    while len(watcher.seen) < 2:
        await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    replies = [row for row in stored_rows(app_paths.database) if row[1] == "assistant"]
    assert len(replies) == 1 and replies[0][2] == "cancelled"
    assert tokens_in(replies[0][3], words) >= len(split_tokens(watcher.seen[-1][1]))
    [usage] = await repository.usage_rows(conversation.id)
    assert usage.message_id == replies[0][0] and usage.status == "cancelled"
    await services.aclose()


async def test_a_reply_streaming_elsewhere_is_not_listed_twice(make_services) -> None:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    prompt = await repository.add_message(conversation.id, Role.USER, "zebra question")
    await repository.start_reply(Message(0, conversation.id, Role.ASSISTANT, "zebra half", model="demo"))
    assert [m.id for m in await repository.messages(conversation.id)] == [prompt.id]
    assert [m.id for m in await repository.messages_after(conversation.id, 0)] == [prompt.id]
    assert [hit.message_id for hit in await repository.search("zebra")] == [prompt.id]
    everything = await repository.messages(conversation.id, include_hidden=True)
    assert [m.status for m in everything] == [MessageStatus.COMPLETE, MessageStatus.STREAMING]
    await services.aclose()


async def test_recovery_marks_leftover_replies_interrupted_with_a_usage_row_once(make_services) -> None:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    await repository.add_message(conversation.id, Role.USER, "Explain WAL mode")
    text = "Write-ahead logging appends changes to a separate file"
    draft = await repository.start_reply(Message(0, conversation.id, Role.ASSISTANT, text, model="gpt-4o"))
    await services.aclose()

    for _ in range(2):  # a second start finds nothing left to recover
        reopened = make_services()
        repository = await reopened.repository()
        [prompt, reply] = await repository.messages(conversation.id)
        assert (reply.id, reply.status, reply.content) == (draft.id, MessageStatus.INTERRUPTED, text)
        [usage] = await repository.usage_rows(conversation.id)
        assert usage.message_id == draft.id and usage.status == "interrupted"
        assert usage.usage.estimated and usage.usage.output_tokens > 0 and usage.usage.input_tokens > 0
        assert usage.cost is not None and usage.cost > 0
        assert (await repository.spend(conversation_id=conversation.id)).requests == 1
        await reopened.aclose()


async def test_another_copy_opened_mid_stream_leaves_the_live_reply_streaming(
    make_services, app_paths, loopback
) -> None:
    words = numbered_words(60)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    services = make_services(model="demo-slow")
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo-slow")
    other = make_services(model="demo-slow")
    seen_by_the_other: list[str] = []

    async def open_another_copy(event: object) -> None:
        if isinstance(event, TextDelta) and not seen_by_the_other:
            await other.repository()
            seen_by_the_other.extend(
                status for _, role, status, _ in stored_rows(app_paths.database) if role == "assistant"
            )

    finished = await (await services.session()).send(conversation, "two windows", open_another_copy)
    await other.aclose()
    assert seen_by_the_other == ["streaming"]
    [reply] = [m for m in await repository.messages(conversation.id) if m.role is Role.ASSISTANT]
    assert reply.status is MessageStatus.COMPLETE and reply.content == "".join(words)
    [usage] = await repository.usage_rows(conversation.id)
    assert usage.message_id == reply.id == finished.reply.id and usage.status == "complete"
    assert (await repository.spend(conversation_id=conversation.id)).requests == 1
    await services.aclose()


def test_sigkill_mid_stream_keeps_the_prompt_and_the_reply_up_to_about_a_second_before(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    words = numbered_words(1200)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    database = app_paths.database

    def schema_ready() -> bool:
        try:
            with sqlite3.connect(database) as connection:
                return connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        except sqlite3.Error:
            return False

    def streaming_reply() -> bool:
        return any(row[2] == "streaming" for row in stored_rows(database))

    args = ("--provider", "demo", "--model", "demo-slow", "--base-url", loopback.base_url)
    with TerminalApp(isolated_environment, *args) as app:
        app.wait_for(lambda: database.exists() and schema_ready(), what="the database to be created")
        app.wait_for(lambda: "Demo" in app.text() or "demo" in app.text(), what="the chat screen")
        time.sleep(0.5)
        app.type("Count slowly, please\r")
        app.wait_for(streaming_reply, what="the reply to start streaming")
        time.sleep(3.5)
        killed_at = time.time()
        app.kill()

    [request] = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert request.finished_at is None or request.finished_at > killed_at - 0.5
    [prompt, reply] = stored_rows(database)
    assert prompt[1:] == ("user", "complete", "Count slowly, please")
    assert reply[1:3] == ("assistant", "streaming")
    stored = tokens_in(reply[3], words)
    sent_long_before = int((killed_at - 1.5 - request.received_at) * RATE)
    assert stored >= sent_long_before > 0
    assert stored < len(words)

    with sqlite3.connect(database) as connection:
        [(conversation_id,)] = connection.execute("SELECT DISTINCT conversation_id FROM messages").fetchall()

    async def restart() -> None:
        services = build_services(paths=app_paths, demo_server=loopback)
        repository = await services.repository()
        [user, assistant] = await repository.messages(conversation_id)
        assert user.content == "Count slowly, please"
        assert (assistant.status, assistant.content) == (MessageStatus.INTERRUPTED, reply[3])
        [usage] = await repository.usage_rows()
        assert usage.message_id == assistant.id and usage.status == "interrupted" and usage.usage.estimated
        await services.aclose()

    asyncio.run(restart())
