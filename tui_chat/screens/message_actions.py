"""Actions on one message of the chat: the selected message, or else the last one of its kind.

A message is selected by focusing it (alt+up or shift+tab from the prompt, a click, then ↑/↓).
Handlers here are found by name (on_message_view_...), since Textual's @on decorator only
registers handlers of classes built by its metaclass, which a mixin is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui_chat.core.models import Message, Role
from tui_chat.widgets.conversation_pane import ConversationPane
from tui_chat.widgets.message_view import MessageView
from tui_chat.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.choice_picker import Choice

MESSAGE_ACTION_BINDINGS = [
    Binding("alt+up", "select_message", "Select a message", show=False, id="chat.select_message"),
    Binding("f9", "copy_message", "Copy message", show=False, id="chat.copy_reply"),
    Binding("f4", "copy_code", "Copy code block", show=False, id="chat.copy_code"),
    Binding("f3", "edit_prompt", "Edit prompt", show=False, id="chat.edit_last"),
    Binding("f8", "delete_message", "Delete message", show=False, id="chat.delete_last"),
]
"""Each acts on the selected message, or with none selected on the last reply (the last prompt for F3)."""


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A fenced or indented code block: its language (may be empty) and its text."""

    language: str
    code: str


def code_blocks(markdown: str) -> list[CodeBlock]:
    """The code blocks of a Markdown text, in order, as the Markdown widget sees them."""
    from markdown_it import MarkdownIt

    blocks = []
    for token in MarkdownIt("gfm-like").parse(markdown):
        if token.type in ("fence", "code_block"):
            words = token.info.split()
            blocks.append(CodeBlock(words[0] if words else "", token.content.rstrip("\n")))
    return blocks


def code_choice(block: CodeBlock) -> Choice:
    """A picker item for a code block: language and size, then its first line."""
    from tui_chat.screens.choice_picker import Choice, first_line

    lines = block.code.count("\n") + 1
    return Choice(f"{block.language or 'text'} · {lines} line{'s' if lines != 1 else ''}", first_line(block.code))


