"""One AsyncOpenAI client per provider, turning the SDK's stream into typed events.

`openai` is imported on first use, never at start-up: it alone takes most of a second.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tui_chat.config import NetworkSettings, ProviderSettings
from tui_chat.core.models import Usage
from tui_chat.core.redaction import remember_secret
from tui_chat.core.think_tags import Piece, ThinkTagSplitter
from tui_chat.services.errors import ProviderFailure, error_event, translate_error
from tui_chat.services.events import ReasoningDelta, StreamEvent, StreamFinished, TextDelta, UsageReport
from tui_chat.services.tools.events import ToolCallDelta

PLACEHOLDER_KEY = "no-key-needed"
logger = logging.getLogger(__name__)


def usage_from_dict(raw: Mapping[str, Any]) -> Usage:
    """Our Usage from an OpenAI usage object (cached inside prompt, reasoning inside completion, never more)."""
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    prompt_details = prompt_details if isinstance(prompt_details, Mapping) else {}
    completion_details = completion_details if isinstance(completion_details, Mapping) else {}
    prompt, completion = token_count(raw.get("prompt_tokens")), token_count(raw.get("completion_tokens"))
    return Usage(
        input_tokens=prompt,
        output_tokens=completion,
        cached_tokens=min(token_count(prompt_details.get("cached_tokens")), prompt),
        reasoning_tokens=min(token_count(completion_details.get("reasoning_tokens")), completion),
        estimated=False,
        reported_cost=reported_cost(raw.get("cost")),
    )


def reported_cost(value: Any) -> Decimal | None:
    """A provider's reported cost in dollars; anything but a finite number from 0 up counts as none."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        cost = Decimal(str(value))
    except ArithmeticError:
        return None
    return cost if cost.is_finite() and cost >= 0 else None


