"""Before a model switch on a long conversation, say what the next send re-bills with no prompt cache to read.

A provider's prompt cache belongs to one model, so the first message after a switch sends the whole
history again at the full input price: the confirm line names the tokens and the dollars first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.chat_commands import ChatCommands

LONG_CONVERSATION_TOKENS = 10_000
"""From this many tokens of history on, a switch asks first; a short conversation switches at once."""


def resend_question(screen: ChatScreen, provider: str, model: str) -> str | None:
    """The question to ask before switching to `model`, None when the switch costs too little to ask."""
    from tui_chat.core.pricing import format_money
    from tui_chat.services.cost_report import uncached_cost

    conversation, estimator = screen.conversation, screen.estimates.estimator
    if conversation is None or estimator is None or not estimator.ready:
        return None
    if (conversation.provider, conversation.model) == (provider, model):
        return None
    history = estimator.estimate("").prompt_tokens.tokens
    if history < LONG_CONVERSATION_TOKENS:
        return None
    cost = uncached_cost(screen.services.registry, provider, model, history)
    return (
        f"Switching to {provider} · {model}: the next message re-sends {history:,} tokens uncached"
        f" ≈ {format_money(cost)}.\nSwitch model?"
    )


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
