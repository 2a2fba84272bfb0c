"""Replies past sane Markdown sizes (a 1 MB line, 100,000 lines) are shown as literal text, whole, folded at the
width and followed to the bottom, and the app still answers keys. How long they take is in benchmarks/hostile_render.py."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len

from tests.hostile.corpus import LARGE, Case, params
from tests.hostile.screen import screen_text, unsafe_characters
from tests.loopback import Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import Role
from tui_chat.core.text import show_controls
from tui_chat.demo.corpus import markdown_corpus, split_tokens
from tui_chat.widgets.chat_pane import ChatPane, ReplyView
from tui_chat.widgets.reply.body import ReplyBody
from tui_chat.widgets.reply.plain_text import (
    MAX_MARKDOWN_CHARS,
    MAX_MARKDOWN_LINE_CHARS,
    MAX_MARKDOWN_LINES,
    FoldedText,
    PlainRows,
    PlainText,
    too_big_for_markdown,
)
from tui_chat.widgets.reply.tokens import RememberingParser, new_parser, same_tokens
from tui_chat.widgets.usage_sidebar import UsageSidebar

HOSTILE_LINES = [
    "[bold]not bold[/bold] [red]not red[/]",
    "[@click=app.quit]press here[/]",
    "**not strong** _not emphasis_ `not code`",
    "# not a heading",
    "\x1b[31mred\x1b[0m \x1b]52;c;RVZJTA==\x07 \x9b31m",
    "tab\there",
]
"""The last lines of a huge reply: each must be shown exactly as written (controls as stand-ins)."""


def terminal_rows(text: str, width: int) -> list[str]:
    """How a terminal shows ASCII text `width` columns wide: each line cut every `width` characters."""
    rows = []
    for line in text.expandtabs(8).split("\n"):
        rows.extend([line[start : start + width] for start in range(0, len(line), width)] or [""])
    return rows


def shown_rows(widget: PlainRows) -> list[str]:
    """Every row a widget showing plain text draws, read back from its strips."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


def plain_view(app: ChatApp) -> ReplyBody:
    """The last reply's body, checked to be showing plain text and nothing else."""
    body = app.screen.query(ReplyView).last().body
    assert body.plain is not None, "the reply should be shown as plain text"
    assert not body.live.display and body.live.source == "" and body.segments == []
    assert body.has_class("message-body"), "plain text takes the colours of a message's body"
    return body


async def stored_reply(services) -> str:
    repository = await services.repository()
    messages = await repository.messages((await repository.latest_conversation()).id)
    assert messages[-1].status.value == "complete"
    return messages[-1].content


@pytest.mark.parametrize("case", params(LARGE))
async def test_huge_reply_is_shown_whole_and_literally(make_services, loopback, case: Case) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        loopback.enqueue(Script(text=case.text))
        await send(pilot, "Say a lot")
        await wait_for_reply(pilot, timeout=900)
        stored = await stored_reply(services)
        assert stored == case.text
        plain = plain_view(app)
        await pilot.pause()
        width = plain.size.width
        assert plain.plain.text == stored
        assert shown_rows(plain) == [row.ljust(width) for row in terminal_rows(stored, width)]

        pane = app.screen.query_one(ChatPane)
        assert pane.scroll_y == pane.max_scroll_y, "the pane should have followed the reply to its end"
        assert stored.split()[-1] in screen_text(app)

        sidebar = app.screen.query_one(UsageSidebar)
        shown = sidebar.display
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: plain.size.width != width, timeout=60)
        await pilot.pause()
        assert sidebar.display is not shown
        resized = plain.size.width
        assert shown_rows(plain) == [row.ljust(resized) for row in terminal_rows(stored, resized)]
        assert pane.scroll_y == pane.max_scroll_y and stored.split()[-1] in screen_text(app)
        assert unsafe_characters(app) == [] and app.is_running


async def test_markup_and_escapes_in_a_huge_reply_stay_literal(make_services, loopback) -> None:
    lines = [f"log line {number}" for number in range(MAX_MARKDOWN_LINES + 10)] + HOSTILE_LINES
    text = "\n".join(lines)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        loopback.enqueue(Script(text=text))
        await send(pilot, "Paste the log")
        await wait_for_reply(pilot, timeout=300)
        plain = plain_view(app)
        await pilot.pause()
        assert plain.plain.text == show_controls(await stored_reply(services)) == show_controls(text)
        width = plain.size.width
        last_rows = shown_rows(plain)[-len(HOSTILE_LINES) :]
        assert [row.rstrip() for row in last_rows] == [show_controls(line).expandtabs(8) for line in HOSTILE_LINES]
        for y in range(plain.size.height - len(HOSTILE_LINES), plain.size.height):
            for segment in plain.render_line(y):
                assert not segment.style.bold and not segment.style.italic and "@click" not in segment.style.meta
        screen = screen_text(app)
        assert "[bold]not bold[/bold] [red]not red[/]" in screen and "[@click=app.quit]press here[/]" in screen
        assert "# not a heading" in screen and "␛[31mred␛[0m ␛]52;c;RVZJTA==␇ <U+009B>31m" in screen
        assert unsafe_characters(app) == []
        assert all(cell_len(row) <= width for row in plain.plain.rows)
        assert app.is_running


