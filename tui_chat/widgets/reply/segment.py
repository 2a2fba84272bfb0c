"""Finished blocks of a reply, mounted only near the viewport and otherwise an empty box of their height."""

from __future__ import annotations

import math
from dataclasses import dataclass

from markdown_it.token import Token
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Markdown

from tui_chat.widgets.reply.tokens import Group, parser_factory, top_level_groups


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


def show_near(segments: list[Segment], near: Region, far: Region) -> None:
    """Mount the segments overlapping `near` and unmount those outside `far`; the layout must be current."""
    for segment in segments:
        region = segment.region
        if not region:
            continue
        if region.overlaps(near):
            segment.show()
        elif segment.rendered and not region.overlaps(far):
            segment.hide()