def token_count(value: Any) -> int:
    """A reported token count as a whole number from 0 up; a negative or unreadable one counts as 0."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError, OverflowError):
        return 0


def reasoning_text(delta: Mapping[str, Any]) -> str:
    """The thinking a delta carries, in whichever field the server uses (one field, never two copies).

    `reasoning_content` is DeepSeek's, vLLM's and llama.cpp's; `reasoning` OpenRouter's and Ollama's;
    `reasoning_details` OpenRouter's list of typed parts, sent beside `reasoning` or alone.
    """
    for name in ("reasoning_content", "reasoning"):
        value = delta.get(name)
        if isinstance(value, str) and value:
            return value
    details = delta.get("reasoning_details")
    if not isinstance(details, list):
        return ""
    parts = []
    for detail in details:
        if isinstance(detail, Mapping):
            value = detail.get("text") or detail.get("summary")
            if isinstance(value, str):
                parts.append(value)
    return "".join(parts)


def piece_events(pieces: list[Piece]) -> list[StreamEvent]:
    """Events for the content pieces the think-tag splitter told apart."""
    return [TextDelta(text) if kind == "answer" else ReasoningDelta(text) for kind, text in pieces]


async def sse_chunks(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """Decode server-sent events into JSON objects until `[DONE]`; an error event raises."""
    data: list[str] = []
    async for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
            continue
        if line or not data:
            continue
        payload = "\n".join(data)
        data.clear()
        if payload == "[DONE]":
            return
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise ProviderFailure.malformed() from None
        if not isinstance(chunk, dict):
            raise ProviderFailure.malformed()
        if "error" in chunk:
            raise error_event(chunk)
        yield chunk
    if data and "\n".join(data) != "[DONE]":
        raise ProviderFailure.malformed()


class ProviderClient:
    """Talks to one OpenAI-compatible endpoint; retries are the caller's, so the SDK makes none."""

    def __init__(
        self,
        name: str,
        provider: ProviderSettings,
        *,
        base_url: str,
        api_key: str | None,
        network: NetworkSettings | None = None,
    ) -> None:
        self.name = name
        self.provider = provider
        self.base_url = base_url
        self._api_key = api_key
        remember_secret(api_key)
        self._network = network or NetworkSettings()
        self._client: Any = None

    def __repr__(self) -> str:
        return f"ProviderClient({self.name!r}, base_url={self.base_url!r})"

    def _sdk(self) -> Any:
        """The AsyncOpenAI client, created on first use."""
        if self._client is None:
            import openai

            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self._api_key or PLACEHOLDER_KEY,
                max_retries=0,
                timeout=openai.Timeout(
                    connect=self._network.connect_timeout,
                    read=self._network.stall_timeout,
                    write=30.0,
                    pool=30.0,
                ),
                default_headers=dict(self.provider.headers) or None,
            )
        return self._client

    async def stream_chat(
        self, model: str, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream one chat completion as events; failures raise ProviderFailure.

        The SDK makes the request (auth, headers, typed HTTP errors) but its per-chunk model
        building costs about 200 µs a chunk, so the SSE body is read and decoded here instead.
        """
        client = self._sdk()
        if self.provider.reports_cost:
            params = {**params, "extra_body": {**(params.get("extra_body") or {}), "usage": {"include": True}}}
        finish_reason: str | None = None
        saw_choice = False
        splitter = ThinkTagSplitter()
        if logger.isEnabledFor(logging.DEBUG):
            size = sum(len(str(message.get("content") or "")) for message in messages)
            logger.debug(
                "chat request: provider=%s model=%r messages=%d characters=%d", self.name, model, len(messages), size
            )
        try:
            async with client.chat.completions.with_streaming_response.create(
                model=model,
                messages=list(messages),
                stream=True,
                stream_options={"include_usage": True},
                **params,
            ) as response:
                async for chunk in sse_chunks(response.iter_lines()):
                    usage = chunk.get("usage")
                    if usage:
                        reported = usage_from_dict(usage)
                        response_id = chunk.get("id")
                        if isinstance(response_id, str):
                            reported = dataclasses.replace(reported, response_id=response_id[:200])
                        yield UsageReport(reported)
                    for choice in chunk.get("choices") or ():
                        saw_choice = True
                        delta = choice.get("delta") or {}
                        thinking = reasoning_text(delta)
                        if thinking:
                            yield ReasoningDelta(thinking)
                        content = delta.get("content")
                        if content:
                            for event in piece_events(splitter.feed(content)):
                                yield event
                        for call in delta.get("tool_calls") or ():
                            yield tool_call_delta(call)
                        if choice.get("finish_reason"):
                            finish_reason = choice["finish_reason"]
        except ProviderFailure as failure:
            log_failure(self.name, failure)
            raise
        except Exception as exc:
            raise log_failure(self.name, translate_error(exc), exc) from None
        for event in piece_events(splitter.flush()):
            yield event
        if not saw_choice and finish_reason is None:
            raise log_failure(self.name, ProviderFailure.empty_choices())
        logger.debug("chat reply finished: provider=%s finish_reason=%s", self.name, finish_reason)
        yield StreamFinished(finish_reason)

    async def list_models(self) -> list[str]:
        """The model ids the endpoint offers (GET /models)."""
        try:
            page = await self._sdk().models.list()
        except Exception as exc:
            raise translate_error(exc) from None
        return sorted(model.id for model in page.data)

    async def aclose(self) -> None:
        """Close the HTTP connections, if any were opened."""
        if self._client is not None:
            await self._client.close()
            self._client = None


def tool_call_delta(call: Any) -> ToolCallDelta:
    """A piece of a streamed tool call; pieces of one call share its index and are joined by the tool loop."""
    call = call if isinstance(call, Mapping) else {}
    function = call.get("function")
    function = function if isinstance(function, Mapping) else {}
    index = call.get("index")
    arguments = function.get("arguments")
    return ToolCallDelta(
        index if isinstance(index, int) else 0,
        call.get("id") if isinstance(call.get("id"), str) else None,
        function.get("name") if isinstance(function.get("name"), str) else None,
        arguments if isinstance(arguments, str) else "",
    )


def log_failure(provider: str, failure: ProviderFailure, cause: BaseException | None = None) -> ProviderFailure:
    """Note a failed request in the debug log (when it is on) and return the failure."""
    logger.info(
        "request failed: provider=%s kind=%s status=%s: %s",
        provider,
        failure.kind,
        failure.status,
        failure,
        exc_info=cause if cause is not None and logger.isEnabledFor(logging.DEBUG) else None,
    )
    return failure
