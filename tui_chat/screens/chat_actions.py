"""The chat screen's everyday actions: the conversation list, presets, search, model and settings.

Handlers here are found by name (on_conversation_list_...), since Textual's @on decorator only
registers handlers of classes built by its metaclass, which a mixin is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from tui_chat.core.models import Role
from tui_chat.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.conversation_settings import ConversationSettings
    from tui_chat.widgets.conversation_list import ConversationList

ACTION_BINDINGS = [
    Binding("ctrl+o", "toggle_conversations", "Chats", show=True, id="chat.conversations"),
    Binding("ctrl+f", "search", "Search", show=True, id="chat.search"),
    Binding("ctrl+l", "pick_model", "Model", show=True, id="chat.model"),
    Binding("f2", "conversation_settings", "Settings", show=False, id="chat.settings"),
    Binding("alt+left", "alternative(-1)", "Older alternative", show=False, id="chat.alternative_previous"),
    Binding("alt+right", "alternative(1)", "Newer alternative", show=False, id="chat.alternative_next"),
]


class ChatActions:
    """Conversation management, presets, search, model and settings, mixed into ChatScreen."""

    @work(exclusive=True, group="conversation-list", exit_on_error=False)
    async def refresh_conversation_list(self: ChatScreen) -> None:
        """Reload the conversation list (newest first) with the current one highlighted."""
        repository = await self.services.repository()
        summaries = await repository.conversation_summaries(archived=self.show_archived)
        current = self.conversation.id if self.conversation else None
        listing = self.conversation_list()
        if listing is not None:
            listing.show(summaries, current)

    def conversation_list(self: ChatScreen) -> ConversationList | None:
        """The conversation list, or None until it is first shown."""
        return next(iter(self.query("#conversations")), None)

    async def show_conversation_list(self: ChatScreen) -> ConversationList:
        """Show the conversation list, building and filling it the first time.

        It is built on demand, not composed with the screen: a hidden list still cost about 80 ms
        of the first frame (its widgets, and the CSS of their classes parsed at first mount).
        """
        listing = self.conversation_list()
        if listing is None:
            from tui_chat.widgets.conversation_list import ConversationList

            listing = ConversationList(id="conversations")
            await self.query_one("#main").mount(listing, before=0)
            self.refresh_conversation_list()
        listing.display = True
        return listing

    async def action_toggle_conversations(self: ChatScreen) -> None:
        """Show the conversation list and focus it, or hide it."""
        listing = self.conversation_list()
        if listing is not None and listing.display and listing.has_focus:
            listing.display = False
            self.query_one(PromptInput).focus()
        else:
            listing = await self.show_conversation_list()
            listing.focus()

    async def action_toggle_archived(self: ChatScreen) -> None:
        """Switch the list between active and archived conversations, and show it."""
        self.show_archived = not self.show_archived
        self.refresh_conversation_list()
        listing = await self.show_conversation_list()
        listing.focus()
        shown = "archived conversations (a brings one back)" if self.show_archived else "active conversations"
        self.notify(f"Showing {shown}; v switches.", markup=False)

    async def on_conversation_list_archived_view_toggled(self: ChatScreen) -> None:
        await self.action_toggle_archived()

    async def on_conversation_list_selected(self: ChatScreen, event: ConversationList.Selected) -> None:
        await self.open_conversation(event.conversation_id)
        self.query_one(PromptInput).focus()

    async def on_conversation_list_new_requested(self: ChatScreen) -> None:
        await self.action_new_chat()

    async def action_new_chat(self: ChatScreen) -> None:
        """Start a new conversation; with presets configured, pick one (or none) first."""
        if self.services.settings.presets:
            self.offer_presets()
        else:
            await self.action_new_conversation()

    async def action_new_from_preset(self: ChatScreen) -> None:
        """Start a new conversation whose system prompt is one of the configured presets."""
        if not self.services.settings.presets:
            self.notify("No presets yet: add named system prompts under [presets] in config.toml.", markup=False)
            return
        self.offer_presets()

    def offer_presets(self: ChatScreen) -> None:
        """Ask which preset the new conversation starts with; Esc keeps the current conversation."""
        from tui_chat.screens.choice_picker import Choice, ChoicePickerScreen, first_line

        presets = dict(self.services.settings.presets)
        names = list(presets)
        choices = [Choice("No preset", "the model's own defaults")]
        choices += [Choice(name, first_line(presets[name])) for name in names]

        async def chosen(index: int | None) -> None:
            if index is None:
                return
            if index == 0:
                await self.action_new_conversation()
                return
            name = names[index - 1]
            await self.action_new_conversation(system_prompt=presets[name])
            self.notify(f"New chat with the preset “{name}”.", markup=False)

        self.app.push_screen(ChoicePickerScreen("New chat: start from a preset?", choices), chosen)

    async def on_conversation_list_rename_requested(self: ChatScreen, event: ConversationList.RenameRequested) -> None:
        from tui_chat.screens.rename import TextPromptScreen

        repository = await self.services.repository()
        conversation = await repository.get_conversation(event.conversation_id)
        if conversation is None:
            return

        async def rename(title: str | None) -> None:
            if title:
                await repository.set_title(conversation.id, title)
                self.refresh_conversation_list()

        self.app.push_screen(TextPromptScreen("Rename conversation", conversation.title), rename)

    async def on_conversation_list_archive_toggled(self: ChatScreen, event: ConversationList.ArchiveToggled) -> None:
        repository = await self.services.repository()
        await repository.set_archived(event.conversation_id, event.archive)
        self.notify("Archived." if event.archive else "Back from the archive.", markup=False)
        self.refresh_conversation_list()

    async def on_conversation_list_delete_requested(self: ChatScreen, event: ConversationList.DeleteRequested) -> None:
        from tui_chat.screens.confirm import ConfirmScreen

        repository = await self.services.repository()
        conversation = await repository.get_conversation(event.conversation_id)
        if conversation is None or conversation.id in self._live:
            self.notify("A reply is streaming there; cancel it first.", severity="warning", markup=False)
            return

        async def delete(confirmed: bool | None) -> None:
            if not confirmed:
                return
            await repository.delete_conversation(conversation.id)
            if self.conversation is not None and self.conversation.id == conversation.id:
                await self.action_new_conversation()
            self.refresh_conversation_list()
            await self.refresh_spend()

        question = f"Delete “{conversation.title or 'Untitled'}”? Its messages are removed; its spending stays counted."
        self.app.push_screen(ConfirmScreen(question), delete)

    async def action_search(self: ChatScreen) -> None:
        """Search every message and open the conversation at the match."""
        from tui_chat.screens.search import SearchScreen

        repository = await self.services.repository()

        async def opened(found: tuple[int, int] | None) -> None:
            if found is not None:
                await self.open_conversation(found[0], at_message_id=found[1])

        self.app.push_screen(SearchScreen(repository.search), opened)

    async def action_pick_model(self: ChatScreen) -> None:
        """Choose the provider and model for this conversation (or the next one); the prompt has the keys after."""
        from tui_chat.screens.model_picker import ModelChoice, ModelPickerScreen
        from tui_chat.services.models_catalog import usable_listings

        target = self.conversation or self.services.target
        repository = await self.services.repository()
        providers = [target.provider, *(name for name in self.services.registry.providers if name != target.provider)]

        async def load():
            recent = {name: await repository.recent_models(name) for name in providers}
            async for listing in usable_listings(self.services.registry, providers, recent):
                yield listing

        async def chosen(choice: ModelChoice | None) -> None:
            self.query_one(PromptInput).focus()
            if choice is not None:
                await self.switch_model(choice.provider, choice.model)

        picker = ModelPickerScreen(load, provider=target.provider, current_model=target.model, provider_order=providers)
        self.app.push_screen(picker, chosen)

    async def switch_model(self: ChatScreen, provider: str, model: str) -> None:
        """Use `provider` and `model` from the next message on; each message keeps the model that wrote it."""
        from tui_chat.services.providers import Target

        if self.conversation is not None:
            repository = await self.services.repository()
            await repository.set_conversation_model(self.conversation.id, provider, model)
            self.conversation = await repository.get_conversation(self.conversation.id)
        else:
            self.services.target = Target(provider, model)
        self._show_target(provider, model)
        self.refresh_estimate_history()
        self.refresh_conversation_list()
        self.notify(f"Next messages go to {provider} · {model}.", title="Model switched", markup=False)

    async def use_command_line_target(self: ChatScreen) -> None:
        """Move the resumed conversation to the provider and model given on the command line, and say so."""
        target, conversation = self.services.target, self.conversation
        if conversation is None or (conversation.provider, conversation.model) == (target.provider, target.model):
            return
        repository = await self.services.repository()
        await repository.set_conversation_model(conversation.id, target.provider, target.model)
        self.conversation = await repository.get_conversation(conversation.id)
        self._show_target(target.provider, target.model)
        self.refresh_estimate_history()
        self.refresh_conversation_list()
        self.notify(
            f"Next messages go to {target.provider} / {target.model}, as given on the command line"
            f" (this conversation used {conversation.provider} / {conversation.model}).",
            title="Model switched",
            markup=False,
        )

    async def action_conversation_settings(self: ChatScreen) -> None:
        """Edit this conversation's system prompt, temperature and reply length."""
        from tui_chat.core.pricing import context_window
        from tui_chat.screens.conversation_settings import ConversationSettings, ConversationSettingsScreen

        if self.conversation is None:
            self.notify("Send a first message, then set this conversation up.", markup=False)
            return
        conversation = self.conversation
        current = ConversationSettings(conversation.system_prompt, conversation.temperature, conversation.max_tokens)
        limit = context_window(self.services.registry.ref(conversation.provider), conversation.model)

        async def saved(settings: ConversationSettings | None) -> None:
            if settings is None:
                return
            repository = await self.services.repository()
            await repository.update_conversation_settings(
                conversation.id,
                system_prompt=settings.system_prompt,
                temperature=settings.temperature,
                max_tokens=settings.max_tokens,
            )
            self.conversation = await repository.get_conversation(conversation.id)
            self.refresh_estimate_history()
            self.notify("Conversation settings saved.", markup=False)

        screen = ConversationSettingsScreen(
            current, model=conversation.model, max_tokens_limit=limit, presets=self.services.settings.presets
        )
        self.app.push_screen(screen, saved)

    async def action_alternative(self: ChatScreen, step: int) -> None:
        """Show the previous or next regenerated version of the last reply."""
        reply = await self._last_message(Role.ASSISTANT)
        if reply is None:
            return
        repository = await self.services.repository()
        group = await repository.alternatives(reply.id)
        if len(group) < 2:
            self.notify("This reply has no other versions; ctrl+r makes one.", markup=False)
            return
        index = next(i for i, message in enumerate(group) if message.id == reply.id)
        chosen = group[(index + step) % len(group)]
        await repository.show_alternative(chosen.id)
        await self.open_conversation(self.conversation.id)
        position = group.index(chosen) + 1
        self.notify(f"Version {position} of {len(group)}.", markup=False)