async def test_reply_that_grows_too_big_while_streaming_turns_plain(make_services, loopback) -> None:
    """Markdown is shown until the reply passes the limits; then the whole reply, Markdown start included, is plain."""
    start = "# A heading\n\nSome **bold** words.\n\n"
    text = start + "".join(f"row {number}\n" for number in range(MAX_MARKDOWN_LINES + 100))
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        loopback.enqueue(
            Script(text=text, tokens_per_second=0, stall_after=len(split_tokens(start)), stall_seconds=2.0)
        )
        await send(pilot, "Go")
        await wait_until(pilot, lambda: bool(app.screen.query(ReplyView)))
        body = app.screen.query(ReplyView).last().body
        await wait_until(pilot, lambda: body.live.source.startswith("# A heading"), timeout=30)
        assert body.plain is None
        await wait_for_reply(pilot, timeout=300)
        plain = plain_view(app)
        await pilot.pause()
        assert plain.plain.text == text == await stored_reply(services)
        assert shown_rows(plain)[:3] == [
            row.ljust(plain.size.width) for row in ("# A heading", "", "Some **bold** words.")
        ]


async def test_stored_huge_reply_reopens_as_plain_text(make_services) -> None:
    text = LARGE[-1].text
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    await repository.add_message(conversation.id, Role.USER, "Paste the log")
    await repository.add_message(conversation.id, Role.ASSISTANT, text, model="demo")
    app = ChatApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.screen.query(PlainText)), timeout=60)
        plain = app.screen.query_one(PlainText)
        await wait_until(pilot, lambda: plain.size.height > 1, timeout=60)
        assert plain.plain is not None and plain.plain.text == text
        assert shown_rows(plain) == [row.ljust(plain.size.width) for row in terminal_rows(text, plain.size.width)]
        await wait_until(pilot, lambda: text.split()[-1] in screen_text(app), timeout=60)


async def test_reply_just_under_the_limits_stays_markdown(make_services, loopback) -> None:
    text = "".join(f"line {number}\n" for number in range(MAX_MARKDOWN_LINES - 1))
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 40)) as pilot:
        loopback.enqueue(Script(text=text))
        await send(pilot, "Almost too much")
        await wait_for_reply(pilot, timeout=300)
        body = app.screen.query(ReplyView).last().body
        assert body.plain is None and body.live.display and not body.has_class("message-body")
        assert body.shown_source == text


def test_remembering_parser_gives_what_a_fresh_parser_gives() -> None:
    parser, text = RememberingParser(), markdown_corpus(2_000)
    first = parser.parse(text)
    assert parser.parse(text) is first, "the same text is parsed once"
    assert same_tokens(first, new_parser().parse(text))
    longer = parser.parse(text + "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert longer is not first and same_tokens(
        longer, new_parser().parse(text + "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    )


def test_limits_keep_long_markdown_replies_as_markdown() -> None:
    assert not too_big_for_markdown(markdown_corpus(20_000))
    assert not too_big_for_markdown("line\n" * (MAX_MARKDOWN_LINES - 1))
    assert too_big_for_markdown("line\n" * MAX_MARKDOWN_LINES)
    assert not too_big_for_markdown("x" * MAX_MARKDOWN_LINE_CHARS)
    assert too_big_for_markdown("short\n" + "x" * (MAX_MARKDOWN_LINE_CHARS + 1) + "\nshort")
    assert too_big_for_markdown(("y" * 999 + "\n") * (MAX_MARKDOWN_CHARS // 1000 + 1))


def test_text_appended_in_pieces_folds_like_the_whole() -> None:
    """Wide characters, grapheme clusters, tabs and long lines folded piece by piece give the rows of the whole text."""
    chooser = random.Random(7)
    pieces = ["ab", "中文", "\t", "x" * 130, "\n", "👍🏽", "e\u0301", " ", "\x1b[31m", "👩‍👩‍👧"]
    text = "".join(chooser.choice(pieces) for _ in range(4000))
    whole, streamed, folded_late = FoldedText(), FoldedText(), FoldedText()
    whole.fold_to(37)
    streamed.fold_to(37)
    whole.append(text)
    folded_late.append(text)
    folded_late.fold_to(37)
    position = 0
    while position < len(text):
        size = chooser.randint(1, 40)
        streamed.append(text[position : position + size])
        position += size
    assert streamed.rows == whole.rows == folded_late.rows
    assert streamed.text == whole.text == show_controls(text)
    assert all(cell_len(row) <= 37 for row in whole.rows)
    assert "".join(whole.rows).replace(" ", "") == show_controls(text).replace("\n", "").replace("\t", "").replace(
        " ", ""
    )
