"""The offline demo server, exercised over real HTTP with the official openai SDK."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk

from tests.loopback import LoopbackServer, Script
from tui_chat.demo.content import reply_for_prompt
from tui_chat.demo.corpus import markdown_corpus, split_tokens

PROMPT = "How do I bake bread?\nIn a small oven."
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": PROMPT},
]


def client_for(server: LoopbackServer, api_key: str = "test") -> openai.AsyncOpenAI:
    """An SDK client of the server that never retries."""
    return openai.AsyncOpenAI(base_url=server.base_url, api_key=api_key, max_retries=0)


async def stream_chunks(server: LoopbackServer, **request: Any) -> list[ChatCompletionChunk]:
    """All chunks of one streamed chat request."""
    async with client_for(server) as client:
        stream = await client.chat.completions.create(
            model=request.pop("model", "demo"), messages=request.pop("messages", MESSAGES), stream=True, **request
        )
        return [chunk async for chunk in stream]


def streamed_text(chunks: list[ChatCompletionChunk]) -> str:
    """The content carried by the chunks."""
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def raw_sse_events(server: LoopbackServer, body: dict[str, Any]) -> tuple[httpx2.Response, list[str]]:
    """The response and the `data:` payloads of a streamed request sent without the SDK."""
    with httpx2.Client() as client:
        with client.stream("POST", f"{server.base_url}/chat/completions", json=body) as response:
            lines = list(response.iter_lines())
    assert all(line.startswith("data: ") for line in lines if line), lines[:3]
    return response, [line.removeprefix("data: ") for line in lines if line]


def expected_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """The prompt count the server documents: pieces of each message plus 4, plus 3."""
    return sum(len(split_tokens(message["content"])) + 4 for message in messages) + 3


@given(st.text())
def test_split_tokens_joins_back_to_any_text(text: str) -> None:
    assert "".join(split_tokens(text)) == text


def test_split_tokens_gives_token_sized_pieces() -> None:
    pieces = split_tokens(markdown_corpus(5000))
    assert 2.5 <= sum(map(len, pieces)) / len(pieces) <= 6
    assert max(len(piece) for piece in pieces if piece.strip()) <= 9
    assert split_tokens("Hello, world!\n") == ["Hello", ",", " world", "!", "\n"]


def test_markdown_corpus_is_long_mixed_markdown() -> None:
    corpus = markdown_corpus(20_000)
    assert abs(len(split_tokens(corpus)) - 20_000) <= 200
    assert corpus.count("```") >= 20 and corpus.count("```") % 2 == 0
    languages = {line.removeprefix("```") for line in corpus.splitlines() if line.startswith("```") and line != "```"}
    assert len(languages) >= 4
    assert "\n| --- |" in corpus
    assert "\n- " in corpus and "\n1. " in corpus and "\n## " in corpus and "\n> " in corpus
    assert markdown_corpus(20_000) == corpus
    assert markdown_corpus(20_000, seed=1) != corpus


@pytest.mark.asyncio
async def test_models_are_listed(demo_server: LoopbackServer) -> None:
    async with client_for(demo_server) as client:
        models = [model async for model in client.models.list()]
    assert [model.id for model in models] == ["demo", "demo-fast", "demo-think", "demo-think-inline"]
    assert {model.owned_by for model in models} == {"tui-chat"}


@pytest.mark.asyncio
async def test_completion_quotes_the_prompt_and_counts_tokens(demo_server: LoopbackServer) -> None:
    async with client_for(demo_server) as client:
        completion = await client.chat.completions.create(model="demo", messages=MESSAGES)
    content = completion.choices[0].message.content or ""
    assert content == reply_for_prompt(PROMPT)
    assert "> How do I bake bread?\n> In a small oven." in content
    assert "```python" in content and "| --- |" in content and "\n- " in content and "\n#" in "\n" + content
    assert "tui-chat keys set openai" in content and "offline demo model" in content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == len(split_tokens(content))
    assert completion.usage.prompt_tokens == expected_prompt_tokens(MESSAGES)
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


@pytest.mark.asyncio
async def test_stream_with_usage_matches_the_whole_reply(demo_server: LoopbackServer) -> None:
    chunks = await stream_chunks(demo_server, stream_options={"include_usage": True})
    content_chunks = [chunk for chunk in chunks if chunk.choices and chunk.choices[0].delta.content]
    assert streamed_text(chunks) == reply_for_prompt(PROMPT)
    assert len({chunk.id for chunk in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[0].choices[0].delta.content == ""
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(content_chunks)
    assert all(chunk.usage is None for chunk in chunks[:-1])


def test_raw_stream_is_chunked_sse_with_usage_null(demo_server: LoopbackServer) -> None:
    body = {"model": "demo", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    response, events = raw_sse_events(demo_server, body)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" and chunk["system_fingerprint"] for chunk in chunks)
    assert all("usage" in chunk and chunk["usage"] is None for chunk in chunks[:-1])
    assert chunks[-2]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}


def test_raw_stream_without_usage_has_no_usage_key(demo_server: LoopbackServer) -> None:
    response, events = raw_sse_events(demo_server, {"model": "demo", "messages": MESSAGES, "stream": True})
    chunks = [json.loads(event) for event in events[:-1]]
    assert events[-1] == "[DONE]"
    assert all("usage" not in chunk and chunk["choices"] for chunk in chunks)


@pytest.mark.asyncio
async def test_stream_without_include_usage_sends_no_usage_chunk(demo_server: LoopbackServer) -> None:
    chunks = await stream_chunks(demo_server)
    assert all(chunk.choices and chunk.usage is None for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


@pytest.mark.asyncio
async def test_requests_reuse_one_keep_alive_connection(demo_server: LoopbackServer) -> None:
    async with client_for(demo_server) as client:
        for _ in range(2):
            stream = await client.chat.completions.create(model="demo-fast", messages=MESSAGES, stream=True)
            assert streamed_text([chunk async for chunk in stream])
            await client.chat.completions.create(model="demo", messages=MESSAGES)
    connections = {logged.connection_id for logged in demo_server.requests}
    assert len(demo_server.requests) == 4 and len(connections) == 1


@pytest.mark.asyncio
async def test_same_prompt_gives_same_reply_and_other_prompts_differ(demo_server: LoopbackServer) -> None:
    first, second = streamed_text(await stream_chunks(demo_server)), streamed_text(await stream_chunks(demo_server))
    other = streamed_text(await stream_chunks(demo_server, messages=[{"role": "user", "content": "Other"}]))
    assert first == second != other


QUOTA_BODY = {"error": {"message": "Quota.", "type": "insufficient_quota", "code": "insufficient_quota"}}
BAD_KEY_BODY = {"error": {"message": "Bad key.", "code": "invalid_api_key"}}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("script", "error_class", "code"),
    [
        (Script(status=429, headers={"Retry-After": "2"}), openai.RateLimitError, "rate_limit_exceeded"),
        (Script(status=429, body=QUOTA_BODY), openai.RateLimitError, "insufficient_quota"),
        (Script(status=500, headers={"Retry-After": "1"}), openai.InternalServerError, None),
        (Script(status=401, body=BAD_KEY_BODY), openai.AuthenticationError, "invalid_api_key"),
    ],
)
async def test_scripted_status_reaches_the_sdk_as_its_exception(
    demo_server: LoopbackServer, script: Script, error_class: type[openai.APIStatusError], code: str | None
) -> None:
    demo_server.enqueue(script)
    with pytest.raises(error_class) as raised:
        await stream_chunks(demo_server)
    assert raised.value.status_code == script.status
    assert raised.value.code == code
    for name, value in script.headers.items():
        assert raised.value.response.headers[name] == value


@pytest.mark.asyncio
async def test_scripts_apply_in_order_then_the_demo_resumes(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(text="first reply"))
    demo_server.enqueue(Script(text="second reply"))
    replies = [streamed_text(await stream_chunks(demo_server)) for _ in range(3)]
    assert replies == ["first reply", "second reply", reply_for_prompt(PROMPT)]


@pytest.mark.asyncio
async def test_dropped_stream_raises_connection_error_after_partial_text(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(drop_after=5))
    received: list[ChatCompletionChunk] = []
    async with client_for(demo_server) as client:
        stream = await client.chat.completions.create(model="demo", messages=MESSAGES, stream=True)
        with pytest.raises(openai.APIConnectionError):
            async for chunk in stream:
                received.append(chunk)
    assert streamed_text(received) == "".join(split_tokens(reply_for_prompt(PROMPT))[:5])
    assert all(chunk.choices[0].finish_reason is None for chunk in received)


@pytest.mark.asyncio
async def test_malformed_chunk_makes_the_sdk_raise_json_error(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(text="one two three four five", malformed_at=3))
    received: list[ChatCompletionChunk] = []
    async with client_for(demo_server) as client:
        stream = await client.chat.completions.create(model="demo", messages=MESSAGES, stream=True)
        with pytest.raises(json.JSONDecodeError):
            async for chunk in stream:
                received.append(chunk)
    assert streamed_text(received) == "one two three"


@pytest.mark.asyncio
async def test_stall_pauses_between_chunks(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(text="alpha beta gamma delta epsilon", stall_after=3, stall_seconds=0.4))
    arrivals: list[float] = []
    async with client_for(demo_server) as client:
        stream = await client.chat.completions.create(model="demo", messages=MESSAGES, stream=True)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals.append(time.monotonic())
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert len(arrivals) == 5 and gaps[2] >= 0.35 and max(gaps[:2] + gaps[3:]) < 0.2


@pytest.mark.asyncio
async def test_first_byte_delay_holds_back_the_headers(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(first_byte_delay=0.4))
    async with client_for(demo_server) as client:
        started = time.monotonic()
        stream = await client.chat.completions.create(model="demo", messages=MESSAGES, stream=True)
        waited = time.monotonic() - started
        assert streamed_text([chunk async for chunk in stream])
    assert waited >= 0.35


@pytest.mark.asyncio
async def test_empty_choices_carry_no_content(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(empty_choices=True))
    chunks = await stream_chunks(demo_server)
    assert chunks and all(chunk.choices == [] for chunk in chunks)


@pytest.mark.asyncio
@pytest.mark.parametrize("finish_reason", ["length", "content_filter"])
async def test_scripted_finish_reason(demo_server: LoopbackServer, finish_reason: str) -> None:
    demo_server.enqueue(Script(finish_reason=finish_reason))
    demo_server.enqueue(Script(finish_reason=finish_reason))
    chunks = await stream_chunks(demo_server)
    async with client_for(demo_server) as client:
        completion = await client.chat.completions.create(model="demo", messages=MESSAGES)
    assert chunks[-1].choices[0].finish_reason == finish_reason
    assert completion.choices[0].finish_reason == finish_reason


@pytest.mark.asyncio
async def test_max_tokens_cuts_the_reply_with_finish_length(demo_server: LoopbackServer) -> None:
    chunks = await stream_chunks(demo_server, max_tokens=7, stream_options={"include_usage": True})
    assert streamed_text(chunks) == "".join(split_tokens(reply_for_prompt(PROMPT))[:7])
    assert chunks[-2].choices[0].finish_reason == "length"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7


@pytest.mark.asyncio
async def test_usage_override_reports_cached_and_reasoning_tokens(demo_server: LoopbackServer) -> None:
    override = {
        "prompt_tokens": 1000,
        "completion_tokens": 50,
        "prompt_tokens_details": {"cached_tokens": 400},
        "completion_tokens_details": {"reasoning_tokens": 10},
    }
    demo_server.enqueue(Script(usage=override))
    usage = (await stream_chunks(demo_server, stream_options={"include_usage": True}))[-1].usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (1000, 50, 1050)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 400
    assert usage.completion_tokens_details is not None and usage.completion_tokens_details.reasoning_tokens == 10


@pytest.mark.asyncio
async def test_script_can_withhold_or_force_the_usage_chunk(demo_server: LoopbackServer) -> None:
    demo_server.enqueue(Script(include_usage=False))
    demo_server.enqueue(Script(include_usage=True))
    withheld = await stream_chunks(demo_server, stream_options={"include_usage": True})
    forced = await stream_chunks(demo_server)
    assert all(chunk.usage is None for chunk in withheld)
    assert forced[-1].usage is not None and forced[-1].choices == []


@pytest.mark.asyncio
async def test_demo_model_is_paced_and_script_can_override_it(
    demo_server_factory: Callable[..., LoopbackServer],
) -> None:
    server = demo_server_factory(tokens_per_second=None)
    text = " ".join(["word"] * 30)
    server.enqueue(Script(text=text))
    server.enqueue(Script(text=text, tokens_per_second=0))
    started = time.monotonic()
    assert streamed_text(await stream_chunks(server)) == text
    paced = time.monotonic() - started
    started = time.monotonic()
    assert streamed_text(await stream_chunks(server)) == text
    unthrottled = time.monotonic() - started
    assert 0.4 <= paced < 3 and unthrottled < 0.3


@pytest.mark.asyncio
async def test_api_key_is_required_and_never_echoed(demo_server_factory: Callable[..., LoopbackServer]) -> None:
    server = demo_server_factory(api_key="sk-demo-right-key-0000")
    wrong_key = "sk-wrong-secret-key-abcd"
    async with client_for(server, api_key=wrong_key) as client:
        with pytest.raises(openai.AuthenticationError) as raised:
            await client.chat.completions.create(model="demo", messages=MESSAGES)
        with pytest.raises(openai.AuthenticationError):
            await client.models.list()
    assert raised.value.code == "invalid_api_key"
    assert wrong_key not in raised.value.response.text and "abcd" in raised.value.message
    async with client_for(server, api_key="sk-demo-right-key-0000") as client:
        assert (await client.chat.completions.create(model="demo", messages=MESSAGES)).choices
    with httpx2.Client() as raw:
        assert raw.get(f"{server.base_url}/models").status_code == 401


@pytest.mark.asyncio
async def test_request_log_records_what_the_client_sent(demo_server: LoopbackServer) -> None:
    await stream_chunks(demo_server, model="demo-fast", stream_options={"include_usage": True})
    (logged,) = demo_server.requests
    assert (logged.method, logged.path) == ("POST", "/v1/chat/completions")
    assert logged.headers["authorization"] == "Bearer test"
    assert logged.body["model"] == "demo-fast" and logged.body["stream_options"] == {"include_usage": True}
    assert logged.json == logged.body and logged.body["messages"] == MESSAGES and logged.received_at <= time.time()
    demo_server.clear_log()
    assert demo_server.requests == []


@pytest.mark.asyncio
async def test_unknown_model_is_not_found(demo_server: LoopbackServer) -> None:
    async with client_for(demo_server) as client:
        with pytest.raises(openai.NotFoundError) as raised:
            await client.chat.completions.create(model="gpt-nope", messages=MESSAGES)
    assert raised.value.code == "model_not_found" and "`gpt-nope`" in raised.value.message


@pytest.mark.parametrize(
    ("method", "path", "content", "status"),
    [
        ("GET", "/v1/nowhere", None, 404),
        ("POST", "/v1/chat/completions", b"{not json", 400),
        ("POST", "/v1/chat/completions", b'{"model": "demo"}', 400),
        ("GET", "/_demo/requests", None, 404),
        ("POST", "/_demo/script", b"{}", 404),
        ("POST", "/_demo/reset", None, 404),
    ],
)
def test_bad_requests_get_openai_error_bodies(
    demo_server: LoopbackServer, method: str, path: str, content: bytes | None, status: int
) -> None:
    with httpx2.Client() as client:
        response = client.request(method, f"http://127.0.0.1:{demo_server.port}{path}", content=content)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]


@pytest.mark.asyncio
async def test_control_routes_script_log_and_reset(demo_server_factory: Callable[..., LoopbackServer]) -> None:
    server = demo_server_factory(control=True)
    root = f"http://127.0.0.1:{server.port}/_demo"
    async with httpx2.AsyncClient() as raw:
        assert (await raw.post(f"{root}/script", json={"status": 503, "headers": {"Retry-After": "3"}})).json() == {
            "queued": 1
        }
        assert (await raw.post(f"{root}/script", json={"colour": "red"})).status_code == 400
        with pytest.raises(openai.InternalServerError) as raised:
            await stream_chunks(server)
        assert raised.value.response.headers["retry-after"] == "3"
        logged = (await raw.get(f"{root}/requests")).json()["requests"]
        assert [entry["body"]["model"] for entry in logged] == ["demo"]
        await raw.post(f"{root}/script", json={"text": "never used"})
        assert (await raw.post(f"{root}/reset")).json() == {"ok": True}
    assert server.requests == []
    assert streamed_text(await stream_chunks(server)) == reply_for_prompt(PROMPT)


@pytest.mark.asyncio
async def test_long_command_gives_a_long_reply(demo_server: LoopbackServer) -> None:
    async with client_for(demo_server) as client:
        completion = await client.chat.completions.create(
            model="demo-fast", messages=[{"role": "user", "content": "/long 2000"}]
        )
    assert completion.usage is not None and 1980 <= completion.usage.completion_tokens <= 2020
    assert completion.choices[0].message.content == markdown_corpus(2000)


def test_twenty_thousand_tokens_stream_quickly(demo_server: LoopbackServer) -> None:
    started = time.monotonic()
    body = {"model": "demo-fast", "messages": [{"role": "user", "content": "/long 20000"}], "stream": True}
    _, events = raw_sse_events(demo_server, body)
    assert len(events) == 20_000 + 3
    assert time.monotonic() - started < 10


@pytest.mark.asyncio
async def test_stop_mid_stream_does_not_hang(demo_server_factory: Callable[..., LoopbackServer]) -> None:
    server = demo_server_factory(tokens_per_second={"demo": 20.0})
    async with client_for(server) as client:
        stream = await client.chat.completions.create(model="demo", messages=MESSAGES, stream=True)
        await stream.__anext__()
        started = time.monotonic()
        await asyncio.to_thread(server.stop)
        assert time.monotonic() - started < 2
        with pytest.raises(openai.APIConnectionError):
            async for _ in stream:
                pass


@pytest.mark.asyncio
async def test_serves_in_the_callers_event_loop() -> None:
    server = LoopbackServer(tokens_per_second={"demo": None})
    base_url = await server.start_async()
    try:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert streamed_text(await stream_chunks(server))
    finally:
        await server.stop_async()


def test_binds_only_loopback() -> None:
    with pytest.raises(ValueError):
        LoopbackServer(host="0.0.0.0")


def test_command_line_prints_base_url_and_stops_on_terminate() -> None:
    command = [sys.executable, "-m", "tests.loopback", "--control"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
            with httpx2.Client() as client:
                models = client.get(f"{base_url}/models").json()["data"]
                assert [model["id"] for model in models] == ["demo", "demo-fast", "demo-think", "demo-think-inline"]
                assert client.get(base_url.removesuffix("/v1") + "/_demo/requests").status_code == 200
            process.terminate()
            assert process.wait(timeout=5) == 0
        finally:
            process.kill()


def test_start_fails_loudly_when_the_port_is_taken(demo_server: LoopbackServer) -> None:
    with pytest.raises(OSError):
        LoopbackServer(port=demo_server.port).start()
