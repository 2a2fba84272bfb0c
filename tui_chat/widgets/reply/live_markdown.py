"""The live tail of a streamed reply: a Markdown widget whose blocks grow in place.

Its blocks (steady_blocks.py) repaint only what changed while they gain words, lines and blocks are
laid out at most every GROW_INTERVAL, and the widget records the tokens each block was built from
so that the final text can be checked against a fresh parse.
"""

from __future__ import annotations

from markdown_it.token import Token
from textual.await_complete import AwaitComplete
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from tui_chat.widgets.reply.steady_blocks import STEADY_BLOCKS, LayoutPacer, SteadyFence, SteadyList, SteadyParagraph
from tui_chat.widgets.reply.textual_internals import drop_source_head, knows_append_bookkeeping, source_line_to_parse
from tui_chat.widgets.reply.tokens import RememberingParser, top_level_groups


class LiveMarkdown(LayoutPacer, Markdown):
    """The growing tail of a reply; remembers the tokens each of its blocks was last built from.

    That record is what lets `ReplyBody.finish` prove the blocks equal a fresh render of the final
    text without re-rendering them. It relies on `Markdown.append`'s bookkeeping (see
    textual_internals.py); without it the record is dropped and the tail is simply rebuilt.
    """

    def __init__(self) -> None:
        self.parser = RememberingParser()
        """Shared with the reply's body, which parses the same text when it splits and finishes it."""
        super().__init__(parser_factory=lambda: self.parser, classes="message-body")
        self.block_tokens: list[list[Token]] | None = []
        self.internals_known = knows_append_bookkeeping(self)
        self.lay_out_after_append = False

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
        start = source_line_to_parse(self)
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
        if not self.internals_known or self.block_tokens is None or source_line_to_parse(self) < line:
            await self.update(tail)
            return
        drop_source_head(self, tail, line)
        for block in blocks[count:]:
            start, end = block.source_range
            block.source_range = (start - line, end - line)
        self.block_tokens = self.block_tokens[count:]
        await self.remove_children(blocks[:count])
