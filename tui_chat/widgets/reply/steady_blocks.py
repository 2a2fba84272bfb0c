"""Markdown blocks that grow in place while a reply streams, instead of being rebuilt and laid out.

Textual's Markdown.append re-parses from the last top-level block and hands the result to that
block; its Static.update then asks for a layout, which visits and often repaints the whole screen.
The blocks here repaint just their last rows when they only gain words, and leave layouts for lines
and blocks they add to a `LayoutPacer` ancestor, which lays them out at most every GROW_INTERVAL.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Label, Markdown, Static
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui_chat.widgets.reply.textual_internals import (
    UpdateHook,
    block_content,
    child_blocks,
    compose_fence,
    copy_context,
    list_rows,
    replace_block,
    row_blocks,
    update_block,
)

GROW_INTERVAL = 1.0
"""Seconds between layouts for streamed text that adds lines or blocks (each layout visits every
widget on the screen); words that extend the last line are shown without one."""
LIST_ITEMS = (Markdown.BLOCKS["list_item_ordered_open"], Markdown.BLOCKS["list_item_unordered_open"])


class LayoutPacer:
    """Mixed into a widget: lays out the blocks under it that grew, at most every GROW_INTERVAL unless `immediate`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.immediate = False
        self.grown_at = 0.0
        self._growing: set[Widget] = set()
        self._grow_timer = None

    def request_layout(self, widget: Widget) -> None:
        """Lay out a block that grew, now or once GROW_INTERVAL has passed since the last time."""
        wait = self.grown_at + GROW_INTERVAL - time.monotonic()
        self._growing.add(widget)
        if self.immediate or wait <= 0:
            self.lay_out_grown()
        elif self._grow_timer is None:
            self._grow_timer = self.set_timer(wait, self.lay_out_grown)  # type: ignore[attr-defined]

    def lay_out_grown(self) -> None:
        """Lay out every block that grew since the last time."""
        if self._grow_timer is not None:
            self._grow_timer.stop()
            self._grow_timer = None
        self.grown_at = time.monotonic()
        growing, self._growing = self._growing, set()
        for widget in growing:
            if widget.is_attached:
                widget.refresh(layout=True)

    @property
    def layout_due(self) -> bool:
        """Whether GROW_INTERVAL has passed since the last layout for grown or added blocks."""
        return time.monotonic() - self.grown_at >= GROW_INTERVAL


if TYPE_CHECKING:
    _StaticBase = Static  # SteadyHeight is mixed into Static subclasses; the type checker sees that base
else:
    _StaticBase = object


