"""A streamed reply's body: only the tail is live Markdown; finished blocks become sized segments.

Textual lays out and visits every widget on the screen on each layout, so a reply of a few thousand
blocks would cost seconds per frame. Here a MarkdownStream feeds a small live Markdown widget; the
finished blocks that scroll out of sight leave it for `Segment`s that hold their source and height
and mount their blocks only near the viewport. When text arrives faster than it can be drawn, the
part that would land out of sight goes straight into segments with an estimated height.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from contextlib import suppress
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence
from textual.widgets._markdown import MarkdownListItem

FLUSH_INTERVAL = 0.1
"""Seconds between hand-overs of new text to the live widget (at most ten frames a second of text)."""
BURST_DELAY = 0.25
"""Text arriving faster than it can be drawn waits this long first: the reply may be over by then."""
BURST_BACKOFF = 3.0
"""After drawing a burst (text arriving faster than it can be drawn), wait this many times as long."""
GROW_INTERVAL = 0.4
"""Seconds between hand-overs of text that add lines or blocks (each costs a layout of the screen);
words that extend the last line go out every FLUSH_INTERVAL."""
NEAR_ROWS = 4
"""Segments this close to the viewport have their blocks mounted; live blocks farther away are frozen."""
MIN_FREEZE_ROWS = 8
"""Finished blocks leave the live widget in runs of at least this many rows."""
FREEZE_INTERVAL = 0.5
"""Seconds between checks for finished blocks that have scrolled out of sight."""
SEGMENT_ROWS = 40
"""Rows per segment: the unit mounted at once when the reader scrolls to it."""
ZERO_TOP_MARGIN = frozenset({"paragraph_open", "bullet_list_open", "ordered_list_open", "table_open", "hr"})
"""Top-level tokens whose block has no top margin: a segment may start there without changing the gaps."""
OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def new_parser() -> MarkdownIt:
    """The parser Textual's Markdown widget uses by default."""
    return MarkdownIt("gfm-like")


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


def estimate_rows(group: Group, width: int) -> int:
    """Roughly how many rows a top-level block takes, margins included; exact heights need a layout."""
    width = max(width, 10)

    def wrapped(text: str, indent: int = 0) -> int:
        return max(1, math.ceil(len(text) / max(width - indent, 10)))

    first = group.tokens[0]
    inlines = [token.content for token in group.tokens if token.type == "inline"]
    if group.kind == "heading_open":
        return wrapped(inlines[0] if inlines else "") + (2 if first.tag in ("h1", "h2") else 1)
    if group.kind in ("fence", "code_block"):
        return first.content.count("\n") + 3
    if group.kind == "table_open":
        return 2 * sum(1 for token in group.tokens if token.type == "tr_open") + 2
    if group.kind in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
        return sum(wrapped(text, 4) for text in inlines) + 1
    if group.kind == "hr":
        return 2
    return sum(wrapped(text) for text in inlines) + 1


