"""One exchange end to end against the loopback server: what is stored and what was sent."""

from __future__ import annotations

import asyncio

import pytest

from tests.loopback import Script
from tui_chat.core.models import MessageStatus, Role
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
    from tui_chat.demo.corpus import markdown_corpus

    services, repository, conversation = await start(make_services)
    corpus = markdown_corpus(20000)
    loopback.enqueue(Script(text=corpus))
    recorder = Recorder()
    finished = await (await services.session()).send(conversation, "long", recorder)
    assert finished.reply.content == corpus
    assert len(recorder.of(TextDelta)) == 20000  # no key registered, so nothing is held back or merged
    await services.aclose()


async def test_two_conversations_stream_at_once_and_stay_independent(make_services, loopback) -> None:
    services = make_services(model="demo-slow")
    repository = await services.repository()
    first = await repository.create_conversation(provider="demo", model="demo-slow")
    second = await repository.create_conversation(provider="demo", model="demo-slow")
    session = await services.session()
    one, two = Recorder(), Recorder()
    await asyncio.gather(session.send(first, "first question", one), session.send(second, "second question", two))
    first_stored = await repository.messages(first.id)
    second_stored = await repository.messages(second.id)
    assert "> first question" in first_stored[1].content and "second question" not in first_stored[1].content
    assert "> second question" in second_stored[1].content
    assert first_stored[1].content == "".join(e.text for e in one.of(TextDelta))
    assert second_stored[1].content == "".join(e.text for e in two.of(TextDelta))
    assert len(await repository.usage_rows(first.id)) == 1 and len(await repository.usage_rows(second.id)) == 1
    await services.aclose()


async def test_concurrency_limit_per_provider_queues_the_second_request(make_services, app_paths, loopback) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text("[network]\nmax_concurrent_per_provider = 1\n")
    services = make_services(model="demo-slow")
    repository = await services.repository()
    first = await repository.create_conversation(provider="demo", model="demo-slow")
    second = await repository.create_conversation(provider="demo", model="demo-slow")
    session = await services.session()
    await asyncio.gather(session.send(first, "a", Recorder()), session.send(second, "b", Recorder()))
    requests = sorted(
        (r for r in loopback.requests if r.path.endswith("/chat/completions")), key=lambda r: r.received_at
    )
    assert len(requests) == 2
    assert requests[1].received_at >= requests[0].finished_at
    await services.aclose()


async def test_reported_cost_equals_genai_prices_to_the_last_digit(make_services, loopback) -> None:
    from decimal import Decimal

    import genai_prices

    services = make_services(provider="openai", model="gpt-4o", base_url=loopback.base_url)

    async def key(name, provider):
        return "sk-test-0000000000000000"

    services.registry._key_lookup = key
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="openai", model="gpt-4o")
    usage = {"prompt_tokens": 1234, "completion_tokens": 567, "prompt_tokens_details": {"cached_tokens": 1024}}
    loopback.enqueue(Script(text="priced", usage=usage))
    finished = await (await services.session()).send(conversation, "price me", Recorder())
    assert finished.error is None, finished.error
    [row] = await repository.usage_rows(conversation.id)
    expected = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=1234, cache_read_tokens=1024, output_tokens=567), "gpt-4o", provider_id="openai"
    ).total_price
    assert row.cost == Decimal(expected) and row.cost > 0
    assert row.usage.cached_tokens == 1024 and row.usage.estimated is False
    assert row.price_source.startswith("genai-prices")
    totals = await repository.spend(conversation_id=conversation.id)
    assert totals.cost == row.cost
    await services.aclose()


async def test_retry_keeps_the_old_reply_as_an_alternative(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    session = await services.session()
    loopback.enqueue(Script(text="first answer"))
    await session.send(conversation, "question", Recorder())
    loopback.enqueue(Script(text="second answer"))
    recorder = Recorder()
    finished = await session.retry(conversation, recorder)
    assert isinstance(recorder.events[-1], ReplyFinished)
    shown = await repository.messages(conversation.id)
    assert [m.content for m in shown] == ["question", "second answer"]
    group = await repository.alternatives(finished.reply.id)
    assert [m.content for m in group] == ["first answer", "second answer"]
    sent = [r.json["messages"] for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert sent[1] == [{"role": "user", "content": "question"}]
    await services.aclose()


async def test_continue_sends_the_partial_reply_and_an_instruction(make_services, loopback) -> None:
    from tui_chat.services.chat_session import CONTINUE_INSTRUCTION

    services, repository, conversation = await start(make_services)
    session = await services.session()
    loopback.enqueue(Script(text="The list goes: one, two", finish_reason="length"))
    await session.send(conversation, "count", Recorder())
    loopback.enqueue(Script(text=", three."))
    finished = await session.continue_reply(conversation, Recorder())
    assert finished.reply.content == ", three."
    sent = [r.json["messages"] for r in loopback.requests if r.path.endswith("/chat/completions")][-1]
    assert sent[-2] == {"role": "assistant", "content": "The list goes: one, two"}
    assert sent[-1] == {"role": "user", "content": CONTINUE_INSTRUCTION}
    await services.aclose()


async def test_conversation_settings_are_sent(make_services, loopback) -> None:
    services, repository, conversation = await start(make_services)
    await repository.update_conversation_settings(
        conversation.id, system_prompt="Terse.", temperature=0.2, max_tokens=50
    )
    conversation = await repository.get_conversation(conversation.id)
    await (await services.session()).send(conversation, "hi", Recorder())
    [request] = [r.json for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert request["temperature"] == 0.2 and request["max_tokens"] == 50
    assert request["messages"][0] == {"role": "system", "content": "Terse."}
    await services.aclose()