class MessageActions:
    """Select, copy, copy a code block of, edit and delete any message; mixed into ChatScreen."""

    def selected_view(self: ChatScreen) -> MessageView | None:
        """The message view that has the focus, if any."""
        focused = self.focused
        return focused if isinstance(focused, MessageView) else None

    async def _last_message(self: ChatScreen, role: Role | None) -> Message | None:
        """The last shown message of this conversation with that role (any role for None)."""
        if self.conversation is None:
            return None
        repository = await self.services.repository()
        messages = await repository.messages(self.conversation.id, limit=20)
        return next((message for message in reversed(messages) if role is None or message.role is role), None)

    async def _chosen_message(self: ChatScreen, role: Role | None) -> Message | None:
        """The selected message, or with none selected the last one with `role`."""
        view = self.selected_view()
        if view is None:
            return await self._last_message(role)
        if not view.message.id:
            self.notify("That message is still being written.", markup=False)
            return None
        return view.message

    def action_select_message(self: ChatScreen) -> None:
        """Select the last message on screen (or the one above the selected one)."""
        selected = self.selected_view()
        if selected is not None:
            selected.action_step(-1)
            return
        pane = self.query_one(ConversationPane)
        views = list(pane.query_children(MessageView))
        visible = [view for view in views if view.region.overlaps(pane.region)]
        if visible or views:
            (visible or views)[-1].focus()
        else:
            self.notify("There are no messages to select yet.", markup=False)

    async def on_message_view_action_requested(self: ChatScreen, event: MessageView.ActionRequested) -> None:
        event.stop()
        if event.action == "leave":
            self.query_one(PromptInput).focus()
            return
        actions = {
            "copy": self.action_copy_message,
            "copy_code": self.action_copy_code,
            "edit": self.action_edit_prompt,
            "delete": self.action_delete_message,
        }
        if event.action in actions:
            await actions[event.action]()

    def on_message_view_navigate(self: ChatScreen, event: MessageView.Navigate) -> None:
        """Moving down from the last message goes back to the prompt."""
        event.stop()
        if event.step > 0:
            self.query_one(PromptInput).focus()

    async def action_copy_message(self: ChatScreen) -> None:
        """Copy the selected message, or the last reply, to the clipboard (OSC 52, so it works over SSH)."""
        message = await self._chosen_message(Role.ASSISTANT)
        if message is None or not message.content:
            self.notify("There is no reply to copy yet.", markup=False)
            return
        self.app.copy_to_clipboard(message.content)
        who = "your prompt" if message.role is Role.USER else "the reply"
        self.notify(f"Copied {who} ({len(message.content):,} characters).", markup=False)

    async def action_copy_code(self: ChatScreen) -> None:
        """Copy a code block of the selected message or the last reply; with several, ask which."""
        message = await self._chosen_message(Role.ASSISTANT)
        blocks = code_blocks(message.content) if message is not None else []
        if not blocks:
            where = "This message" if self.selected_view() is not None else "The last reply"
            self.notify(f"{where} has no code block.", markup=False)
            return
        if len(blocks) == 1:
            self._copy_code(blocks[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                self._copy_code(blocks[index])

        from tui_chat.screens.choice_picker import ChoicePickerScreen

        picker = ChoicePickerScreen("Copy which code block?", [code_choice(block) for block in blocks])
        self.app.push_screen(picker, chosen)

    def _copy_code(self: ChatScreen, block: CodeBlock) -> None:
        self.app.copy_to_clipboard(block.code)
        lines = block.code.count("\n") + 1
        self.notify(f"Copied the code block ({lines} line{'s' if lines != 1 else ''}).", markup=False)

    async def action_edit_prompt(self: ChatScreen) -> None:
        """Put the selected prompt, or the last one, in the box; sending it replaces it and what follows."""
        if self.conversation is None or self.conversation.id in self._live:
            if self.conversation is not None:
                self.notify("A reply is still streaming here; press Esc to cancel it first.", markup=False)
            return
        selected = self.selected_view()
        if selected is not None and selected.message.role is not Role.USER:
            self.notify("Only your prompts can be edited; select one with ↑ or ↓.", markup=False)
            return
        prompt = await self._chosen_message(Role.USER)
        if prompt is None:
            return
        self._editing = prompt
        box = self.query_one(PromptInput)
        box.restore(prompt.content)
        box.focus()
        self.notify("Editing the prompt: Enter resends it, replacing it and what came after it.", markup=False)

    async def messages_replaced_by_edit(self: ChatScreen) -> int:
        """How many stored messages sending the prompt being edited removes after it (0 when not editing)."""
        if self._editing is None or self.conversation is None:
            return 0
        repository = await self.services.repository()
        later = await repository.messages_after(self.conversation.id, self._editing.id, limit=1_000_000)
        return len(later)

    async def action_delete_message(self: ChatScreen) -> None:
        """Delete the selected message, or the last one, after asking; its usage rows stay."""
        if self.conversation is None or self.conversation.id in self._live:
            if self.conversation is not None:
                self.notify("A reply is still streaming here; press Esc to cancel it first.", markup=False)
            return
        selected = self.selected_view()
        message = await self._chosen_message(None)
        if message is None:
            return

        async def delete(confirmed: bool | None) -> None:
            if confirmed:
                await self.remove_message(message)

        who = "your prompt" if message.role is Role.USER else "the reply"
        where = "" if selected is not None else " at the end of this conversation"
        question = f"Delete {who}{where}? What it cost stays counted."
        from tui_chat.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(question), delete)

    async def remove_message(self: ChatScreen, message: Message) -> None:
        """Delete a message from the store and the pane; a regenerated alternative takes a deleted reply's place."""
        repository = await self.services.repository()
        others = [other for other in await repository.alternatives(message.id) if other.id != message.id]
        await repository.delete_message(message.id)
        pane = self.query_one(ConversationPane)
        views = list(pane.query_children(MessageView))
        view = next((view for view in views if view.message.id == message.id), None)
        if view is not None:
            had_focus = self.focused is view
            replacement = await repository.get_message(others[-1].id) if others else None
            if replacement is not None and any(other.message.id == replacement.id for other in views):
                replacement = None
            index = views.index(view)
            neighbour = views[index + 1] if index + 1 < len(views) else (views[index - 1] if index else None)
            if replacement is not None:
                neighbour = MessageView(replacement, width=pane.message_width())
                await pane.mount(neighbour, before=view)
            await view.remove()
            if had_focus:
                (neighbour or self.query_one(PromptInput)).focus()
        self.notify("Message deleted.", markup=False)
        self.refresh_estimate_history()
        self.refresh_conversation_list()
        await self.refresh_prompt_history()
