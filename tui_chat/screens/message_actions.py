"""Actions on one message of the chat: the selected message, or else the last one of its kind.

A message is selected by focusing it (alt+up or shift+tab from the prompt, a click, then ↑/↓).
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

MESSAGE_ACTIONS = {"copy": "copy_message", "copy_code": "copy_code", "edit": "edit_prompt", "delete": "delete_message"}
"""The chat screen's action for each request of a selected message."""
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
    """Select, copy, copy a code block of, edit and delete any message of the chat screen's conversation."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    def selected_view(self) -> MessageView | None:
        """The message view that has the focus, if any."""
        focused = self.screen.focused
        return focused if isinstance(focused, MessageView) else None

    async def last_message(self, role: Role | None) -> Message | None:
        """The last shown message of this conversation with that role (any role for None)."""
        conversation = self.screen.conversation
        if conversation is None:
            return None
        return await (await self.screen.conversations()).last_message(conversation.id, role)

    async def _chosen_message(self, role: Role | None) -> Message | None:
        """The selected message, or with none selected the last one with `role`."""
        view = self.selected_view()
        if view is None:
            return await self.last_message(role)
        if not view.message.id:
            self.screen.notify("That message is still being written.", markup=False)
            return None
        return view.message

    def select(self) -> None:
        """Select the last message on screen (or the one above the selected one)."""
        selected = self.selected_view()
        if selected is not None:
            selected.action_step(-1)
            return
        pane = self.screen.query_one(ConversationPane)
        views = list(pane.query_children(MessageView))
        visible = [view for view in views if view.region.overlaps(pane.region)]
        if visible or views:
            (visible or views)[-1].focus()
        else:
            self.screen.notify("There are no messages to select yet.", markup=False)

    async def copy(self) -> None:
        """Copy the selected message, or the last reply, to the clipboard (OSC 52, so it works over SSH)."""
        message = await self._chosen_message(Role.ASSISTANT)
        if message is None or not message.content:
            self.screen.notify("There is no reply to copy yet.", markup=False)
            return
        self.screen.app.copy_to_clipboard(message.content)
        who = "your prompt" if message.role is Role.USER else "the reply"
        self.screen.notify(f"Copied {who} ({len(message.content):,} characters).", markup=False)

    async def copy_code(self) -> None:
        """Copy a code block of the selected message or the last reply; with several, ask which."""
        message = await self._chosen_message(Role.ASSISTANT)
        blocks = code_blocks(message.content) if message is not None else []
        if not blocks:
            where = "This message" if self.selected_view() is not None else "The last reply"
            self.screen.notify(f"{where} has no code block.", markup=False)
            return
        if len(blocks) == 1:
            self._copy_code(blocks[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                self._copy_code(blocks[index])

        from tui_chat.screens.choice_picker import ChoicePickerScreen

        picker = ChoicePickerScreen("Copy which code block?", [code_choice(block) for block in blocks])
        self.screen.app.push_screen(picker, chosen)

    def _copy_code(self, block: CodeBlock) -> None:
        self.screen.app.copy_to_clipboard(block.code)
        lines = block.code.count("\n") + 1
        self.screen.notify(f"Copied the code block ({lines} line{'s' if lines != 1 else ''}).", markup=False)

    def _refused_while_streaming(self) -> bool:
        """Whether there is no conversation, or a reply streams in it (then say so)."""
        if self.screen.conversation is None:
            return True
        if self.screen.streaming_here():
            self.screen.notify("A reply is still streaming here; press Esc to cancel it first.", markup=False)
            return True
        return False

    async def edit(self) -> None:
        """Put the selected prompt, or the last one, in the box; sending it replaces it and what follows."""
        if self._refused_while_streaming():
            return
        selected = self.selected_view()
        if selected is not None and selected.message.role is not Role.USER:
            self.screen.notify("Only your prompts can be edited; select one with ↑ or ↓.", markup=False)
            return
        prompt = await self._chosen_message(Role.USER)
        if prompt is None:
            return
        self.screen._editing = prompt
        box = self.screen.query_one(PromptInput)
        box.restore(prompt.content)
        await self.screen.attach.restore(prompt)
        box.focus()
        self.screen.notify("Editing the prompt: Enter resends it, replacing it and what came after it.", markup=False)

    async def replaced_by_edit(self) -> int:
        """How many stored messages sending the prompt being edited removes after it (0 when not editing)."""
        editing, conversation = self.screen._editing, self.screen.conversation
        if editing is None or conversation is None:
            return 0
        return await (await self.screen.conversations()).count_after(conversation.id, editing.id)

    async def delete(self) -> None:
        """Delete the selected message, or the last one, after asking; its usage rows stay."""
        if self._refused_while_streaming():
            return
        selected = self.selected_view()
        message = await self._chosen_message(None)
        if message is None:
            return

        async def delete(confirmed: bool | None) -> None:
            if confirmed:
                await self.remove(message)

        who = "your prompt" if message.role is Role.USER else "the reply"
        where = "" if selected is not None else " at the end of this conversation"
        question = f"Delete {who}{where}? What it cost stays counted."
        from tui_chat.screens.confirm import ConfirmScreen

        self.screen.app.push_screen(ConfirmScreen(question), delete)

    async def remove(self, message: Message) -> None:
        """Delete a message from the store and the pane; a regenerated alternative takes a deleted reply's place."""
        screen = self.screen
        replacement = await (await screen.conversations()).delete_message(message.id)
        pane = screen.query_one(ConversationPane)
        views = list(pane.query_children(MessageView))
        view = next((view for view in views if view.message.id == message.id), None)
        if view is not None:
            had_focus = screen.focused is view
            if replacement is not None and any(other.message.id == replacement.id for other in views):
                replacement = None
            index = views.index(view)
            neighbour = views[index + 1] if index + 1 < len(views) else (views[index - 1] if index else None)
            if replacement is not None:
                neighbour = MessageView(replacement, width=pane.message_width())
                await pane.mount(neighbour, before=view)
            await view.remove()
            if had_focus:
                (neighbour or screen.query_one(PromptInput)).focus()
        screen.notify("Message deleted.", markup=False)
        screen.mutate_reactive(type(screen).conversation)
