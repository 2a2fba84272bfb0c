"""Attachment chips: above the prompt (name, size, tokens, cost; removable) and under a sent prompt."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.core.text import one_line


@dataclass(frozen=True)
class ChipFace:
    """What a chip says: the file's name, its size (and pixels), and its tokens and cost for the model."""

    name: str
    size: str
    tokens: str = "…"
    cost: str = ""
    warning: bool = False

    def label(self) -> Content:
        """The chip's text, never markup."""
        cost = f" · {self.cost}" if self.cost else ""
        return Content(f"{one_line(self.name)} · {self.size} · {self.tokens} tok{cost} ✕")


class AttachmentChip(Static, can_focus=True):
    """One pending attachment; Delete, Backspace or a click removes it."""

    BINDINGS = [
        Binding("delete,backspace", "remove_attachment", "Remove attachment", id="attachment.remove"),
        Binding("l", "toggle_detail", "Low/high detail", id="attachment.detail"),
    ]

    DEFAULT_CSS = """
    AttachmentChip { width: auto; height: 1; padding: 0 1; background: $boost; color: $text; }
    AttachmentChip.-warning { color: $text-warning; }
    AttachmentChip:focus { background: $accent; color: $text; }
    """

    def __init__(self, key: int, face: ChipFace) -> None:
        super().__init__(face.label(), markup=False)
        self.key = key
        self.face = face
        self.set_class(face.warning, "-warning")

    def show(self, face: ChipFace) -> None:
        """Say something new (its tokens once read, or its cost for another model)."""
        self.face = face
        self.set_class(face.warning, "-warning")
        self.update(face.label())

    async def action_remove_attachment(self) -> None:
        tray = self.parent
        if isinstance(tray, AttachmentTray) and tray.on_remove is not None:
            await tray.on_remove(self.key)

    async def action_toggle_detail(self) -> None:
        tray = self.parent
        if isinstance(tray, AttachmentTray) and tray.on_detail is not None:
            await tray.on_detail(self.key)

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.action_remove_attachment()


class AttachmentTray(VerticalScroll, can_focus=False):
    """The chips of the attachments the next prompt carries, one a line; hidden while there are none."""

    DEFAULT_CSS = """
    AttachmentTray { height: auto; max-height: 4; display: none; padding: 0 1; }
    AttachmentTray.-filled { display: block; }
    """

    on_remove: Callable[[int], Awaitable[None]] | None = None
    """What removes an attachment, by its key (set by the screen's attachments)."""
    on_detail: Callable[[int], Awaitable[None]] | None = None
    """What switches an image between high and low detail, by its key."""

    def chip(self, key: int) -> AttachmentChip | None:
        """The chip of one attachment, if it is shown."""
        return next((chip for chip in self.query_children(AttachmentChip) if chip.key == key), None)

    async def put(self, key: int, face: ChipFace) -> None:
        """Show an attachment's chip, or update it."""
        chip = self.chip(key)
        if chip is None:
            await self.mount(AttachmentChip(key, face))
        else:
            chip.show(face)
        self.add_class("-filled")

    async def drop(self, key: int) -> None:
        """Take an attachment's chip away."""
        chip = self.chip(key)
        if chip is not None:
            await chip.remove()
        self.set_class(bool(self.query_children(AttachmentChip)), "-filled")


class SentAttachments(Static, can_focus=True):
    """The files a sent prompt carried, under it in the transcript; `o` opens the first with the system viewer."""

    BINDINGS = [Binding("o", "open_attachment", "Open attachment", id="attachment.open")]

    DEFAULT_CSS = """
    SentAttachments { height: auto; padding: 0 2; color: $text-muted; }
    SentAttachments:focus { color: $text; background: $boost; }
    """

    def __init__(
        self, faces: list[str], attachments: list[Any], opener: Callable[[list[Any]], Awaitable[None]]
    ) -> None:
        super().__init__(Content("📎 " + "   📎 ".join(one_line(face) for face in faces)), markup=False)
        self.attachments = attachments
        self.opener = opener

    async def action_open_attachment(self) -> None:
        await self.opener(self.attachments)
