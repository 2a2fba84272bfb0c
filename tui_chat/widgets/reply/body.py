"""A streamed reply's body: a small live Markdown tail, with finished blocks frozen into segments.

Textual lays out and visits every widget on the screen on each layout, so a reply of a few thousand
blocks would cost seconds per frame. Here a MarkdownStream feeds a LiveMarkdown that holds about a
screen of blocks; finished blocks that scroll out of sight leave it for `Segment`s, which keep their
source and measured height and mount their blocks only near the viewport. When text arrives faster
than it can be drawn, the part that would land out of sight goes straight into segments with an
estimated height. `finish` leaves exactly the blocks a fresh `Markdown.update(final_text)` shows.
A reply past sane Markdown sizes (see plain_text.py) is shown instead as literal text, whole.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

from textual.containers import ScrollableContainer, Vertical
from textual.geometry import Region
from textual.widgets import Markdown

from tui_chat.widgets.reply.live_markdown import LiveMarkdown
from tui_chat.widgets.reply.placement import (
    NEAR_ROWS,
    OTHER_LINE_BREAKS,
    estimated_segments,
    measured_segments,
    rough_rows,
)
from tui_chat.widgets.reply.plain_text import PlainRows, TextShape, too_big_for_markdown
from tui_chat.widgets.reply.segment import Segment, show_near
from tui_chat.widgets.reply.tokens import same_tokens, top_level_groups

__all__ = ["NEAR_ROWS", "ReplyBody"]

FLUSH_INTERVAL = 0.2
"""Seconds between hand-overs of new text to the live widget."""
BURST_DELAY = 0.25
"""Text arriving faster than it can be drawn waits this long first: the reply may be over by then."""
BURST_BACKOFF = 3.0
"""After drawing a burst, wait this many times as long as drawing it took."""
FREEZE_INTERVAL = 1.0
"""Seconds between checks for finished blocks that have scrolled out of sight."""


class ReplyBody(PlainRows, Vertical):
    """Segments of finished blocks followed by the live tail, fed at a steady pace; or, past Markdown sizes, plain text."""

    DEFAULT_CSS = """
    ReplyBody {
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.live = LiveMarkdown()
        self.segments: list[Segment] = []
        self._parser = self.live.parser
        self._parts: list[str] = []
        self._unflushed: list[str] = []
        self._wake = asyncio.Event()
        self._finishing = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._odd_line_breaks = False
        self._shape = TextShape()
        self._shaped_parts = 0

    def compose(self):
        yield self.live

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self._parts)

    @property
    def shown_source(self) -> str:
        """The text the body's widgets hold: the plain text, or the segments' sources and the live tail's."""
        if self.plain is not None:
            return self.plain.text
        return "".join(segment.source for segment in self.segments) + self.live.source

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
                plain = self.plain is not None or self._too_big_for_markdown()
                self._odd_line_breaks = self._odd_line_breaks or (not plain and bool(OTHER_LINE_BREAKS.search(text)))
                burst = not plain and not self._odd_line_breaks and rough_rows(text, self._width()) > 2 * self._rows()
                if plain:
                    deferred = False
                    await self._stop(stream)
                    if self.plain is None:
                        await self._show_plain(self.text)
                    else:
                        self.append_plain(text)
                elif burst and not deferred:
                    self._unflushed.insert(0, text)
                    self._wake.set()  # drawn after the pause below even if no more text arrives
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
                if (
                    not deferred
                    and not self._odd_line_breaks
                    and self.plain is None
                    and time.monotonic() >= next_freeze
                    and len(self.live.blocks) > 2
                ):
                    await self._stop(stream)
                    if await self._refreshed():
                        await self._freeze_offscreen()
                    stream = Markdown.get_stream(self.live)
                    next_freeze = time.monotonic() + FREEZE_INTERVAL
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._finishing.wait(), max(pause, time.monotonic() - started))
        finally:
            await self._stop(stream)

    def _too_big_for_markdown(self) -> bool:
        """Whether the text received so far is past the sizes shown as Markdown."""
        parts = self._parts
        if self._shaped_parts < len(parts):
            self._shape.add("".join(parts[self._shaped_parts :]))
            self._shaped_parts = len(parts)
        return self._shape.too_big_for_markdown

    async def _show_plain(self, text: str) -> None:
        """Show the whole reply, `text`, as plain text in place of the Markdown."""
        await self._reset()
        with self.app.batch_update():
            self.live.display = False
            self.add_class("message-body")  # the text colour of a message's body
            self.show_plain(text)
            await self.live.update("")

    async def _hand_over(self, stream, text: str) -> None:
        """Write what can be shown without a layout now, and text that adds lines or blocks when a layout is due."""
        live = self.live
        due = live.layout_due
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
        if due and now:
            live.lay_out_after_append = True  # with the blocks this text mounts, in one frame
        elif due:
            live.lay_out_grown()
        if now:
            await stream.write(now)

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
        """Stop a stream and wait for any append still running.

        MarkdownStream.stop raises CancelledError when the stream's task is cancelled before it first
        ran (a stream started and stopped in one step); that ends the stream, not this task.
        """
        try:
            await stream.stop()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
        async with self.live.lock:
            pass

    async def _freeze_offscreen(self) -> None:
        """Move finished blocks well outside the viewport into segments; the layout must be current."""
        split = measured_segments(self.live, self._viewport())
        if split is None:
            return
        segments, count, line = split
        with self.app.batch_update():
            await self.mount_all(segments, before=self.live)
            await self.live.drop_head(count, line)
        self.segments.extend(segments)

    async def _place(self, text: str) -> None:
        """Show `text` (everything after the segments) as estimated segments and a live tail of about a screen."""
        split = (
            None
            if self._odd_line_breaks
            else estimated_segments(text, self._parser, self._width(), self._rows() * 5 // 4)
        )
        if split is None:
            await self.live.update(text)
            return
        segments, tail = split
        with self.app.batch_update():
            await self.mount_all(segments, before=self.live)
            await self.live.update(tail)
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
        if too_big_for_markdown(final_text):
            await self._finish_plain(final_text)
            return
        if self.plain is not None:
            self.hide_plain()
            self.remove_class("message-body")
            live.display = True
        sealed = "".join(segment.source for segment in self.segments)
        if not final_text.startswith(sealed):
            await self._reset()
            sealed = ""
        tail = final_text[len(sealed) :]
        self._odd_line_breaks = self._odd_line_breaks or bool(OTHER_LINE_BREAKS.search(tail))
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

    async def _finish_plain(self, final_text: str) -> None:
        """Leave exactly `final_text` shown as plain text."""
        plain = self.plain
        if plain is None:
            await self._show_plain(final_text)
        elif final_text.startswith(shown := plain.text):
            self.plain_immediate = True
            self.append_plain(final_text[len(shown) :])
            self.lay_out_plain()
        else:
            self.show_plain(final_text)
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
        show_near(self.segments, near, far)

    def estimate_heights(self, width: int) -> None:
        """The pane's width changed: heights measured at the old width are guesses now."""
        for segment in self.segments:
            segment.estimate(width)
