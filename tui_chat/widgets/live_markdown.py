"""The live tail of a streamed reply: a Markdown widget whose blocks grow in place.

Textual's Markdown.append re-parses from the last top-level block and hands the result to that
block; its Static.update then asks for a layout, which visits and often repaints the whole screen.
Here paragraphs, code blocks and list items that only gain words repaint just their last rows,
lines and blocks are added at most every GROW_INTERVAL, and the widget records the tokens each
block was built from so that the final text can be checked against a fresh parse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

GROW_INTERVAL = 1.0
"""Seconds between layouts for streamed text that adds lines or blocks (each layout visits every
widget on the screen); words that extend the last line are shown without one."""
LIST_ITEMS = (Markdown.BLOCKS["list_item_ordered_open"], Markdown.BLOCKS["list_item_unordered_open"])


def new_parser() -> MarkdownIt:
    """The parser Textual's Markdown widget uses by default."""
    return MarkdownIt("gfm-like")


class RememberingParser:
    """A Markdown parser that hands back its recent results when asked to parse the same text again.

    A reply's text is parsed by Textual to build blocks, again to record their tokens, and again when
    the reply finishes; a huge reply pays for each. Tokens are shared, so callers must not change them.
    """

    RECENT = 2

    def __init__(self) -> None:
        self._parser = new_parser()
        self._recent: list[tuple[str, list[Token]]] = []

    def parse(self, text: str, env: dict | None = None) -> list[Token]:
        """The tokens of `text`: remembered if it was among the last texts parsed without an `env`."""
        if env is None:
            for seen, tokens in self._recent:
                if seen is text or seen == text:
                    return tokens
        tokens = self._parser.parse(text, env)
        if env is None:
            self._recent = [(text, tokens), *self._recent[: self.RECENT - 1]]
        return tokens


def parser_factory() -> MarkdownIt:
    """A factory for one widget that builds its parser once instead of on every update."""
    parser = new_parser()
    return lambda: parser


@dataclass(frozen=True)
class Group:
    """The tokens of one top-level block and the line it starts on."""

    line: int
    kind: str
    tokens: list[Token]


def top_level_groups(tokens: list[Token]) -> list[Group]:
    """Split a token stream into its top-level blocks."""
    groups: list[Group] = []
    for token in tokens:
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            groups.append(Group(token.map[0], token.type, [token]))
        elif groups:
            groups[-1].tokens.append(token)
    return groups


def same_tokens(left: list[Token], right: list[Token]) -> bool:
    """Whether two token streams build the same blocks (line numbers aside)."""
    if len(left) != len(right):
        return False
    for a, b in zip(left, right):
        if (a.type, a.tag, a.nesting, a.level, a.content, a.markup, a.info, a.block, a.hidden) != (
            b.type, b.tag, b.nesting, b.level, b.content, b.markup, b.info, b.block, b.hidden
        ) or a.attrs != b.attrs or a.meta != b.meta:
            return False
        if (a.children is None) != (b.children is None):
            return False
        if a.children is not None and not same_tokens(a.children, b.children or []):
            return False
    return True


class SteadyHeight:
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
        if layout and (not width or self.visual.get_height(self.styles, width) != height):
            live = next((node for node in self.ancestors if isinstance(node, LiveMarkdown)), None)
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


def _compose_fence(self):
    yield SteadyLabel(self._highlighted_code, id="code-content", expand=True)


def block_key(block: Widget) -> tuple:
    """What a block shows, for telling whether two builds of it look the same."""
    content = getattr(block, "_content", None)
    return (
        type(block).__name__,
        None if content is None else (content.plain, repr(content.spans)),
        getattr(block, "code", None),
        getattr(block, "bullet", None),
        tuple(block_key(child) for child in getattr(block, "_blocks", ())),
    )


class SteadyList:
    """Mixed into a Markdown list: a streamed update touches only its last item.

    Textual replaces the whole list on every update; here items that did not change stay mounted,
    a last paragraph that only grew is updated in place, and other changes remount from the first
    item that differs.
    """

    def compose(self):
        self._item_keys = [block_key(block) for block in self._blocks]
        if self._blocks:
            yield from super().compose()

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        old_keys = getattr(self, "_item_keys", None)
        new_keys = [block_key(item) for item in block._blocks]
        rows = [row for row in self.children if isinstance(row, Horizontal)]
        if (
            type(block) is not type(self)
            or not old_keys
            or len(rows) != len(old_keys)
            or len(new_keys) < len(old_keys)
            or not all(isinstance(item, LIST_ITEMS) for item in block._blocks)
        ):
            await super()._update_from_block(block)
            return
        if isinstance(self, Markdown.BLOCKS["ordered_list_open"]):
            try:
                start = int(block._blocks[0].bullet)
            except (ValueError, AttributeError):
                start = 1
            if len(str(start + len(new_keys) - 1)) != len(str(start + len(old_keys) - 1)):
                await super()._update_from_block(block)  # wider numbers: every item's bullet changes
                return
        try:
            await self._update_items(block, rows, old_keys, new_keys)
        except Exception:  # anything unexpected: rebuild the list the way Textual does
            await super()._update_from_block(block)

    async def _update_items(self, block: MarkdownBlock, rows: list[Horizontal], old_keys: list, new_keys: list) -> None:
        first_change = next((index for index, (old, new) in enumerate(zip(old_keys, new_keys)) if old != new), len(old_keys))
        new_items = list(block._blocks)
        new_rows = list(block.compose())
        self._copy_context(block)
        self._item_keys = new_keys
        if first_change == len(old_keys) - 1 and await self._grow_last_item(rows[-1], new_items[first_change]):
            first_change += 1
        with self.app.batch_update():
            if first_change < len(rows):
                await self.remove_children(rows[first_change:])
            if first_change < len(new_rows):
                await self.mount_all(new_rows[first_change:])

    async def _grow_last_item(self, row: Horizontal, item: MarkdownBlock) -> bool:
        """Update the last item in place when only the text of its last paragraph changed."""
        column = row.children[-1]
        old_blocks, new_blocks = list(column.children), list(item._blocks)
        if len(old_blocks) != len(new_blocks) or not old_blocks:
            return False
        if [block_key(block) for block in old_blocks[:-1]] != [block_key(block) for block in new_blocks[:-1]]:
            return False
        old, new = old_blocks[-1], new_blocks[-1]
        if not (isinstance(old, SteadyParagraph) and type(new) is type(old)):
            return False
        await old._update_from_block(new)
        return True


