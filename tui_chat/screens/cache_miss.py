"""Before a model switch on a long conversation, say what the next send re-bills with no prompt cache to read.

A provider's prompt cache belongs to one model and one exact prefix, so the first message after a
switch (or a new system prompt) sends the whole history again at the full input price: the confirm
line (or the "saved" note) names the tokens and the dollars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.chat_commands import ChatCommands

LONG_CONVERSATION_TOKENS = 10_000
"""From this many tokens of history on, a switch asks first; a short conversation switches at once."""


def resend(screen: ChatScreen, provider: str, model: str) -> str | None:
    """ "N tokens uncached ≈ $X" for re-sending the conversation's history to `model`; None below the threshold."""
    from tui_chat.core.pricing import format_money
    from tui_chat.services.cost_report import uncached_cost

    estimator = screen.estimates.estimator
    if screen.conversation is None or estimator is None or not estimator.ready:
        return None
    history = estimator.estimate("").prompt_tokens.tokens
    if history < LONG_CONVERSATION_TOKENS:
        return None
    cost = uncached_cost(screen.services.registry, provider, model, history)
    return f"{history:,} tokens uncached ≈ {format_money(cost)}"


def resend_question(screen: ChatScreen, provider: str, model: str) -> str | None:
    """The question to ask before switching to `model`, None when the switch costs too little to ask."""
    conversation = screen.conversation
    if conversation is None or (conversation.provider, conversation.model) == (provider, model):
        return None
    cost = resend(screen, provider, model)
    if cost is None:
        return None
    return f"Switching to {provider} · {model}: the next message re-sends {cost}.\nSwitch model?"


def system_prompt_note(screen: ChatScreen, old: str, new: str) -> str:
    """What a changed system prompt makes the next message re-send, as a line for the "saved" note."""
    conversation = screen.conversation
    if conversation is None or old == new:
        return ""
    cost = resend(screen, conversation.provider, conversation.model)
    return "" if cost is None else f"\nA new system prompt misses the prompt cache: the next message re-sends {cost}."


async def switch_when_confirmed(commands: ChatCommands, provider: str, model: str) -> None:
    """Switch the model, after a yes when the switch re-sends a long conversation without its cache."""
    from tui_chat.screens.confirm import ConfirmScreen

    screen = commands.screen
    question = resend_question(screen, provider, model)
    if question is None:
        await commands.switch_model(provider, model)
        return

    async def answered(switch: bool | None) -> None:
        if switch:
            await commands.switch_model(provider, model)

    screen.app.push_screen(ConfirmScreen(question, yes_label="Switch", no_label="Keep model"), answered)
