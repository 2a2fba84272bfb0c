"""Fuzzing the conversation export: JSON round-trips exactly, and no text can forge or break a Markdown section."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, localcontext

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tui_chat.core.models import Conversation, ConversationExport, Message, MessageStatus, Role, Usage, UsageRecord
from tui_chat.services.conversation_export import to_json, to_markdown
from tui_chat.store.rows import from_picodollars

HOSTILE_PIECES = [
    "## User",
    "## You · 2024-01-01T00:00:00.000Z",
    "# Title",
    "```",
    "````",
    "```python",
    "~~~",
    "\n```\n",
    "---",
    "===",
    "> quote",
    "<!--",
    "-->",
    "<div>",
    "</div>",
    "<script>",
    "[x]: http://example.com",
    "|a|b|\n|-|-|",
    "\r",
    "\r\n",
    "\n",
    "\n\n",
    "\x1b[31m",
    "\x00",
    "\x85",
    "\u2028",
    "\t",
    "    indented",
    "* item",
    "1. item",
    "\\",
    "*",
    "_",
    "`",
    "&amp;",
    "&#35;",
    "Setext\n---",
    "[link](http://x)",
    "www.example.com",
    "#",
    " ",
    "\x0b",
    "\x0c",
]
TEXT = st.text(max_size=40) | st.lists(
    st.sampled_from(HOSTILE_PIECES) | st.text(max_size=4) | st.characters(categories=["Cs"]), max_size=10
).map("".join)
MOMENT = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9000, 1, 1)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
)
ZONED = st.tuples(MOMENT, st.sampled_from([0, 330, -480])).map(
    lambda pair: pair[0].astimezone(timezone(timedelta(minutes=pair[1])))
)
COUNT = st.integers(min_value=0, max_value=10**12)
COST = st.none() | st.integers(min_value=0, max_value=2**63 - 1).map(from_picodollars)


@st.composite
def exports(draw: st.DrawFn) -> ConversationExport:
    """A conversation with messages of every role and status and usage rows, some tied to no message."""
    conversation = Conversation(
        id=draw(st.integers(1, 10**6)),
        title=draw(TEXT),
        provider=draw(TEXT),
        model=draw(TEXT),
        system_prompt=draw(TEXT),
        created_at=draw(ZONED),
        updated_at=draw(ZONED),
        temperature=draw(st.none() | st.floats(0, 2)),
        max_tokens=draw(st.none() | st.integers(1, 10**6)),
    )
    messages = [
        Message(
            id=number,
            conversation_id=conversation.id,
            role=draw(st.sampled_from(Role)),
            content=draw(TEXT),
            model=draw(TEXT),
            status=draw(st.sampled_from(MessageStatus)),
            created_at=draw(ZONED),
            finished_at=draw(st.none() | ZONED),
            error=draw(st.just("") | TEXT),
            hidden=draw(st.booleans()),
        )
        for number in range(1, draw(st.integers(0, 4)) + 1)
    ]
    usage = [
        UsageRecord(
            provider=draw(TEXT),
            model=draw(TEXT),
            usage=Usage(draw(COUNT), draw(COUNT), draw(COUNT), draw(COUNT), draw(st.booleans())),
            cost=draw(COST),
            price_source=draw(TEXT),
            status=draw(st.sampled_from(MessageStatus)).value,
            latency_ms=draw(st.none() | st.integers(0, 10**7)),
            message_id=draw(st.none() | st.integers(0, 8)),
            created_at=draw(ZONED),
            id=number,
        )
        for number in range(1, draw(st.integers(0, 4)) + 1)
    ]
    return ConversationExport(conversation, messages, usage)


def paired(text: str) -> str:
    """Text as JSON reads it back: an escaped surrogate pair becomes its character (lone ones stay)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def parsed_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def exact_sum(costs: list[Decimal]) -> Decimal:
    with localcontext() as context:
        context.prec = 200
        return sum(costs, Decimal(0))


FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
AT = datetime(2026, 11, 22, 10, 43, 32, 20_000, tzinfo=UTC)
FENCED = ConversationExport(
    Conversation(1, "t\n## You", "p", "m", system_prompt="```\nopen", created_at=AT, updated_at=AT),
    [
        Message(1, 1, Role.USER, "## User\nfake", created_at=AT),
        Message(
            2, 1, Role.ASSISTANT, "```python\nx = 1", status=MessageStatus.PARTIAL, model="m\n## You", created_at=AT
        ),
        Message(3, 1, Role.USER, "a\r## You · fake\r```", created_at=AT),
        Message(4, 1, Role.ASSISTANT, "<!--\nnever closed", error="boom\n## You", created_at=AT, finished_at=AT),
        Message(5, 1, Role.USER, "lone \ud800 surrogate", created_at=AT),
    ],
    [
        UsageRecord(
            "p",
            "m",
            Usage(10**12, 1, 2, 3),
            Decimal("9223372.036854775807"),
            "s",
            "complete",
            message_id=4,
            created_at=AT,
            id=1,
        ),
        UsageRecord("p", "m", Usage(), Decimal("0.000000000001"), "s", "failed", created_at=AT, id=2),
    ],
)


