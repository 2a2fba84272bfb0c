"""A streamed reply, once finished, shows exactly the blocks a fresh `Markdown.update` of its whole text shows.

Generated Markdown (headings, paragraphs, nested lists, fences closed and not, tables, quotes, inline
markup and hostile text) is streamed into the real `ReplyBody` in random fragment sizes, with random
pauses, scrolling and a reply that starts out of sight (so blocks freeze into segments and bursts
are placed as estimated segments); then every block it shows is compared with a fresh render.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownBlock

from tui_chat.core.models import Message, Role
from tui_chat.core.text import show_controls
from tui_chat.widgets.message_view import MessageView
from tui_chat.widgets.reply import body as body_module
from tui_chat.widgets.reply import steady_blocks
from tui_chat.widgets.reply.body import ReplyBody
from tui_chat.widgets.reply.tokens import parser_factory

SIZE = (60, 14)

WORDS = st.sampled_from(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "x",
        "longerwordthatwrapsaroundthepane",
        "漢字",
        "🙂",
        "e\u0301",
        "**bold**",
        "*em*",
        "_em_",
        "`code`",
        "``a ` b``",
        "[link](https://example.com)",
        "~~gone~~",
        "[bold]not markup[/bold]",
        "[@click=app.quit]q[/]",
        "\x1b[31mred",
        "\\*",
        "\\",
        "&amp;",
        "<b>html</b>",
        "*",
        "_",
        "`",
        "|",
        "#",
        ">",
        "-",
        "1.",
        "\t",
        "\u2028",
        "\x00",
        "[ref]",
        "[Ref][ref]",
        "<https://a.b>",
    ]
)
INLINE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


@st.composite
def list_block(draw, depth: int = 0) -> str:
    """A bullet or ordered list, its items sometimes holding a nested list."""
    ordered = draw(st.booleans())
    start = draw(st.sampled_from([1, 7, 9, 99]))
    bullet = draw(st.sampled_from(["-", "*", "+"]))
    indent = "   " * depth if ordered else "  " * depth
    lines = []
    for number in range(draw(st.integers(1, 4))):
        marker = f"{start + number}." if ordered else bullet
        lines.append(f"{indent}{marker} {draw(INLINE)}")
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            lines.append(draw(list_block(depth + 1)).rstrip("\n"))
    return "\n".join(lines) + "\n"


@st.composite
def fence_block(draw, closed: bool = True) -> str:
    """A fenced code block (``` or ~~~, with or without a language), closed or left open."""
    fence = draw(st.sampled_from(["```", "~~~", "````"]))
    language = draw(st.sampled_from(["", "python", "js", "no-such-language"]))
    code = draw(st.lists(st.one_of(INLINE, st.just(""), st.just("```"), st.just("    indented")), max_size=5))
    return "\n".join([fence + language, *code, *([fence] if closed else [])]) + "\n"


@st.composite
def table_block(draw) -> str:
    """A GFM table, rows sometimes with too few or too many cells."""
    columns = draw(st.integers(1, 3))
    header = "| " + " | ".join(draw(INLINE).replace("|", "/") for _ in range(columns)) + " |"
    rule = "|" + "|".join(draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(columns)) + "|"
    rows = [
        "| " + " | ".join(draw(INLINE).replace("|", "/") for _ in range(draw(st.integers(1, columns + 1)))) + " |"
        for _ in range(draw(st.integers(0, 4)))
    ]
    return "\n".join([header, rule, *rows]) + "\n"


BLOCK = st.one_of(
    st.tuples(st.integers(1, 6), INLINE).map(lambda pair: "#" * pair[0] + " " + pair[1] + "\n"),
    st.lists(INLINE, min_size=1, max_size=3).map(lambda lines: "\n".join(lines) + "\n"),
    list_block(),
    fence_block(),
    table_block(),
    st.lists(INLINE, min_size=1, max_size=3).map(lambda lines: "".join(f"> {line}\n" for line in lines)),
    st.just("> > nested quote\n"),
    st.sampled_from(["---\n", "***\n", "    indented code\n", "\n", "===\n", "[ref]: https://example.com/ref\n"]),
    st.just("<div>\nraw *html*\n</div>\n"),
)


@st.composite
def markdown_text(draw) -> str:
    """A Markdown reply: blocks with blank lines (or none) between, perhaps ending in an unclosed fence."""
    parts = []
    least = draw(st.sampled_from([1, 1, 10, 25]))  # long replies are where blocks freeze into segments
    for block in draw(st.lists(BLOCK, min_size=least, max_size=least + 15)):
        parts.append(block)
        parts.append(draw(st.sampled_from(["\n", "\n", "", "\n\n"])))
    if draw(st.booleans()):
        parts.append(draw(fence_block(closed=False)))
    text = "".join(parts)
    return text if draw(st.booleans()) else text.rstrip("\n")


STEPS = st.lists(st.sampled_from(["write", "write", "pause", "drain", "scroll"]), max_size=60)
MAX_PIECES = 100
SIZES = st.lists(st.one_of(st.integers(1, 12), st.integers(13, 80), st.integers(200, 2000)), min_size=1, max_size=40)


def fragments(text: str, sizes: list[int]) -> list[str]:
    """`text` cut into pieces of the given sizes, cycling through them, but into no more than MAX_PIECES."""
    pieces, at, index = [], 0, 0
    while at < len(text):
        size = max(sizes[index % len(sizes)], len(text) // MAX_PIECES)
        pieces.append(text[at : at + size])
        at += size
        index += 1
    return pieces


def describe(widget: Widget, depth: int = 0) -> list[tuple]:
    """What a widget and everything under it shows: type, classes and text with its styles, depth first."""
    content = widget.content if isinstance(widget, Static) else getattr(widget, "symbol", None)
    if isinstance(content, Content):
        shown: object = (content.plain, tuple((span.start, span.end, str(span.style)) for span in content.spans))
    else:
        shown = content
    rows = [(depth, type(widget).__name__, tuple(sorted(widget.classes)), shown)]
    for child in widget.children:
        rows.extend(describe(child, depth + 1))
    return rows


def top_blocks(markdown: Markdown) -> list[Widget]:
    return [child for child in markdown.children if isinstance(child, MarkdownBlock)]


class ReplyApp(App):
    """A pane holding a spacer (shown to start a reply out of sight), a reply body, and a fresh Markdown."""

    CSS = """
    #pane { height: 12; }
    #fresh-pane { height: 2; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pane"):
            yield Static("spacer", id="spacer")
        with VerticalScroll(id="fresh-pane"):
            yield Markdown(parser_factory=parser_factory(), id="fresh")


def fresh_rows(markdown: Markdown) -> list[tuple]:
    return [row for block in top_blocks(markdown) for row in describe(block)]


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    """Pause until `condition()` is true."""
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError("condition not met in time")
        await pilot.pause()


async def stream_and_compare(pilot, text: str, sizes: list[int], steps: list[str], out_of_sight: bool) -> None:
    """Stream `text` into a new ReplyBody as the chat does, finish it, and compare it with a fresh render."""
    app = pilot.app
    pane = app.query_one("#pane", VerticalScroll)
    spacer = app.query_one("#spacer", Static)
    spacer.styles.height = 40 if out_of_sight else 1
    body = ReplyBody()
    await pane.mount(body)
    await pilot.pause()
    pieces = fragments(text, sizes)
    for index, piece in enumerate(pieces):
        await body.write(show_controls(piece))
        action = steps[index % len(steps)] if steps else "write"
        if action == "pause":
            await pilot.pause()
        elif action == "drain":
            await wait_for(pilot, lambda: body.shown_source == body.text)
        elif action == "scroll":
            pane.scroll_end(animate=False, immediate=True)
            await pilot.pause()
    final_text = show_controls(text)
    await body.finish(final_text)
    assert body.shown_source == final_text
    for segment in body.segments:
        segment.show()
    await wait_for(pilot, lambda: all(segment.rendered for segment in body.segments))
    shown = [block for segment in body.segments for block in top_blocks(segment.query_one(Markdown))]
    shown += top_blocks(body.live)
    fresh = app.query_one("#fresh", Markdown)
    await fresh.update(final_text)
    expected = fresh_rows(fresh)
    actual = [row for block in shown for row in describe(block)]
    await body.remove()
    assert actual == expected, f"streamed {pieces!r}"


async def test_a_burst_is_shown_without_waiting_for_more_text() -> None:
    """Text arriving faster than it can be drawn waits BURST_DELAY, not for the next fragment."""
    async with ReplyApp().run_test(size=SIZE) as pilot:
        body = ReplyBody()
        await pilot.app.query_one("#pane", VerticalScroll).mount(body)
        await pilot.pause()
        burst = "".join(f"Paragraph {n}.\n\n" for n in range(40))
        await body.write(burst)
        await wait_for(pilot, lambda: body.shown_source == burst, timeout=5)
        await body.finish(burst)


async def test_streaming_goes_on_after_a_burst_is_placed(monkeypatch) -> None:
    """Placing a burst starts a new stream; stopping it before it ran (to freeze blocks) must not end the pump."""
    monkeypatch.setattr(body_module, "FREEZE_INTERVAL", 0.0)  # the freeze check comes right after the burst
    async with ReplyApp().run_test(size=SIZE) as pilot:
        body = ReplyBody()
        await pilot.app.query_one("#pane", VerticalScroll).mount(body)
        await pilot.pause()
        burst = "".join(f"Paragraph {n}.\n\n" for n in range(40))
        await body.write(burst)
        await wait_for(pilot, lambda: body.shown_source == burst, timeout=5)
        await body.write("After the burst.\n")
        await wait_for(pilot, lambda: body.shown_source == body.text, timeout=5)
        await body.finish(body.text)


@pytest.fixture
def fast_pacing(monkeypatch):
    """Hand text over, lay out and freeze at once, so each example takes little time yet takes every path."""
    monkeypatch.setattr(body_module, "FLUSH_INTERVAL", 0.0)
    monkeypatch.setattr(body_module, "BURST_DELAY", 0.0)
    monkeypatch.setattr(body_module, "FREEZE_INTERVAL", 0.0)
    monkeypatch.setattr(steady_blocks, "GROW_INTERVAL", 0.02)


async def test_finished_reply_shows_the_blocks_of_a_fresh_render(fast_pacing) -> None:
    loop = asyncio.get_running_loop()
    async with ReplyApp().run_test(size=SIZE) as pilot:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(text=markdown_text(), sizes=SIZES, steps=STEPS, out_of_sight=st.booleans())
        @example(text="```python\nprint(1)\n", sizes=[3], steps=[], out_of_sight=False)
        @example(
            text="See [ref] here.\n\nMore.\n\n[ref]: https://example.com\n",
            sizes=[4],
            steps=["drain"] * 20,
            out_of_sight=False,
        )
        @example(
            text="| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n", sizes=[5], steps=["drain"] * 20, out_of_sight=False
        )
        @example(text="9. nine\n10. ten\n11. eleven\n", sizes=[4], steps=["drain"] * 20, out_of_sight=False)
        @example(text="- a\n  - b\n    - c\n- d\n\n  more d\n", sizes=[2], steps=["pause"] * 30, out_of_sight=False)
        @example(text="> quote\ncontinued\n\n---\n# [bold]x[/] \x1b[31m\n", sizes=[1, 7], steps=[], out_of_sight=False)
        @example(text="para\u2028graph\n\n- item\u2028two\n", sizes=[3], steps=["drain"] * 10, out_of_sight=True)
        @example(
            text="".join(f"Paragraph {n} with some words in it.\n\n" for n in range(60)) + "```\nopen",
            sizes=[40],
            steps=["drain", "scroll"] * 40,
            out_of_sight=False,
        )
        @example(
            text="".join(f"- item {n}\n" for n in range(40)) + "\n" + "".join(f"line {n}\n\n" for n in range(40)),
            sizes=[2000],
            steps=[],
            out_of_sight=True,
        )
        def check(text: str, sizes: list[int], steps: list[str], out_of_sight: bool) -> None:
            # Hypothesis drives examples synchronously, so it runs in a thread and each example on the app's loop.
            asyncio.run_coroutine_threadsafe(stream_and_compare(pilot, text, sizes, steps, out_of_sight), loop).result()

        await asyncio.to_thread(check)


async def show_stored_and_compare(pilot, text: str) -> None:
    """Open `text` as a stored reply drawn in segments, mount them all, and compare with a fresh render."""
    app = pilot.app
    view = MessageView(Message(id=1, conversation_id=1, role=Role.ASSISTANT, content=text), width=SIZE[0], eager=False)
    await app.query_one("#pane", VerticalScroll).mount(view)
    for segment in view.segments:
        segment.show()
    await wait_for(pilot, lambda: all(segment.rendered for segment in view.segments))
    shown = [block for segment in view.segments for block in top_blocks(segment.query_one(Markdown))]
    fresh = app.query_one("#fresh", Markdown)
    await fresh.update(show_controls(text))
    actual = [row for block in shown for row in describe(block)]
    await view.remove()
    assert actual == fresh_rows(fresh), f"{len(view.segments)} segments"


async def test_stored_reply_in_segments_shows_the_blocks_of_a_fresh_render() -> None:
    loop = asyncio.get_running_loop()
    async with ReplyApp().run_test(size=SIZE) as pilot:

        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(text=st.lists(markdown_text(), min_size=1, max_size=5).map("\n\n".join))
        @example(
            text="See [ref] here.\n\n"
            + "".join(f"Paragraph {n}.\n\n" for n in range(80))
            + "[ref]: https://example.com\n"
        )
        @example(text="".join(f"Paragraph {n}.\n\n" for n in range(80)) + "```\nopen fence")
        def check(text: str) -> None:
            asyncio.run_coroutine_threadsafe(show_stored_and_compare(pilot, text), loop).result()

        await asyncio.to_thread(check)