class SteadyHeight(_StaticBase):
    """Mixed into a Static: an update that keeps the height repaints the widget without a layout.

    Static.update always asks for a layout, and a layout visits every widget on the screen (and,
    when the pane follows the bottom, scrolls and repaints all of it); while a paragraph or a code
    block streams, most updates only add words to a line already there. An update that adds a
    line is laid out at the live widget's pace (GROW_INTERVAL); until then its last line is clipped.
    """

    _repaint_from_row: int | None = None

    def update(self, content="", *, layout: bool = True) -> None:
        width, height = self.size.width, self.size.height
        self._repaint_from_row = first_changed_row(self.content, content) if width and height else None
        try:
            super().update(content, layout=False)
        finally:
            self._repaint_from_row = None
        if layout and (not width or self.visual.get_height(self.styles, width) != height):  # type: ignore[arg-type]  # as Textual passes it
            live = next((node for node in self.ancestors if isinstance(node, LayoutPacer)), None)
            if live is None or not width:
                self.refresh(layout=True)
            else:
                live.request_layout(self)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False):
        row = self._repaint_from_row
        if row is not None and not regions and repaint and not layout and not recompose:
            width, height = self.size
            row = max(height + row, 0) if row < 0 else min(row, height - 1)
            regions = (Region(0, row, width, height - row),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


def first_changed_row(old: object, new: object) -> int | None:
    """The first row that differs when `new` only extends `old` (text appended, styles kept), else None.

    Rows count from the end when negative: text that wraps may move a word to the row before the
    last, so an extended paragraph repaints its last two rows.
    """
    if not (isinstance(old, Content) and isinstance(new, Content)) or not new.plain.startswith(old.plain):
        return None
    kept = new.spans
    changed = min([span.start for span in old.spans if span not in kept] + [len(old.plain)])
    before = old.plain[:changed]
    if "\n" in old.plain:
        return before.count("\n")
    return None if changed < len(old.plain) else -2


def steady(widget_class: type, bases: tuple[type, ...] = (SteadyHeight,), **namespace) -> type:
    """A subclass under the same name, so that CSS type selectors and the DOM read as before."""
    namespace.setdefault("__module__", __name__)
    return type(widget_class.__name__, (*bases, widget_class), namespace)


def block_key(block: Widget) -> tuple:
    """What a block shows, for telling whether two builds of it look the same."""
    content = block_content(block)
    return (
        type(block).__name__,
        None if content is None else (content.plain, repr(content.spans)),
        getattr(block, "code", None),
        getattr(block, "bullet", None),
        tuple(block_key(child) for child in child_blocks(block)),
    )


class SteadyList(UpdateHook):
    """Mixed into a Markdown list: a streamed update touches only its last item.

    Textual replaces the whole list on every update; here items that did not change stay mounted,
    a last paragraph that only grew is updated in place, and other changes remount from the first
    item that differs.
    """

    def compose(self):
        self._item_keys = [block_key(block) for block in child_blocks(self)]
        if child_blocks(self):
            yield from super().compose()

    async def update_from_block(self, block: MarkdownBlock) -> None:
        old_keys = getattr(self, "_item_keys", None)
        new_items = child_blocks(block)
        new_keys = [block_key(item) for item in new_items]
        rows = list_rows(self)
        if (
            type(block) is not type(self)
            or not old_keys
            or len(rows) != len(old_keys)
            or len(new_keys) < len(old_keys)
            or not all(isinstance(item, LIST_ITEMS) for item in new_items)
        ):
            await self.textual_update_from_block(block)
            return
        if isinstance(self, Markdown.BLOCKS["ordered_list_open"]):
            try:
                start = int(cast(Any, new_items[0]).bullet)
            except (ValueError, AttributeError):
                start = 1
            if len(str(start + len(new_keys) - 1)) != len(str(start + len(old_keys) - 1)):
                await self.textual_update_from_block(block)  # wider numbers: every item's bullet changes
                return
        try:
            await self._update_items(block, rows, old_keys, new_keys)
        except Exception:  # anything unexpected: rebuild the list the way Textual does
            await self.textual_update_from_block(block)

    async def _update_items(self, block: MarkdownBlock, rows: list, old_keys: list, new_keys: list) -> None:
        first_change = next(
            (index for index, (old, new) in enumerate(zip(old_keys, new_keys)) if old != new), len(old_keys)
        )
        new_items = list(child_blocks(block))
        new_rows = list(block.compose())
        copy_context(self, block)
        self._item_keys = new_keys
        if first_change == len(old_keys) - 1 and await self._grow_last_item(rows[-1], new_items[first_change]):
            first_change += 1
        with self.app.batch_update():
            if first_change < len(rows):
                await self.remove_children(rows[first_change:])
            if first_change < len(new_rows):
                await self.mount_all(new_rows[first_change:])

    async def _grow_last_item(self, row, item: MarkdownBlock) -> bool:
        """Update the last item in place when only the text of its last paragraph changed."""
        old_blocks, new_blocks = row_blocks(row), list(child_blocks(item))
        if len(old_blocks) != len(new_blocks) or not old_blocks:
            return False
        if [block_key(block) for block in old_blocks[:-1]] != [block_key(block) for block in new_blocks[:-1]]:
            return False
        old, new = old_blocks[-1], new_blocks[-1]
        if not (isinstance(old, SteadyParagraph) and type(new) is type(old)):
            return False
        await update_block(old, new)
        return True


SteadyLabel = steady(Label)
SteadyParagraph = steady(Markdown.BLOCKS["paragraph_open"])
SteadyFence = steady(MarkdownFence, (), compose=compose_fence(SteadyLabel))
# Textual updates a streaming table by mounting plain Statics for new rows, which look slightly
# different from a table built in one go; rebuilding it on each update keeps it exact.
FreshTable = steady(Markdown.BLOCKS["table_open"], (UpdateHook,), update_from_block=replace_block)
SteadyBulletList = steady(Markdown.BLOCKS["bullet_list_open"], (SteadyList,))
SteadyOrderedList = steady(Markdown.BLOCKS["ordered_list_open"], (SteadyList,))
STEADY_BLOCKS = {
    "paragraph_open": SteadyParagraph,
    "fence": SteadyFence,
    "code_block": SteadyFence,
    "bullet_list_open": SteadyBulletList,
    "ordered_list_open": SteadyOrderedList,
    "table_open": FreshTable,
}
