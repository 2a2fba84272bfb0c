"""Reasoning replies end to end against the loopback server: each wire format, stored apart, never resent."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.test_chat_session import Recorder, start
from tests.loopback import Script
from tui_chat.core.models import MessageStatus
from tui_chat.services.events import ReasoningDelta, TextDelta

THOUGHT = "First I weigh the options.\nThen I pick the <b>best</b> one."
ANSWER = "The answer is 42."


def joined(recorder: Recorder, kind: type) -> str:
    return "".join(event.text for event in recorder.of(kind))


@pytest.mark.parametrize("reasoning_format", ["reasoning_content", "reasoning", "reasoning_details", "inline"])
@pytest.mark.parametrize("include_usage", [True, False])
async def test_each_wire_format_is_split_stored_and_counted(
    make_services, loopback, reasoning_format: str, include_usage: bool
) -> None:
    services, repository, conversation = await start(make_services)
    session = await services.session()
    loopback.enqueue(
        Script(text=ANSWER, reasoning=THOUGHT, reasoning_format=reasoning_format, include_usage=include_usage)
    )
    recorder = Recorder()
    await session.send(conversation, "What is the answer?", recorder)

    assert joined(recorder, ReasoningDelta) == THOUGHT
    assert joined(recorder, TextDelta) == ANSWER
    first_answer = next(i for i, e in enumerate(recorder.events) if isinstance(e, TextDelta))
    assert all(not isinstance(e, ReasoningDelta) for e in recorder.events[first_answer:])
    reply = (await repository.messages(conversation.id))[-1]
    assert reply.content == ANSWER and reply.thinking == THOUGHT and reply.status is MessageStatus.COMPLETE
    [row] = await repository.usage_rows(conversation.id)
    assert row.usage.estimated is not include_usage
    assert row.usage.reasoning_tokens > 0
    assert row.usage.output_tokens > row.usage.reasoning_tokens
    if include_usage:
        thought_pieces = len(recorder.of(ReasoningDelta)) if reasoning_format != "inline" else None
        if thought_pieces is not None:
            assert row.usage.reasoning_tokens == thought_pieces
    assert row.ttft_ms is not None and row.answer_ms is not None and row.answer_ms >= row.ttft_ms
    await services.aclose()


async def test_a_reply_without_reasoning_has_no_thinking_and_no_answer_delay(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    session = await services.session()
    recorder = Recorder()
    await session.send(conversation, "Plain question", recorder)
    assert recorder.of(ReasoningDelta) == []
    reply = (await repository.messages(conversation.id))[-1]
    assert reply.thinking == "" and reply.content
    [row] = await repository.usage_rows(conversation.id)
    assert row.usage.reasoning_tokens == 0 and row.answer_ms == row.ttft_ms
    await services.aclose()


async def test_thinking_is_never_sent_back(make_services, loopback) -> None:
    """The loopback server refuses (400) a request whose messages carry earlier thinking, as DeepSeek does."""
    for model in ("demo-think", "demo-think-inline"):
        services, repository, conversation = await start(make_services, model=model)
        session = await services.session()
        first = await session.send(conversation, "Think first", Recorder())
        assert first.reply is not None and first.reply.thinking and "<think>" not in first.reply.content
        second = await session.send(conversation, "And again", Recorder())
        assert second.error is None, second.error
        assert second.reply is not None and second.reply.status is MessageStatus.COMPLETE
        requests = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
        sent = requests[-1].json["messages"]
        assert [m["role"] for m in sent] == ["user", "assistant", "user"]
        assert sent[1] == {"role": "assistant", "content": first.reply.content}
        await services.aclose()


async def test_the_test_server_really_rejects_thinking_sent_back(loopback) -> None:
    """The check above could only fail if the server refuses thinking: show that it does."""
    import openai

    client = openai.AsyncOpenAI(base_url=loopback.base_url, api_key="x", max_retries=0)
    for carried in ({"reasoning_content": "hm"}, {"content": "<think>hm</think>ok"}):
        messages = [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "ok", **carried},
            {"role": "user", "content": "b"},
        ]
        with pytest.raises(openai.BadRequestError):
            await client.chat.completions.create(model="demo", messages=messages)  # type: ignore[arg-type]
    await client.close()


async def test_cancelled_mid_thinking_keeps_the_thinking_and_writes_usage(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    session = await services.session()
    loopback.enqueue(Script(text=ANSWER, reasoning="step " * 400, tokens_per_second=200))
    recorder = Recorder()
    task = asyncio.create_task(session.send(conversation, "Ponder", recorder))
    while len(recorder.of(ReasoningDelta)) < 5:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    received = joined(recorder, ReasoningDelta)
    reply = (await repository.messages(conversation.id))[-1]
    assert reply.status is MessageStatus.CANCELLED
    assert reply.content == "" and reply.thinking == received and received.startswith("step step")
    [row] = await repository.usage_rows(conversation.id)
    assert row.status == "cancelled" and row.usage.estimated is True
    assert row.usage.reasoning_tokens > 0 and row.answer_ms is None
    await services.aclose()


async def test_a_stream_cut_mid_thinking_is_kept_as_partial_thinking(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    session = await services.session()
    loopback.enqueue(Script(text=ANSWER, reasoning="one two three four five six", drop_after=4))
    finished = await session.send(conversation, "Ponder", Recorder())
    assert finished.error is not None
    reply = (await repository.messages(conversation.id))[-1]
    assert reply.thinking == "one two three four" and reply.content == ""
    assert reply.status is MessageStatus.FAILED
    assert len(await repository.usage_rows(conversation.id)) == 1
    await services.aclose()


async def test_thinking_is_stored_while_it_streams(make_services, loopback) -> None:
    """A crash mid-thinking loses at most the last flush: the streaming row carries the thinking."""
    services, repository, conversation = await start(make_services)
    session = await services.session()
    session.flush_seconds = 0.0
    loopback.enqueue(Script(text=ANSWER, reasoning="deep " * 200, tokens_per_second=400))
    recorder = Recorder()
    task = asyncio.create_task(session.send(conversation, "Ponder", recorder))
    while len(recorder.of(ReasoningDelta)) < 20:
        await asyncio.sleep(0.01)
    stored = await repository.messages(conversation.id, include_hidden=True)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    streaming = [m for m in stored if m.status is MessageStatus.STREAMING]
    assert streaming and streaming[0].thinking.startswith("deep deep") and streaming[0].content == ""
    await services.aclose()
