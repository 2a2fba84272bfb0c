"""Every private attribute of Textual's Markdown widgets the reply renderer uses, named once.

Read from Textual 8.2.8 (`textual/widgets/_markdown.py`); the dependency is pinned to that minor
version. `missing_internals` lists what an installed Textual lacks, and a test fails naming it, so
an upgrade shows at once which of these to read again. Nothing else in the package touches a name
with a leading underscore on a Textual object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

TEXTUAL_VERSION_READ = "8.2.8"
"""The Textual release these names were read from."""

MARKDOWN_ATTRIBUTES = ("_markdown", "_last_parsed_line")
"""A Markdown widget's source and the line `append` re-parses from (set in `Markdown.__init__`)."""
BLOCK_ATTRIBUTES = ("_blocks", "_content")
"""A block's child blocks before compose and its inline content (set in `MarkdownBlock.__init__`)."""
FENCE_ATTRIBUTES = ("_highlighted_code",)
"""A code block's highlighted content (set in `MarkdownFence.__init__`)."""
BLOCK_METHODS = ("_update_from_block", "_copy_context")
"""The hook `Markdown.append` calls on its last block, and the copy of a new build's context."""
FENCE_CODE_ID = "code-content"
"""The id of the Label a MarkdownFence composes; its `set_content` looks the label up by it."""


def source_line_to_parse(markdown: Markdown) -> int:
    """The line from which `Markdown.append` re-parses the source."""
    return markdown._last_parsed_line


def knows_append_bookkeeping(markdown: Markdown) -> bool:
    """Whether this Textual keeps the source and re-parse line `LiveMarkdown` relies on."""
    return all(hasattr(markdown, name) for name in MARKDOWN_ATTRIBUTES)


def drop_source_head(markdown: Markdown, tail: str, lines: int) -> None:
    """Make `tail`, the source after its first `lines` lines, the widget's source without rebuilding blocks."""
    markdown._markdown = tail
    markdown._last_parsed_line -= lines


def child_blocks(block: Widget) -> list[MarkdownBlock]:
    """The blocks a block was built with and has not composed yet (list items, a table's rows ...)."""
    return getattr(block, "_blocks", [])


def block_content(block: Widget) -> Content | None:
    """The inline content a block shows, if it has any."""
    return getattr(block, "_content", None)


def highlighted_code(fence: MarkdownFence) -> Content:
    """A code block's content, highlighted."""
    return fence._highlighted_code


def copy_context(block: MarkdownBlock, new_build: MarkdownBlock) -> None:
    """Take over what a new build of `block` knows besides its children (a fence's code, a list's bullets)."""
    block._copy_context(new_build)


def compose_fence(label_class: Callable[..., Widget]) -> Callable[[MarkdownFence], Iterator[Widget]]:
    """A MarkdownFence.compose that shows the code in a `label_class` instead of a Label."""

    def compose(fence: MarkdownFence) -> Iterator[Widget]:
        yield label_class(highlighted_code(fence), id=FENCE_CODE_ID, expand=True)

    return compose


async def update_block(block: MarkdownBlock, new_build: MarkdownBlock) -> None:
    """Update `block` from a new build of it, the way `Markdown.append` does."""
    await block._update_from_block(new_build)


async def replace_block(block: MarkdownBlock, new_build: MarkdownBlock) -> None:
    """Textual's default update of a block from a new build: remove it and mount the new one."""
    await MarkdownBlock._update_from_block(block, new_build)


if TYPE_CHECKING:
    _BlockBase = MarkdownBlock  # what the mixins below are mixed into, for the type checker only
else:
    _BlockBase = object


class UpdateHook(_BlockBase):
    """Mixed into a MarkdownBlock before it: Textual's update hook under a public name.

    `Markdown.append` hands the last block a new build of it; a subclass overrides
    `update_from_block` and calls `textual_update_from_block` for Textual's own behaviour.
    """

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        await self.update_from_block(block)

    async def update_from_block(self, block: MarkdownBlock) -> None:
        """Update this block from a new build of it."""
        await self.textual_update_from_block(block)

    async def textual_update_from_block(self, block: MarkdownBlock) -> None:
        """What the Textual class after this mixin does with a new build."""
        await super()._update_from_block(block)


def list_rows(list_block: Widget) -> list[Horizontal]:
    """A composed Markdown list's rows: each a Horizontal of the bullet and a column of the item's blocks."""
    return [row for row in list_block.children if isinstance(row, Horizontal)]


def row_blocks(row: Horizontal) -> list[Widget]:
    """The blocks in a composed list row's column."""
    return list(row.children[-1].children)


def missing_internals(markdown: Markdown) -> list[str]:
    """The names above that the installed Textual lacks, checked on a mounted Markdown holding a fence."""
    missing = [f"Markdown.{name}" for name in MARKDOWN_ATTRIBUTES if not hasattr(markdown, name)]
    missing += [f"MarkdownBlock.{name}()" for name in BLOCK_METHODS if not callable(getattr(MarkdownBlock, name, None))]
    blocks = list(markdown.query(MarkdownBlock))
    fences = [block for block in blocks if isinstance(block, MarkdownFence)]
    if not blocks or not fences:
        return [*missing, "a mounted Markdown with a code block to check against"]
    missing += [
        f"MarkdownBlock.{name}" for name in BLOCK_ATTRIBUTES if not all(hasattr(block, name) for block in blocks)
    ]
    missing += [f"MarkdownFence.{name}" for name in FENCE_ATTRIBUTES if not hasattr(fences[0], name)]
    if not any(label.id == FENCE_CODE_ID for fence in fences for label in fence.children):
        missing.append(f"MarkdownFence's label #{FENCE_CODE_ID}")
    return missing
