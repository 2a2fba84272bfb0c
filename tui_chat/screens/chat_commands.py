"""The chat screen's dialogs over conversations: presets, delete, search, model, settings and versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui_chat.core.models import Role
from tui_chat.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.conversation_settings import ConversationSettings
    from tui_chat.screens.model_picker import ModelChoice
    from tui_chat.services.models_catalog import ModelListing
    from tui_chat.widgets.conversation_list import ConversationList

COMMAND_BINDINGS = [
    Binding("ctrl+o", "toggle_conversations", "Chats", show=True, id="chat.conversations"),
    Binding("ctrl+f", "search", "Search", show=True, id="chat.search"),
    Binding("ctrl+l", "pick_model", "Model", show=True, id="chat.model"),
    Binding("f2", "conversation_settings", "Settings", show=False, id="chat.settings"),
    Binding("alt+left", "alternative(-1)", "Older alternative", show=False, id="chat.alternative_previous"),
    Binding("alt+right", "alternative(1)", "Newer alternative", show=False, id="chat.alternative_next"),
]


class ChatCommands:
    """Asks what to do in a dialog, does it through the conversation service, and updates the chat screen."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    def jump_to_new_text(self) -> None:
        """Jump down to the text that arrived below (in the prompt, End first reaches the end of the line)."""
        from textual.actions import SkipAction

        from tui_chat.widgets.chat_pane import ChatPane, NewTextMarker
        from tui_chat.widgets.prompt_input import PromptInput

        screen = self.screen
        prompt = screen.query_one(PromptInput)
        at_line_end = screen.focused is not prompt or prompt.cursor_location == prompt.get_cursor_line_end_location()
        if not screen.query_one(NewTextMarker).display or not at_line_end:
            raise SkipAction()
        screen.query_one(ChatPane).anchor()

    async def compare(self) -> None:
        """Open compare mode's setup for the prompt box's text."""
        from tui_chat.screens.compare_launch import CompareLauncher

        await CompareLauncher(self.screen).open()

    async def show_list(self) -> ConversationList:
        """Show the conversation list, building and filling it the first time.

        It is built on demand, not composed with the screen: a hidden list still cost a noticeable
        part of the first frame (its widgets, and the CSS of their classes parsed at first mount).
        """
        screen = self.screen
        listing = screen.conversation_list()
        if listing is None:
            from tui_chat.widgets.conversation_list import ConversationList

            listing = ConversationList(screen.conversations, id="conversations")
            await screen.query_one("#main").mount(listing, before=0)
            screen.refresh_conversation_list()
        listing.display = True
        return listing

    async def toggle_list(self) -> None:
        """Show the conversation list and focus it, or hide it."""
        listing = self.screen.conversation_list()
        if listing is not None and listing.display and listing.has_focus:
            listing.display = False
            self.screen.query_one(PromptInput).focus()
        else:
            (await self.show_list()).focus()

    async def toggle_archived(self) -> None:
        """Switch the list between active and archived conversations, and show it."""
        listing = await self.show_list()
        listing.showing_archived = not listing.showing_archived
        self.screen.refresh_conversation_list()
        listing.focus()
        shown = "archived conversations (a brings one back)" if listing.showing_archived else "active conversations"
        self.screen.notify(f"Showing {shown}; v switches.", markup=False)

    async def new_chat(self) -> None:
        """Start a new conversation; with presets configured, pick one (or none) first."""
        if self.screen.services.settings.presets:
            self.offer_presets()
        else:
            await self.screen.action_new_conversation()

    def new_from_preset(self) -> None:
        """Start a new conversation whose system prompt is one of the configured presets."""
        if not self.screen.services.settings.presets:
            self.screen.notify("No presets yet: add named system prompts under [presets] in config.toml.", markup=False)
            return
        self.offer_presets()

    def offer_presets(self) -> None:
        """Ask which preset the new conversation starts with; Esc keeps the current conversation."""
        from tui_chat.screens.choice_picker import Choice, ChoicePickerScreen, first_line

        screen = self.screen
        presets = dict(screen.services.settings.presets)
        names = list(presets)
        choices = [Choice("No preset", "the model's own defaults")]
        choices += [Choice(name, first_line(presets[name])) for name in names]

        async def chosen(index: int | None) -> None:
            if index is None:
                return
            if index == 0:
                await screen.action_new_conversation()
                return
            name = names[index - 1]
            await screen.action_new_conversation(system_prompt=presets[name])
            screen.notify(f"New chat with the preset “{name}”.", markup=False)

        screen.app.push_screen(ChoicePickerScreen("New chat: start from a preset?", choices), chosen)

    async def delete(self, conversation_id: int) -> None:
        """Delete a listed conversation, after asking (not while a reply streams there)."""
        from tui_chat.screens.confirm import ConfirmScreen

        screen = self.screen
        conversations = await screen.conversations()
        conversation = await conversations.get(conversation_id)
        if conversation is None or conversation_id in screen.replies.exchanges:
            screen.notify("A reply is streaming there; cancel it first.", severity="warning", markup=False)
            return

        async def delete(confirmed: bool | None) -> None:
            if not confirmed:
                return
            await conversations.delete(conversation_id)
            if screen.conversation is not None and screen.conversation.id == conversation_id:
                await screen.action_new_conversation()
            else:
                screen.mutate_reactive(type(screen).conversation)

        question = f"Delete “{conversation.title or 'Untitled'}”? Its messages are removed; its spending stays counted."
        screen.app.push_screen(ConfirmScreen(question), delete)

    async def search(self) -> None:
        """Search every message and open the conversation at the match."""
        from tui_chat.screens.search import SearchScreen

        conversations = await self.screen.conversations()

        async def opened(found: tuple[int, int] | None) -> None:
            if found is not None:
                await self.screen.open_conversation(found[0], at_message_id=found[1])

        self.screen.app.push_screen(SearchScreen(conversations.search), opened)

    async def pick_model(self) -> None:
        """Choose the provider and model for this conversation (or the next one); the prompt has the keys after."""
        from tui_chat.screens.cache_miss import switch_when_confirmed
        from tui_chat.screens.model_picker import ModelPickerScreen
        from tui_chat.services.models_catalog import usable_listings

        screen = self.screen
        target = screen.conversation or screen.services.target
        conversations = await screen.conversations()
        registry = screen.services.registry
        providers = [target.provider, *(name for name in registry.providers if name != target.provider)]

        async def load() -> AsyncIterator[ModelListing]:
            recent = {name: await conversations.recent_models(name) for name in providers}
            async for listing in usable_listings(registry, providers, recent):
                yield listing

        async def chosen(choice: ModelChoice | None) -> None:
            screen.query_one(PromptInput).focus()
            if choice is not None:
                await switch_when_confirmed(self, choice.provider, choice.model)

        picker = ModelPickerScreen(load, provider=target.provider, current_model=target.model, provider_order=providers)
        screen.app.push_screen(picker, chosen)

    async def switch_model(self, provider: str, model: str) -> None:
        """Use `provider` and `model` from the next message on; each message keeps the model that wrote it."""
        from tui_chat.services.providers import Target

        screen = self.screen
        if screen.conversation is not None:
            screen.conversation = await (await screen.conversations()).set_model(
                screen.conversation.id, provider, model
            )
        else:
            screen.services.target = Target(provider, model)
            screen.mutate_reactive(type(screen).conversation)
        screen.notify(f"Next messages go to {provider} · {model}.", title="Model switched", markup=False)

    async def use_command_line_target(self) -> None:
        """Move the resumed conversation to the provider and model given on the command line, and say so."""
        screen = self.screen
        target, conversation = screen.services.target, screen.conversation
        if conversation is None or (conversation.provider, conversation.model) == (target.provider, target.model):
            return
        conversations = await screen.conversations()
        screen.conversation = await conversations.set_model(conversation.id, target.provider, target.model)
        screen.notify(
            f"Next messages go to {target.provider} / {target.model}, as given on the command line"
            f" (this conversation used {conversation.provider} / {conversation.model}).",
            title="Model switched",
            markup=False,
        )

    def conversation_settings(self) -> None:
        """Edit this conversation's system prompt, temperature and reply length."""
        from tui_chat.core.pricing import context_window
        from tui_chat.screens.cache_miss import system_prompt_note
        from tui_chat.screens.conversation_settings import ConversationSettings, ConversationSettingsScreen
        from tui_chat.services.reasoning import offers_effort

        screen = self.screen
        conversation = screen.conversation
        if conversation is None:
            screen.notify("Send a first message, then set this conversation up.", markup=False)
            return
        current = ConversationSettings(
            conversation.system_prompt,
            conversation.temperature,
            conversation.max_tokens,
            conversation.reasoning_effort,
            conversation.budget,
        )
        limit = context_window(screen.services.registry.ref(conversation.provider), conversation.model)

        async def saved(settings: ConversationSettings | None) -> None:
            if settings is None:
                return
            conversations = await screen.conversations()
            note = system_prompt_note(screen, conversation.system_prompt, settings.system_prompt)
            await conversations.set_budget(conversation.id, settings.budget)
            screen.conversation = await conversations.update_settings(
                conversation.id,
                system_prompt=settings.system_prompt,
                temperature=settings.temperature,
                max_tokens=settings.max_tokens,
            )
            if settings.reasoning_effort != conversation.reasoning_effort:
                screen.conversation = await conversations.set_reasoning_effort(
                    conversation.id, settings.reasoning_effort
                )
            screen.notify("Conversation settings saved." + note, markup=False)

        settings_screen = ConversationSettingsScreen(
            current,
            model=conversation.model,
            max_tokens_limit=limit,
            presets=screen.services.settings.presets,
            offer_effort=offers_effort(screen.services.registry.providers.get(conversation.provider)),
        )
        screen.app.push_screen(settings_screen, saved)

    async def alternative(self, step: int) -> None:
        """Show the previous or next regenerated version of the last reply."""
        screen = self.screen
        reply = await screen.messages.last_message(Role.ASSISTANT)
        if reply is None or screen.conversation is None:
            return
        shown = await (await screen.conversations()).show_alternative(reply.id, step)
        if shown is None:
            screen.notify("This reply has no other versions; ctrl+r makes one.", markup=False)
            return
        await screen.open_conversation(screen.conversation.id)
        screen.notify(f"Version {shown.position} of {shown.count}.", markup=False)
