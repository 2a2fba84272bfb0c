"""The chat screen's attachments: the picker, the chips above the prompt, their cost, and the files a prompt carries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui_chat.core.attachments import Attachment, human_size
from tui_chat.core.errors import TuiChatError
from tui_chat.widgets.attachment_chips import AttachmentTray, ChipFace, SentAttachments
from tui_chat.widgets.chat_pane import ChatPane, MessageView
from tui_chat.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui_chat.core.image_tokens import Detail
    from tui_chat.core.models import Message
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.services.attachment_costs import ImageProbe

__all__ = ["ATTACH_BINDINGS", "AttachmentTray", "Attachments"]

ATTACH_BINDINGS = [
    Binding("ctrl+a", "attach('pick')", "Attach", show=False, priority=True, id="chat.attach"),
    Binding("tab", "attach('complete')", "Complete @path", show=False, priority=True, id="chat.attach_complete"),
]
"""Priority: the prompt box (a TextArea) would take ctrl+a as select-all; Tab completes only after an @."""


@dataclass
class Pending:
    """A file on its way into the next prompt: its header size at once, the full attachment once read."""

    key: int
    path: Path
    probe: ImageProbe | None = None
    attachment: Attachment | None = None
    detail: Detail = "high"


def sent_face(attachment: Attachment) -> str:
    """How a sent attachment reads in the transcript: name and dimensions, pages or size."""
    if attachment.is_image:
        return f"{attachment.name} {attachment.width}×{attachment.height}"
    if attachment.pages is not None:
        return f"{attachment.name} ({attachment.pages} pages)"
    return f"{attachment.name} ({human_size(attachment.original_size)})"


class Attachments:
    """Keeps the attachments of the next prompt, shows their chips and cost, and hands them to the send."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self.pending: dict[int, Pending] = {}
        self._next_key = 0
        self._offered = ""
        """The last pasted text offered as attachments, so it is offered once."""
        self._last_draft = ""

    @property
    def tray(self) -> AttachmentTray:
        return self.screen.query_one(AttachmentTray)

    async def act(self, how: str) -> None:
        """What the bindings ask for: open the picker, or complete the `@path` before the cursor."""
        if how == "complete":
            await self.complete_at()
        else:
            self.open_picker()

    async def complete_at(self) -> None:
        """Complete the `@path` before the cursor; a single file is attached and its `@path` taken out.

        Anywhere else Tab moves the focus on, as it does without this binding (which takes Tab's place).
        """
        from tui_chat.core.attach_paths import at_token, complete

        prompt = self.screen.focused
        token = None
        if isinstance(prompt, PromptInput):
            row, column = prompt.cursor_location
            token = at_token(prompt.document.get_line(row), column)
        if token is None or not isinstance(prompt, PromptInput):
            self.screen.focus_next()
            return
        completed, matches = complete(token.path, Path.cwd())
        if len(matches) == 1 and matches[0].is_file():
            prompt.replace("", (row, token.start), (row, column))
            await self.add(matches[0])
        elif completed != token.path:
            prompt.replace(completed, (row, token.start + 1), (row, column))
        elif matches:
            shown = ", ".join(match.name for match in matches[:8]) + (" …" if len(matches) > 8 else "")
            self.screen.notify(shown, title=f"{len(matches)} matches", markup=False)
        else:
            self.screen.notify(f"No file matches @{token.path}.", severity="warning", markup=False)

    def offer_pasted(self, draft: str) -> None:
        """Offer to attach the files a paste named (terminals paste a dropped file's path), once per paste."""
        from tui_chat.core.attach_paths import pasted_paths

        jumped = len(draft) - len(self._last_draft) > 1  # typed keys add one character; a paste adds many
        self._last_draft = draft
        paths = pasted_paths(draft) if jumped and draft != self._offered else []
        if not paths:
            return
        self._offered = draft
        from tui_chat.screens.confirm import ConfirmScreen

        async def answered(attach: bool | None) -> None:
            if not attach:
                return
            prompt = self.screen.query_one(PromptInput)
            if prompt.text == draft:
                prompt.clear()
            for path in paths:
                await self.add(path)

        names = ", ".join(path.name for path in paths)
        self.screen.app.push_screen(
            ConfirmScreen(f"Attach {names}?", yes_label="Attach", no_label="Keep as text"), answered
        )

    def open_picker(self, start: Path | None = None) -> None:
        """Open the attach picker in the working directory."""
        from tui_chat.screens.attach_picker import AttachPicker

        async def picked(path: Path | None) -> None:
            if path is not None:
                await self.add(path)

        self.screen.app.push_screen(AttachPicker(start or Path.cwd()), picked)

    async def add(self, path: Path, *, confirmed: bool = False, detail: Detail = "high") -> None:
        """Show a chip for the file at once (an image's tokens from its header) and read it in a worker."""
        from tui_chat.services.attachment_costs import probe_image

        self.tray.on_remove, self.tray.on_detail = self.remove, self.toggle_detail
        self._next_key += 1
        pending = Pending(self._next_key, path, probe_image(path), detail=detail)
        self.pending[pending.key] = pending
        await self.tray.put(pending.key, self.face(pending))
        self.screen.estimates.show()
        self.screen.run_worker(self._read(pending, confirmed), group="attach-read", exit_on_error=False)

    async def _read(self, pending: Pending, confirmed: bool) -> None:
        """Read, decode and downscale the file; a refusal takes the chip away and says why."""
        from tui_chat.services.attachment_files import AttachmentTooLarge, load_attachment

        ask_above = int(self.screen.services.settings.attachments.ask_above_mb * 1024 * 1024)
        try:
            attachment = await asyncio.to_thread(
                load_attachment, pending.path, ask_above=ask_above, confirmed=confirmed, detail=pending.detail
            )
        except AttachmentTooLarge as large:
            await self.remove(pending.key)
            self._ask_large(pending.path, large.detail)
            return
        except TuiChatError as refused:
            await self.remove(pending.key)
            self.screen.chat_app.show_error(refused)
            return
        if pending.key in self.pending:
            pending.attachment = attachment
            await self.tray.put(pending.key, self.face(pending))
            self.screen.estimates.show()

    def _ask_large(self, path: Path, detail: str) -> None:
        from tui_chat.screens.confirm import ConfirmScreen

        async def answered(attach: bool | None) -> None:
            if attach:
                await self.add(path, confirmed=True)

        self.screen.app.push_screen(ConfirmScreen(f"{detail} Attach it anyway?", yes_label="Attach"), answered)

    async def restore(self, prompt: Message) -> None:
        """Put a stored prompt's attachments back on the prompt being edited, so the edit resends them."""
        for key in list(self.pending):
            await self.remove(key)
        stored = await (await self.screen.conversations()).attachments(prompt.conversation_id)
        self.tray.on_remove = self.remove
        for attachment in stored.get(prompt.id, []):
            self._next_key += 1
            pending = Pending(self._next_key, Path(attachment.name), attachment=attachment)
            self.pending[pending.key] = pending
            await self.tray.put(pending.key, self.face(pending))
        self.screen.estimates.show()

    async def toggle_detail(self, key: int) -> None:
        """Switch an image between high detail (tiles) and low (85 tokens, sent at 512 pixels at most)."""
        pending = self.pending.get(key)
        if pending is None or pending.probe is None:
            return
        await self.remove(key)
        await self.add(pending.path, confirmed=True, detail="low" if pending.detail == "high" else "high")

    async def remove(self, key: int) -> None:
        """Take an attachment off the next prompt."""
        self.pending.pop(key, None)
        await self.tray.drop(key)
        self.screen.estimates.show()

    def _target(self) -> tuple[str, str]:
        target = self.screen.conversation or self.screen.services.target
        return target.provider, target.model

    def face(self, pending: Pending) -> ChipFace:
        """A chip's text: name, size, and tokens and cost for the current model."""
        from tui_chat.core.pricing import format_money
        from tui_chat.services.attachment_costs import attachment_cost

        source = pending.attachment or pending.probe
        try:
            size = human_size(pending.attachment.original_size if pending.attachment else pending.path.stat().st_size)
        except OSError:
            size = "?"
        if pending.probe is not None:
            size += f" {pending.probe.width}×{pending.probe.height}"
        elif pending.attachment is not None and pending.attachment.is_image:
            size += f" {pending.attachment.width}×{pending.attachment.height}"
        elif pending.attachment is not None and pending.attachment.pages is not None:
            size += f" {pending.attachment.pages}p"
        if source is None:
            return ChipFace(pending.path.name, size)
        provider, model = self._target()
        cost = attachment_cost(self.screen.services.registry, provider, model, source, pending.detail)
        note = "no vision" if cost.refused else format_money(cost.cost)
        if pending.detail == "low":
            size += " low detail"
        return ChipFace(pending.path.name, size, cost.tokens.label(), note, warning=cost.refused)

    def refresh(self) -> None:
        """Recount every chip for the model now chosen (in a worker)."""
        if self.pending:
            self.screen.run_worker(self._refresh(), group="attach-refresh", exclusive=True, exit_on_error=False)

    async def _refresh(self) -> None:
        for pending in self.pending.values():
            await self.tray.put(pending.key, self.face(pending))

    def tokens(self) -> int:
        """The prompt tokens the attachments add to the next request, as far as known yet."""
        from tui_chat.services.attachment_costs import attachment_tokens

        _, model = self._target()
        return sum(
            attachment_tokens(model, source, pending.detail).tokens
            for pending in self.pending.values()
            if (source := pending.attachment or pending.probe) is not None
        )

    def ready_to_send(self) -> bool:
        """Whether the prompt can go with its attachments: all read, and images only to a model that takes them."""
        from tui_chat.services.attachment_rules import check_vision

        reading = [pending.path.name for pending in self.pending.values() if pending.attachment is None]
        if reading:
            self.screen.notify(f"Still reading {', '.join(reading)}…", severity="warning", markup=False)
            return False
        provider, model = self._target()
        try:
            check_vision(self.screen.services.registry.settings, provider, model, self.ready())
        except TuiChatError as refused:
            self.screen.chat_app.show_error(refused)
            return False
        return True

    async def submit(self, text: str) -> None:
        """Send the prompt when its attachments allow it (they go with it); else say why and keep both."""
        if self.ready_to_send():
            await self.screen.replies.submit(text)

    def ready(self) -> list[Attachment]:
        """The attachments read so far, in the order added."""
        return [pending.attachment for pending in self.pending.values() if pending.attachment is not None]

    async def take(self, prompt_view: MessageView | None) -> list[Attachment]:
        """Hand the attachments to the send, showing them under the prompt, and empty the tray."""
        attachments = self.ready()
        for key in list(self.pending):
            await self.remove(key)
        if attachments and prompt_view is not None:
            await self._show_under(prompt_view, attachments)
        return attachments

    async def _show_under(self, view: MessageView, attachments: list[Attachment]) -> None:
        from tui_chat.widgets.thumbnails import thumbnail

        strip = SentAttachments([sent_face(attachment) for attachment in attachments], attachments, self.open)
        pictures = [thumbnail(attachment.data) for attachment in attachments if attachment.is_image]
        await self.screen.query_one(ChatPane).mount(strip, *[shown for shown in pictures if shown], after=view)

    def decorate(self) -> None:
        """Show the attachments of the stored prompts on screen under each of them (in a worker)."""
        self.screen.run_worker(self._decorate(), group="attach-decorate", exclusive=True, exit_on_error=False)

    async def _decorate(self) -> None:
        conversation = self.screen.conversation
        if conversation is None:
            return
        stored = await (await self.screen.conversations()).attachments(conversation.id)
        for view in self.screen.query_one(ChatPane).query_children(MessageView):
            files = stored.get(view.message.id)
            following = view.parent.children if view.parent is not None else []
            index = following.index(view)
            shown = index + 1 < len(following) and isinstance(following[index + 1], SentAttachments)
            if files and not shown:
                await self._show_under(view, files)

    async def open(self, attachments: list[Attachment]) -> None:
        """Open a sent prompt's attachments with the system viewer."""
        from tui_chat.services.attachment_open import open_with_system

        try:
            await asyncio.to_thread(open_with_system, attachments)
        except TuiChatError as failed:
            self.screen.chat_app.show_error(failed)
