"""From the chat screen to a comparison and back: the setup dialog, the stored prompt, the compare screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.core.errors import TuiChatError
from tui_chat.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui_chat.core.models import Conversation
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.compare_setup import CompareRequest


class CompareLauncher:
    """Opens compare mode for the chat screen's prompt box and shows the conversation once it is over."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    async def open(self) -> None:
        """Ask for the models (the prompt is the box's text), then compare them."""
        from tui_chat.screens.compare_setup import CompareSetupScreen

        screen = self.screen
        prompt = screen.query_one(PromptInput).text
        if not prompt.strip():
            screen.notify("Type the prompt first, then press F6 to send it to several models.", markup=False)
            return
        if screen.streaming_here():
            screen.notify("A reply is streaming here: wait for it or stop it first.", markup=False)
            return
        target = screen.conversation or screen.services.target
        current = f"{target.provider}/{target.model}"
        models = [current, *await self.candidates()]

        async def chosen(request: CompareRequest | None) -> None:
            if request is not None:
                await screen.replies.within_budget(lambda confirmed: self.start(prompt, request, confirmed))
            else:
                screen.query_one(PromptInput).focus()

        screen.app.push_screen(CompareSetupScreen(prompt, models, [current]), chosen)

    async def candidates(self) -> list[str]:
        """The configured and recent models of every provider that can be used now (a key, or none needed)."""
        from tui_chat.services.models_catalog import fallback_models
        from tui_chat.services.providers import MissingKeyError

        registry = self.screen.services.registry
        conversations = await self.screen.conversations()
        found: list[str] = []
        for name in registry.providers:
            try:
                await registry.client(name)
            except MissingKeyError:
                continue
            except Exception:  # an unreachable provider still offers its models; its pane will say why
                pass
            recent = await conversations.recent_models(name)
            found.extend(f"{name}/{model}" for model, _ in fallback_models(registry, name, recent))
        return found

    async def start(self, prompt: str, request: CompareRequest, confirmed: bool = False) -> None:
        """Save the prompt (in a new conversation if none is shown) and open the compare screen.

        `confirmed` says the user chose to send although a budget is used up.
        """
        from tui_chat.screens.compare import CompareScreen
        from tui_chat.services.compare import CompareService, Contender

        screen = self.screen
        try:
            contenders = [Contender.parse(model) for model in request.models]
            conversations = await screen.conversations()
            conversation = screen.conversation
            if conversation is None:
                first = contenders[0]
                await conversations.check_budget(confirmed=confirmed)
                conversation = await conversations.create(
                    provider=first.provider, model=first.model, system_prompt=screen.new_system_prompt
                )
            service = CompareService(await screen.services.session())
            comparison = await service.start(conversation, prompt, contenders, blind=request.blind, confirmed=confirmed)
        except TuiChatError as exc:
            screen.chat_app.show_error(exc)
            return
        screen.query_one(PromptInput).clear()

        async def ended(picked: Conversation | None) -> None:
            await screen.open_conversation(comparison.conversation.id)
            screen.query_one(PromptInput).focus()

        screen.app.push_screen(CompareScreen(service, comparison, confirmed=confirmed), ended)