def rough_rows(text: str, width: int) -> int:
    """A fast upper-ish guess of the rows some text takes, without parsing it."""
    width = max(width, 10)
    return sum(1 + len(line) // width for line in text.split("\n"))


class SteadyHeight:
    """Mixed into a Static: an update that keeps the height repaints the widget without a layout.

    Static.update always asks for a layout, and a layout visits every widget on the screen (and,
    when the pane follows the bottom, scrolls and repaints all of it); while a paragraph or a code
    block streams, most updates only add words to a line already there. An update that adds a
    line is laid out at the live widget's pace (GROW_INTERVAL); until then its last line is clipped.
    """

    def update(self, content="", *, layout: bool = True) -> None:
        width, height = self.size.width, self.size.height
        super().update(content, layout=False)
        if layout and (not width or self.visual.get_height(self.styles, width) != height):
            live = next((node for node in self.ancestors if isinstance(node, LiveMarkdown)), None)
            if live is None or not width:
                self.refresh(layout=True)
            else:
                live.request_layout(self)


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
            or not all(isinstance(item, MarkdownListItem) for item in block._blocks)
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
        self._parser = new_parser()
        super().__init__(parser_factory=lambda: self._parser, classes="message-body")
        self.block_tokens: list[list[Token]] | None = []
        self.internals_known = hasattr(self, "_markdown") and hasattr(self, "_last_parsed_line")
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
            groups = [group.tokens for group in top_level_groups(self._parser.parse(markdown))]
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
            groups = [group.tokens for group in top_level_groups(self._parser.parse(updated))]
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


class Segment(Widget):
    """Finished blocks of a reply: mounted near the viewport, an empty box of their height elsewhere."""

    DEFAULT_CSS = """
    Segment {
        height: auto;
    }
    """

    @dataclass
    class Fitted(Message):
        """A segment's blocks are mounted and its height changed from the one it was given."""

        segment: Segment
        delta: int

    def __init__(self, source: str, tokens: list[Token], height: int, *, measured: bool) -> None:
        super().__init__(classes="reply-segment")
        self.source = source
        self.tokens = tokens
        self.measured = measured
        self.rendered = False
        self._loading = False
        self.styles.height = max(height, 1)

    def show(self) -> None:
        """Mount the blocks (parsed off the event loop by Markdown.update)."""
        if self.rendered or self._loading:
            return
        self._loading = True
        self.mount(Markdown(self.source, parser_factory=parser_factory(), classes="message-body"))

    def on_markdown_table_of_contents_updated(self, event: Markdown.TableOfContentsUpdated) -> None:
        event.stop()
        if self._loading:
            self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        markdown = next(iter(self.query_children(Markdown)), None)
        if markdown is None or not self._loading:
            return
        self._loading = False
        self.rendered = True
        old, new = self.size.height, markdown.outer_size.height
        self.styles.height = "auto"
        self.measured = True
        if new != old:
            self.post_message(self.Fitted(self, new - old))

    def hide(self) -> None:
        """Unmount the blocks and keep their height; call only when the layout is current."""
        if not self.rendered:
            return
        self.styles.height = max(self.size.height, 1)
        self.rendered = False
        self.remove_children()

    def estimate(self, width: int) -> None:
        """Re-guess the height of an unmounted segment for a new width."""
        if not self.rendered and not self._loading:
            self.measured = False
            self.styles.height = max(sum(estimate_rows(group, width) for group in top_level_groups(self.tokens)), 1)


class ReplyBody(Vertical):
    """Segments of finished blocks followed by the live tail, fed at a steady pace."""

    DEFAULT_CSS = """
    ReplyBody {
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.live = LiveMarkdown()
        self.segments: list[Segment] = []
        self._parser = new_parser()
        self._parts: list[str] = []
        self._unflushed: list[str] = []
        self._wake = asyncio.Event()
        self._finishing = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._plain = False

    def compose(self):
        yield self.live

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self._parts)

    async def write(self, fragment: str) -> None:
        """Queue a fragment; the pump hands queued text to the live widget every FLUSH_INTERVAL."""
        if not fragment or self._finishing.is_set():
            return
        self._parts.append(fragment)
        self._unflushed.append(fragment)
        if self._pump is None:
            self._pump = asyncio.create_task(self._run(), name="reply-body-pump")
        self._wake.set()

    def on_unmount(self) -> None:
        self._finishing.set()
        if self._pump is not None:
            self._pump.cancel()

    def _pane(self) -> ScrollableContainer | None:
        return next((node for node in self.ancestors if isinstance(node, ScrollableContainer)), None)

    def _viewport(self) -> Region:
        pane = self._pane()
        return pane.region if pane is not None else Region()

    def _width(self) -> int:
        return self.live.size.width or self.size.width or self._viewport().width or 80

    def _rows(self) -> int:
        return max(self._viewport().height, 10)

    async def _run(self) -> None:
        """Hand queued text to a MarkdownStream, and move finished off-screen blocks into segments."""
        stream = Markdown.get_stream(self.live)
        next_freeze = time.monotonic() + FREEZE_INTERVAL
        deferred = False
        try:
            while not self._finishing.is_set():
                await self._wake.wait()
                self._wake.clear()
                if self._finishing.is_set():
                    break
                started = time.monotonic()
                pause = FLUSH_INTERVAL
                text = "".join(self._unflushed)
                self._unflushed.clear()
                self._plain = self._plain or bool(OTHER_LINE_BREAKS.search(text))
                burst = not self._plain and rough_rows(text, self._width()) > 2 * self._rows()
                if burst and not deferred:
                    self._unflushed.insert(0, text)
                    deferred = True
                    pause = BURST_DELAY
                elif burst:
                    deferred = False
                    await self._stop(stream)
                    await self._place(self.live.source + text)
                    stream = Markdown.get_stream(self.live)
                    pause = BURST_BACKOFF * (time.monotonic() - started)
                else:
                    deferred = False
                    await self._hand_over(stream, text)
                if not deferred and not self._plain and time.monotonic() >= next_freeze and len(self.live.blocks) > 2:
                    await self._stop(stream)
                    if await self._refreshed():
                        await self._freeze_offscreen()
                    stream = Markdown.get_stream(self.live)
                    next_freeze = time.monotonic() + FREEZE_INTERVAL
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._finishing.wait(), max(pause, time.monotonic() - started))
        finally:
            await self._stop(stream)

    async def _hand_over(self, stream, text: str) -> None:
        """Write what can be shown without a layout now; text that adds lines or blocks every GROW_INTERVAL."""
        live = self.live
        due = time.monotonic() - live.grown_at >= GROW_INTERVAL
        newline = text.find("\n")
        if due or (newline < 0 and live.grows_in_place):
            now, held = text, ""
        elif live.grows_in_place:
            now, held = text[:newline], text[newline:]
        else:
            now, held = "", text
        if held:
            self._unflushed.insert(0, held)
            self._wake.set()
        if now:
            await stream.write(now)
        if due:
            live.lay_out_grown()

    async def _refreshed(self) -> bool:
        """Wait until the screen has been laid out; False if the reply finishes first.

        `finish` runs in the screen's handler, and refreshes need that handler to return, so the
        wait gives way to it instead of deadlocking.
        """
        refreshed = asyncio.Event()
        if not self.call_after_refresh(refreshed.set):
            return False
        waiters = [asyncio.ensure_future(refreshed.wait()), asyncio.ensure_future(self._finishing.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return refreshed.is_set() and not self._finishing.is_set()

    async def _stop(self, stream) -> None:
        """Stop a stream and wait for any append still running."""
        await stream.stop()
        async with self.live.lock:
            pass

    async def _freeze_offscreen(self) -> None:
        """Move finished blocks well outside the viewport into segments; the layout must be current."""
        view, live = self._viewport(), self.live
        blocks = live.blocks
        if not view or len(blocks) < 3 or live.block_tokens is None:
            return
        margin = NEAR_ROWS
        regions = [block.region for block in blocks]
        if not all(regions):
            return
        below = regions[0].y >= view.bottom + margin
        cut = next(
            (
                index
                for index in range(len(blocks) - 1, 0, -1)
                if blocks[index].styles.margin.top == 0 and (below or regions[index].y <= view.y - margin)
            ),
            None,
        )
        top = live.region.y
        if cut is None or (not below and regions[cut].y - top < MIN_FREEZE_ROWS):
            return
        starts = [0]
        for index in range(1, cut):
            if regions[index].y - regions[starts[-1]].y >= SEGMENT_ROWS and blocks[index].styles.margin.top == 0:
                starts.append(index)
        starts.append(cut)
        lines = live.source.splitlines(keepends=True)
        segments = []
        for first, last in zip(starts, starts[1:]):
            begin = 0 if first == 0 else blocks[first].source_range[0]
            source = "".join(lines[begin : blocks[last].source_range[0]])
            height = regions[last].y - (top if first == 0 else regions[first].y)
            segments.append(Segment(source, self._parser.parse(source), height, measured=True))
        with self.app.batch_update():
            await self.mount_all(segments, before=live)
            await live.drop_head(cut, blocks[cut].source_range[0])
        self.segments.extend(segments)

    async def _place(self, text: str) -> None:
        """Show `text` (everything after the segments) as estimated segments and a live tail of about a screen."""
        tokens = self._parser.parse(text)
        groups = top_level_groups(tokens)
        width, keep = self._width(), self._rows() * 5 // 4
        rows = [estimate_rows(group, width) for group in groups]
        cut, total = None, 0
        for index in range(len(groups) - 1, 0, -1):
            total += rows[index]
            if total >= keep and groups[index].kind in ZERO_TOP_MARGIN:
                cut = index
                break
        if cut is None or self._plain:
            await self.live.update(text)
            return
        starts, size = [0], 0
        for index in range(cut):
            if index > starts[-1] and size >= SEGMENT_ROWS and groups[index].kind in ZERO_TOP_MARGIN:
                starts.append(index)
                size = 0
            size += rows[index]
        starts.append(cut)
        lines = text.splitlines(keepends=True)
        segments = []
        for first, last in zip(starts, starts[1:]):
            begin = 0 if first == 0 else groups[first].line
            source = "".join(lines[begin : groups[last].line])
            segments.append(Segment(source, self._parser.parse(source), sum(rows[first:last]), measured=False))
        with self.app.batch_update():
            await self.mount_all(segments, before=self.live)
            await self.live.update("".join(lines[groups[cut].line :]))
        self.segments.extend(segments)
        self._check_visibility()

    def _check_visibility(self) -> None:
        pane = self._pane()
        if pane is not None and hasattr(pane, "schedule_visibility_check"):
            pane.schedule_visibility_check()

    async def finish(self, final_text: str) -> None:
        """Stop streaming and leave exactly the blocks `Markdown.update(final_text)` would show.

        The live tail gets the last text through `append`, then every block's recorded tokens are
        compared with a fresh parse of its text, and the segments' with a parse of the whole reply;
        whatever does not match is rebuilt with `update`, so unclosed fences and the like close.
        """
        self._finishing.set()
        self._wake.set()
        if self._pump is not None:
            with suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        self._unflushed.clear()
        live = self.live
        async with live.lock:
            pass
        live.immediate = True
        live.lay_out_grown()
        sealed = "".join(segment.source for segment in self.segments)
        if not final_text.startswith(sealed):
            await self._reset()
            sealed = ""
        tail = final_text[len(sealed) :]
        self._plain = self._plain or bool(OTHER_LINE_BREAKS.search(tail))
        if tail.startswith(live.source) and rough_rows(tail[len(live.source) :], self._width()) <= 2 * self._rows():
            if len(tail) > len(live.source):
                await live.append(tail[len(live.source) :])
        else:
            await self._place(tail)
        live_tokens = self._parser.parse(live.source)
        recorded = live.block_tokens
        fresh = [group.tokens for group in top_level_groups(live_tokens)]
        if recorded is None or len(recorded) != len(fresh) or not all(map(same_tokens, recorded, fresh)):
            await live.update(live.source)
        if self.segments:
            pieces = [token for segment in self.segments for token in segment.tokens] + live_tokens
            if not same_tokens(self._parser.parse(final_text), pieces):
                await self._reset()
                await live.update(final_text)
        self._check_visibility()

    async def _reset(self) -> None:
        """Drop every segment."""
        segments, self.segments = self.segments, []
        if segments:
            await self.remove_children(segments)

    def update_visibility(self, view: Region) -> None:
        """Mount segments near the viewport and unmount those far from it; the layout must be current."""
        near = Region(view.x, view.y - NEAR_ROWS, view.width, view.height + 2 * NEAR_ROWS)
        far = Region(view.x, view.y - view.height * 2, view.width, view.height * 5)
        for segment in self.segments:
            region = segment.region
            if not region:
                continue
            if region.overlaps(near):
                segment.show()
            elif segment.rendered and not region.overlaps(far):
                segment.hide()

    def estimate_heights(self, width: int) -> None:
        """The pane's width changed: heights measured at the old width are guesses now."""
        for segment in self.segments:
            segment.estimate(width)
