"""What sending the draft now would cost, kept up to date per keystroke without recounting history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tui_chat.core import pricing, tokens
from tui_chat.core.models import Usage
from tui_chat.services.providers import ProviderRegistry


@dataclass(frozen=True, slots=True)
class PromptEstimate:
    """The prompt the next request would send: its size, its input cost and the room left."""

    prompt_tokens: tokens.TokenCount
    draft_tokens: tokens.TokenCount
    input_cost: Decimal | None
    context_window: int | None


class DraftEstimator:
    """Counts the conversation once and only the draft on each keystroke."""

    def __init__(self, registry: ProviderRegistry) -> None:
        self.registry = registry
        self._counter = tokens.DraftCounter()
        self._provider = ""
        self._model = ""
        self._window: int | None = None

    @property
    def ready(self) -> bool:
        """Whether a conversation has been set, so estimates can be made."""
        return bool(self._model)

    def set_conversation(self, provider: str, model: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """The provider, model and messages that the draft would be appended to."""
        if (provider, model) != (self._provider, self._model):
            self._provider, self._model = provider, model
            self._counter.set_model(model)
            self._window = pricing.context_window(self.registry.ref(provider), model)
        self._counter.set_history(list(messages))

    def estimate(self, draft: str, attached: int = 0) -> PromptEstimate:
        """The size and input cost of sending `draft` now, with attachments adding `attached` tokens."""
        counted = self._counter.count(draft)
        prompt = tokens.TokenCount(counted.tokens + attached, counted.exact and not attached)
        history = self._counter.history_tokens
        draft_tokens = tokens.TokenCount(max(0, prompt.tokens - history), prompt.exact)
        usage = Usage(input_tokens=prompt.tokens, estimated=True)
        price = pricing.price_usage(
            self.registry.ref(self._provider), self._model, usage, self.registry.price_overrides
        )
        return PromptEstimate(prompt, draft_tokens, price.cost, self._window)
