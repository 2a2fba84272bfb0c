"""The sidebar's estimate of the next request: the tokenizer loads off the loop, then follows the conversation and the draft."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.services.estimate import DraftEstimator


class DraftEstimates:
    """Keeps the draft estimator of the chat screen fed with the conversation and shows what the draft costs."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self.estimator: DraftEstimator | None = None
        """None until the SDK, prices and tokenizer are loaded."""

    def warm_up(self) -> None:
        """Import the SDK, prices and tokenizer (in a thread), then start estimating."""
        from tui_chat.services.estimate import DraftEstimator
        from tui_chat.services.warmup import warm_up

        screen = self.screen
        warm_up(screen.services.target.model)
        estimator = DraftEstimator(screen.services.registry)
        if screen.chat_app.freeze_gc:
            gc.freeze()  # see ChatApp: the SDK, prices and tokenizer stay loaded for good
        screen.app.call_from_thread(self._ready, estimator)

    def _ready(self, estimator: DraftEstimator) -> None:
        self.estimator = estimator
        self.screen.refresh_estimate_history()

    async def load_history(self) -> None:
        """Give the estimator the messages the next request would carry."""
        if self.estimator is None:
            return
        from tui_chat.services.prompt_building import prompt_messages

        screen = self.screen
        conversation = screen.conversation
        target = conversation or screen.services.target
        history = []
        if conversation is not None:
            conversations = await screen.conversations()
            files = await conversations.attachments(conversation.id)
            history = prompt_messages(conversation, await conversations.messages(conversation.id), files)
        self.estimator.set_conversation(target.provider, target.model, history)
        self.show()

    def show(self) -> None:
        """Show the draft's token count and cost for the text in the prompt box."""
        if self.estimator is None or not self.estimator.ready:
            return
        draft = self.screen.query_one(PromptInput).text
        self.screen.attach.offer_pasted(draft)
        attached = self.screen.attach.tokens()
        self.screen.query_one(UsageSidebar).show_estimate(
            self.estimator.estimate(draft, attached), bool(draft or attached)
        )