SteadyLabel = steady(Label)
SteadyParagraph = steady(Markdown.BLOCKS["paragraph_open"])
SteadyFence = steady(MarkdownFence, (), compose=_compose_fence)
# Textual updates a streaming table by mounting plain Statics for new rows, which look slightly
# different from a table built in one go; rebuilding it on each update keeps it exact.
FreshTable = steady(Markdown.BLOCKS["table_open"], (), _update_from_block=MarkdownBlock._update_from_block)
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


class LiveMarkdown(Markdown):
    """The growing tail of a reply; remembers the tokens each of its blocks was last built from.

    That record is what lets `ReplyBody.finish` prove the blocks equal a fresh render of the final
    text without re-rendering them. It relies on `Markdown.append`'s bookkeeping (`_markdown`,
    `_last_parsed_line`); without those the record is dropped and the tail is simply rebuilt.
    """

    def __init__(self) -> None:
        self.parser = RememberingParser()
        """Shared with the reply's body, which parses the same text when it splits and finishes it."""
        super().__init__(parser_factory=lambda: self.parser, classes="message-body")
        self.block_tokens: list[list[Token]] | None = []
        self.internals_known = hasattr(self, "_markdown") and hasattr(self, "_last_parsed_line")
        self.immediate = False
        self.lay_out_after_append = False
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
            self._grow_timer = self.set_timer(wait, self.lay_out_grown)

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

    @property
    def grows_in_place(self) -> bool:
        """Whether more words for the last block are shown by updating it rather than rebuilding it."""
        blocks = self.blocks
        return bool(blocks) and isinstance(blocks[-1], (SteadyParagraph, SteadyFence, SteadyList))

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        block_class = super().get_block_class(block_name)
        steady_class = STEADY_BLOCKS.get(block_name)
        return steady_class if steady_class is not None and block_class is Markdown.BLOCKS[block_name] else block_class

    @property
    def blocks(self) -> list[MarkdownBlock]:
        """The top-level blocks, in order."""
        return [child for child in self.children if isinstance(child, MarkdownBlock)]

    def update(self, markdown: str) -> AwaitComplete:
        inner = super().update(markdown)

        async def run() -> None:
            await inner
            groups = [group.tokens for group in top_level_groups(self.parser.parse(markdown))]
            self.block_tokens = groups if len(groups) == len(self.blocks) else None

        return AwaitComplete(run())

    def append(self, markdown: str) -> AwaitComplete:
        if not self.internals_known:
            self.block_tokens = None
            return super().append(markdown)
        start = self._last_parsed_line
        updated = "".join((self.source + markdown).splitlines(keepends=True)[start:])
        before = len(self.blocks)
        inner = super().append(markdown)

        async def run() -> None:
            await inner
            if self.lay_out_after_append:
                self.lay_out_after_append = False
                self.lay_out_grown()
            groups = [group.tokens for group in top_level_groups(self.parser.parse(updated))]
            expected = before - 1 + len(groups) if before and groups else before + len(groups)
            if self.block_tokens is None or len(self.block_tokens) != before or len(self.blocks) != expected:
                self.block_tokens = None
            elif groups:
                self.block_tokens = self.block_tokens[: before - 1 if before else 0] + groups

        return AwaitComplete(run())

    async def drop_head(self, count: int, line: int) -> None:
        """Remove the first `count` blocks, which end before `line`, keeping the rest as they are."""
        blocks = self.blocks
        tail = "".join(self.source.splitlines(keepends=True)[line:])
        if not self.internals_known or self.block_tokens is None or self._last_parsed_line < line:
            await self.update(tail)
            return
        self._markdown = tail
        self._last_parsed_line -= line
        for block in blocks[count:]:
            start, end = block.source_range
            block.source_range = (start - line, end - line)
        self.block_tokens = self.block_tokens[count:]
        await self.remove_children(blocks[:count])