@FUZZ
@given(exports())
@example(FENCED)
def test_json_export_round_trips_every_text_time_and_figure(export: ConversationExport) -> None:
    text = to_json(export)
    text.encode("utf-8")
    exported = json.loads(text)
    assert [message["id"] for message in exported["messages"]] == [message.id for message in export.messages]
    for original, message in zip(export.messages, exported["messages"]):
        assert (message["content"], message["model"], message["error"]) == tuple(
            map(paired, (original.content, original.model, original.error))
        )
        assert message["role"] == original.role.value and message["status"] == original.status.value
        assert parsed_time(message["created_at"]) == original.created_at
        assert parsed_time(message["finished_at"]) == original.finished_at
    rows = {row["id"]: row for message in exported["messages"] for row in message["usage"]}
    rows |= {row["id"]: row for row in exported["requests_without_reply"]}
    assert sorted(rows) == sorted(record.id for record in export.usage)
    for record in export.usage:
        row = rows[record.id]
        usage = record.usage
        figures = (
            usage.input_tokens,
            usage.cached_tokens,
            usage.output_tokens,
            usage.reasoning_tokens,
            usage.estimated,
        )
        assert (
            row["input_tokens"],
            row["cached_tokens"],
            row["output_tokens"],
            row["reasoning_tokens"],
            row["estimated"],
        ) == figures
        assert (None if row["cost_usd"] is None else Decimal(row["cost_usd"])) == record.cost
        assert (row["model"], row["provider"], row["latency_ms"]) == (
            paired(record.model),
            paired(record.provider),
            record.latency_ms,
        )
        assert parsed_time(row["created_at"]) == record.created_at
    priced = [record.cost for record in export.usage if record.cost is not None]
    assert Decimal(exported["totals"]["cost_usd"]) == exact_sum(priced)
    assert exported["totals"]["input_tokens"] == sum(record.usage.input_tokens for record in export.usage)
    assert exported["totals"]["unpriced_requests"] == len(export.usage) - len(priced)


def plain(inline: Token) -> str:
    """The text a reader sees in an inline token: text and code spans, escapes resolved."""
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u2400-\u2426\ufffd\s]|<U\+[0-9A-F]{4}>|[\ud800-\udfff]")


def squash(text: str) -> str:
    """Text with whitespace, control characters and their visible stand-ins taken out."""
    return CONTROLS.sub("", text)


def same_text(shown: str, original: str) -> bool:
    """Equal once line endings are normalised; text with control characters only has to agree on the rest."""
    expected = re.sub(r"\r\n|\r", "\n", original)
    if CONTROLS.search(original.replace("\n", "").replace("\r", "").replace("\t", "").replace(" ", "")) is None:
        return shown == expected
    return squash(shown) == squash(expected)


@FUZZ
@given(exports())
@example(FENCED)
def test_markdown_has_one_section_per_message_whatever_the_text(export: ConversationExport) -> None:
    markdown = to_markdown(export)
    markdown.encode("utf-8")
    tokens = MarkdownIt("gfm-like").parse(markdown)
    top = [(index, token) for index, token in enumerate(tokens) if token.level == 0]
    titles = [tokens[index + 1] for index, token in top if token.type == "heading_open" and token.tag == "h1"]
    headings = [index for index, token in top if token.type == "heading_open" and token.tag == "h2"]
    title = export.conversation.title if export.conversation.title.strip() else "Untitled conversation"
    assert len(titles) == 1 and squash(plain(titles[0])) == squash(title)
    assert len(headings) == len(export.messages), "a message's text made or hid a section"
    source = markdown.split("\n")
    for index, message in zip(headings, export.messages):
        heading = plain(tokens[index + 1])
        assert heading.startswith("You" if message.role is Role.USER else message.role.value.capitalize())
        if message.role is not Role.USER:
            assert squash(message.model) in squash(heading)
        quote = tokens[index + 3]
        assert quote.type == "blockquote_open" and quote.map is not None
        lines = source[quote.map[0] : quote.map[1]]
        while lines and lines[-1] == "":
            lines.pop()  # markdown-it counts the blank line after an empty quote as part of it
        assert all(line.startswith(">") for line in lines)
        body = "\n".join(re.sub(r"^> ?", "", line) for line in lines)
        assert same_text(body, message.content), (body, message.content)
