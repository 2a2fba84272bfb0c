"""Load the slow modules after the first frame, in a thread, so the first request does not wait."""

from __future__ import annotations


def warm_up(model: str) -> None:
    """Import the SDK, the price data and the model's tokenizer."""
    import openai  # noqa: F401

    from tui_chat.core import pricing, tokens

    tokens.preload(model)
    pricing.format_money(None)
