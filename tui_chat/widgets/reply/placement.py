"""Where a reply's text splits into segments: by measured heights, by estimated ones, or for a stored reply.

A segment starts only at a top-level block with no top margin, so the gaps between blocks look the
same whether the blocks sit in one Markdown widget or in several.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from textual.geometry import Region

from tui_chat.widgets.reply.segment import Segment, estimate_rows
from tui_chat.widgets.reply.tokens import RememberingParser, new_parser, top_level_groups

if TYPE_CHECKING:
    from tui_chat.widgets.reply.live_markdown import LiveMarkdown

NEAR_ROWS = 4
"""Segments this close to the viewport have their blocks mounted; live blocks farther away are frozen."""
MIN_FREEZE_ROWS = 24
"""Finished blocks leave the live widget in runs of at least this many rows."""
SEGMENT_ROWS = 40
"""Rows per segment: the unit mounted at once when the reader scrolls to it."""
ZERO_TOP_MARGIN = frozenset({"paragraph_open", "bullet_list_open", "ordered_list_open", "table_open", "hr"})
"""Top-level tokens whose block has no top margin: a segment may start there without changing the gaps."""
OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Line breaks that str.splitlines (used by Markdown.append) honours and markdown-it does not; with
any of them in a reply, line numbers disagree, so nothing is frozen or skipped."""


def rough_rows(text: str, width: int) -> int:
    """A fast upper-ish guess of the rows some text takes, without parsing it."""
    width = max(width, 10)
    return sum(1 + len(line) // width for line in text.split("\n"))


def measured_segments(live: LiveMarkdown, view: Region) -> tuple[list[Segment], int, int] | None:
    """Finished live blocks well outside `view` as segments of their measured heights; the layout must be current.

    Returns the segments, how many of the live widget's blocks they hold and the source line the
    first block left behind starts on; None when nothing is far enough out of sight.
    """
    blocks = live.blocks
    if not view or len(blocks) < 3 or live.block_tokens is None:
        return None
    regions = [block.region for block in blocks]
    if not all(regions):
        return None
    below = regions[0].y >= view.bottom + NEAR_ROWS
    cut = next(
        (
            index
            for index in range(len(blocks) - 1, 0, -1)
            if blocks[index].styles.margin.top == 0 and (below or regions[index].y <= view.y - NEAR_ROWS)
        ),
        None,
    )
    top = live.region.y
    if cut is None or (not below and regions[cut].y - top < MIN_FREEZE_ROWS):
        return None
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
        segments.append(Segment(source, live.parser.parse(source), height, measured=True))
    return segments, cut, blocks[cut].source_range[0]


def estimated_segments(
    text: str, parser: RememberingParser, width: int, keep_rows: int
) -> tuple[list[Segment], str] | None:
    """`text` as segments of estimated heights followed by a tail of about `keep_rows` rows; None to keep it whole."""
    groups = top_level_groups(parser.parse(text))
    rows = [estimate_rows(group, width) for group in groups]
    cut, total = None, 0
    for index in range(len(groups) - 1, 0, -1):
        total += rows[index]
        if total >= keep_rows and groups[index].kind in ZERO_TOP_MARGIN:
            cut = index
            break
    if cut is None:
        return None
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
        segments.append(Segment(source, parser.parse(source), sum(rows[first:last]), measured=False))
    return segments, "".join(lines[groups[cut].line :])


@functools.cache
def stored_parser() -> MarkdownIt:
    """One Markdown parser for splitting stored replies (parsing is stateless)."""
    return new_parser()


def stored_segments(text: str, width: int) -> list[Segment]:
    """A stored reply as segments of about SEGMENT_ROWS rows, each with an estimated height.

    A reply with link reference definitions stays one segment: each segment is rendered from its
    own source, where a reference defined in another would show as literal brackets.
    """
    env: dict = {}
    tokens = stored_parser().parse(text, env)
    groups = top_level_groups(tokens)
    rows = [estimate_rows(group, width) for group in groups]
    starts, size = [0], 0
    if not OTHER_LINE_BREAKS.search(text) and not env.get("references"):
        for index, group in enumerate(groups):
            if index > starts[-1] and size >= SEGMENT_ROWS and group.kind in ZERO_TOP_MARGIN:
                starts.append(index)
                size = 0
            size += rows[index]
    if len(starts) == 1:
        return [Segment(text, tokens, sum(rows), measured=False)]
    lines = text.splitlines(keepends=True)
    segments = []
    for first, last in zip(starts, [*starts[1:], len(groups)]):
        begin = 0 if first == 0 else groups[first].line
        end = groups[last].line if last < len(groups) else len(lines)
        own_tokens = [token for group in groups[first:last] for token in group.tokens]
        segments.append(Segment("".join(lines[begin:end]), own_tokens, sum(rows[first:last]), measured=False))
    return segments
