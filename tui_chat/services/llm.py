"""One AsyncOpenAI client per provider, turning the SDK's stream into typed events.

`openai` is imported on first use, never at start-up: it alone takes most of a second.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from tui_chat.config import NetworkSettings, ProviderSettings
from tui_chat.core.models import Usage
from tui_chat.services.errors import ProviderFailure, translate_error
from tui_chat.services.events import StreamEvent, StreamFinished, TextDelta, UsageReport

PLACEHOLDER_KEY = "no-key-needed"


def usage_from_chunk(raw: Any) -> Usage:
    """Our Usage from an OpenAI usage object (cached inside prompt, reasoning inside completion)."""
    prompt_details = getattr(raw, "prompt_tokens_details", None)
    completion_details = getattr(raw, "completion_tokens_details", None)
    return Usage(
        input_tokens=raw.prompt_tokens or 0,
        output_tokens=raw.completion_tokens or 0,
        cached_tokens=(getattr(prompt_details, "cached_tokens", None) or 0),
        reasoning_tokens=(getattr(completion_details, "reasoning_tokens", None) or 0),
        estimated=False,
    )


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
        self, model: str, messages: Sequence[Mapping[str, str]], **params: Any
    ) -> AsyncIterator[StreamEvent]:
        """Stream one chat completion as events; failures raise ProviderFailure."""
        client = self._sdk()
        try:
            stream = await client.chat.completions.create(
                model=model,
                messages=list(messages),
                stream=True,
                stream_options={"include_usage": True},
                **params,
            )
        except Exception as exc:
            raise translate_error(exc) from None
        finish_reason: str | None = None
        saw_choice = False
        try:
            async with stream:
                async for chunk in stream:
                    if chunk.usage is not None:
                        yield UsageReport(usage_from_chunk(chunk.usage))
                    for choice in chunk.choices:
                        saw_choice = True
                        content = choice.delta.content if choice.delta else None
                        if content:
                            yield TextDelta(content)
                        if choice.finish_reason:
                            finish_reason = choice.finish_reason
        except ProviderFailure:
            raise
        except Exception as exc:
            raise translate_error(exc) from None
        if not saw_choice and finish_reason is None:
            raise ProviderFailure.empty_choices()
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


def describe_body(body: object) -> str:
    """A short, plain rendering of a server's error body."""
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            return str(error.get("message") or json.dumps(error)[:300])
        return str(error)[:300]
    return str(body)[:300] if body else ""
