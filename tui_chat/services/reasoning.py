"""Reasoning effort on the wire: which parameter a provider takes, and a clear message when it takes none."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tui_chat.config import ProviderSettings
from tui_chat.core import tokens
from tui_chat.core.models import Usage, UsageRecord
from tui_chat.services.errors import ProviderFailure

if TYPE_CHECKING:
    from tui_chat.services.providers import ProviderRegistry

EFFORTS = ("off", "minimal", "low", "medium", "high")
"""The efforts a conversation can ask for, least first; no effort (None) leaves the provider's default."""

EFFORT_HINT = (
    "This model does not take a reasoning effort: press F2 and set Reasoning effort to 'default',"
    " or pick a reasoning model."
)
EFFORT_CLI_HINT = (
    "This model does not take a reasoning effort: set it to 'default' in the conversation's settings (F2)."
)


def reasoning_style(provider: ProviderSettings) -> str:
    """How the provider takes an effort: 'openrouter' (`reasoning: {effort}`), 'openai' (`reasoning_effort`) or 'none'."""
    if provider.reasoning_style is not None:
        return provider.reasoning_style
    if provider.base_url is not None and "openrouter.ai" in provider.base_url:
        return "openrouter"
    return "openai"


def offers_effort(provider: ProviderSettings | None) -> bool:
    """Whether a reasoning effort can be chosen for the provider's conversations."""
    return provider is not None and reasoning_style(provider) != "none"


def effort_params(effort: str | None, provider: ProviderSettings | None) -> dict[str, Any]:
    """The request parameters that ask for `effort` in the provider's style; none for the default."""
    if effort is None or effort not in EFFORTS or not offers_effort(provider):
        return {}
    assert provider is not None
    if reasoning_style(provider) == "openrouter":
        # Not a parameter the SDK knows: it goes in the body as it is.
        return {"extra_body": {"reasoning": {"enabled": False} if effort == "off" else {"effort": effort}}}
    return {"reasoning_effort": "none" if effort == "off" else effort}


def explain_rejected_effort(failure: Exception, params: dict[str, Any]) -> None:
    """Give a 400 about the effort parameter a hint that names the setting to change (in place)."""
    if not isinstance(failure, ProviderFailure) or failure.status != 400:
        return
    sent = [
        name for name in ("reasoning_effort", "reasoning") if name in params or name in params.get("extra_body", {})
    ]
    if sent and any(name in failure.detail for name in sent):
        failure.hint = EFFORT_HINT
        failure.cli_hint = EFFORT_CLI_HINT


def estimate_with_thinking(model: str, messages: Sequence[Mapping[str, str]], text: str, thinking: str) -> Usage:
    """The usage of a reply whose server reported none: the thinking counts as output, and as reasoning."""
    usage = tokens.estimate_usage(model, messages, text)
    if not thinking:
        return usage
    reasoning = tokens.count_text(model, thinking).tokens
    return dataclasses.replace(usage, output_tokens=usage.output_tokens + reasoning, reasoning_tokens=reasoning)


def with_estimated_reasoning(model: str, usage: Usage, thinking: str) -> Usage:
    """A reported usage that hides its reasoning tokens, with them estimated from the thinking (within the output)."""
    reasoning = min(tokens.count_text(model, thinking).tokens, usage.output_tokens)
    return dataclasses.replace(usage, reasoning_tokens=reasoning)


def thinking_figures(registry: ProviderRegistry, record: UsageRecord) -> tuple[int, str]:
    """A reply's reasoning tokens and what they cost (billed as output), as the folded Thinking line shows them."""
    from tui_chat.core.pricing import format_money, price_usage

    reasoning = record.usage.reasoning_tokens
    if not reasoning:
        return 0, ""
    price = price_usage(
        registry.ref(record.provider), record.model, Usage(output_tokens=reasoning), registry.price_overrides
    )
    return reasoning, ("≈" if record.usage.estimated else "") + format_money(price.cost)
