"""One exchange end to end against the loopback server: what is stored and what was sent."""

from __future__ import annotations

import asyncio

import pytest

from tui_chat.core.models import MessageStatus, Role
from tui_chat.services.demo_server import Script
from tui_chat.services.events import PromptSaved, ReplyFinished, RetryScheduled, TextDelta


class Recorder:
    """Collects the events a session emits, in order."""

    def __init__(self) -> None:
        self.events: list[object] = []

    async def __call__(self, event: object) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]


async def start(make_services, model: str = "demo"):
    services = make_services(model=model)
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model=model)
    return services, repository, conversation


async def test_reply_streams_and_is_stored_with_reported_usage(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    session = await services.session()
    recorder = Recorder()
    finished = await session.send(conversation, "Hello there", recorder)

    assert isinstance(recorder.events[0], PromptSaved)
    assert isinstance(recorder.events[-1], ReplyFinished)
    text = "".join(event.text for event in recorder.of(TextDelta))
    assert "> Hello there" in text
    messages = await repository.messages(conversation.id)
    assert [(m.role, m.status) for m in messages] == [
        (Role.USER, MessageStatus.COMPLETE),
        (Role.ASSISTANT, MessageStatus.COMPLETE),
    ]
    assert messages[1].content == text
    [row] = await repository.usage_rows(conversation.id)
    assert row.usage.estimated is False
    assert row.usage.output_tokens == len(recorder.of(TextDelta))
    assert row.cost == 0 and row.status == "complete" and row.message_id == messages[1].id
    assert finished.record.id == row.id

    [request] = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert request.json["stream"] is True
    assert request.json["stream_options"] == {"include_usage": True}
    assert request.json["messages"] == [{"role": "user", "content": "Hello there"}]
    await services.aclose()


async def test_second_prompt_sends_the_history_and_system_prompt(make_services, loopback) -> None:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo", system_prompt="Be brief.")
    session = await services.session()
    await session.send(conversation, "first", Recorder())
    await session.send(conversation, "second", Recorder())
    sent = [r.json["messages"] for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert [m["role"] for m in sent[1]] == ["system", "user", "assistant", "user"]
    assert sent[1][0]["content"] == "Be brief." and sent[1][-1]["content"] == "second"
    await services.aclose()


async def test_server_without_usage_gives_an_estimated_row(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(text="Four score and seven years ago", include_usage=False))
    await (await services.session()).send(conversation, "Quote Lincoln", Recorder())
    [row] = await repository.usage_rows(conversation.id)
    assert row.usage.estimated is True
    assert row.usage.output_tokens > 0 and row.usage.input_tokens > 0
    await services.aclose()


async def test_cancel_mid_stream_keeps_the_text_marked_cancelled(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services, model="demo-slow")
    session = await services.session()
    recorder = Recorder()
    task = asyncio.create_task(session.send(conversation, "Tell me a long story", recorder))
    while len(recorder.of(TextDelta)) < 5:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    received = "".join(event.text for event in recorder.of(TextDelta))
    messages = await repository.messages(conversation.id)
    assert messages[0].content == "Tell me a long story"
    assert messages[1].status is MessageStatus.CANCELLED
    assert messages[1].content == received and received
    [row] = await repository.usage_rows(conversation.id)
    assert row.status == "cancelled" and row.usage.estimated is True
    assert isinstance(recorder.events[-1], ReplyFinished)
    await services.aclose()


async def test_length_finish_marks_the_reply_truncated(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(text="Cut short", finish_reason="length"))
    finished = await (await services.session()).send(conversation, "hi", Recorder())
    assert finished.reply.status is MessageStatus.TRUNCATED
    await services.aclose()


async def test_server_error_before_first_token_is_retried_once_then_succeeds(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(status=503, headers={"retry-after-ms": "10"}, body={"error": {"message": "busy"}}))
    recorder = Recorder()
    finished = await (await services.session()).send(conversation, "hi", recorder)
    assert finished.reply.status is MessageStatus.COMPLETE
    [retry] = recorder.of(RetryScheduled)
    assert retry.attempt == 1 and retry.wait_seconds == pytest.approx(0.01)
    assert len([r for r in loopback.requests if r.path.endswith("/chat/completions")]) == 2
    [row] = await repository.usage_rows(conversation.id)
    assert row.attempts == 2
    await services.aclose()


async def test_drop_after_text_keeps_partial_reply_and_is_not_retried(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(drop_after=4))
    finished = await (await services.session()).send(conversation, "hi", Recorder())
    assert finished.reply.status is MessageStatus.PARTIAL and finished.reply.content
    assert finished.error is not None
    assert len([r for r in loopback.requests if r.path.endswith("/chat/completions")]) == 1
    [row] = await repository.usage_rows(conversation.id)
    assert row.status == "partial" and row.error_kind
    await services.aclose()


async def test_rejected_key_fails_without_retry_and_keeps_the_prompt(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(status=401, body={"error": {"message": "Incorrect API key", "code": "invalid_api_key"}}))
    finished = await (await services.session()).send(conversation, "my precious words", Recorder())
    assert finished.error.kind == "auth"
    messages = await repository.messages(conversation.id)
    assert messages[0].content == "my precious words"
    assert messages[1].status is MessageStatus.FAILED
    [row] = await repository.usage_rows(conversation.id)
    assert row.status == "failed" and row.usage.input_tokens == 0 and row.cost == 0
    assert len([r for r in loopback.requests if r.path.endswith("/chat/completions")]) == 1
    await services.aclose()


async def test_malformed_chunk_is_a_clear_failure_and_keeps_what_arrived(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(malformed_at=3))
    finished = await (await services.session()).send(conversation, "hi", Recorder())
    assert finished.error.kind == "malformed"
    assert finished.reply.status is MessageStatus.PARTIAL and finished.reply.content
    await services.aclose()


async def test_empty_choices_is_reported_not_crashed(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    loopback.enqueue(Script(empty_choices=True))
    finished = await (await services.session()).send(conversation, "hi", Recorder())
    assert finished.error.kind == "empty_choices" and finished.error.title == "Empty reply"
    assert finished.reply.status is MessageStatus.FAILED
    await services.aclose()


async def test_20000_tokens_stream_through_the_client_intact(make_services, loopback) -> None:
    from tui_chat.services.demo_server import markdown_corpus

    services, repository, conversation = await start(make_services)
    corpus = markdown_corpus(20000)
    loopback.enqueue(Script(text=corpus))
    recorder = Recorder()
    finished = await (await services.session()).send(conversation, "long", recorder)
    assert finished.reply.content == corpus
    assert len(recorder.of(TextDelta)) == 20000
    await services.aclose()
