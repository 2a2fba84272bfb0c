"""Export a conversation as Markdown or JSON: every message with its model, times and usage; never a key.

Every text is redacted first (tui_chat.core.redaction): a database written before server errors were
redacted may still hold a key a server echoed back.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from typing import Any

from tui_chat.core.models import Conversation, ConversationExport, Message, Role, UsageRecord
from tui_chat.core.redaction import redact
from tui_chat.core.text import show_controls
from tui_chat.services.attachment_export import Files, add_to_messages, markdown_lines
from tui_chat.services.tools.rounds import exported_calls, markdown_calls

EXPORT_FORMAT = "tui-chat.conversation"
EXPORT_VERSION = 1
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""DEL, C1 and bidi controls (which JSON leaves raw) and lone surrogates (which UTF-8 cannot carry)."""
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
"""What Markdown (CommonMark, markdown-it) counts as the end of a line."""
_INLINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>#&~|])")
_SURROGATES = re.compile("[\ud800-\udfff]")
_EXACT = 100
"""Decimal digits for exact sums of costs (picodollar costs of any realistic total fit easily)."""


def iso_utc(moment: datetime | None) -> str | None:
    """An ISO 8601 UTC timestamp with milliseconds and a Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(cost: Decimal | None) -> str | None:
    """An exact decimal string of dollars (no exponent), or None when unpriced."""
    return None if cost is None else format(cost, "f")


def usage_dict(record: UsageRecord) -> dict[str, Any]:
    """One usage row as plain JSON values."""
    usage = record.usage
    return {
        "id": record.id,
        "provider": record.provider,
        "model": record.model,
        "input_tokens": usage.input_tokens,
        "cached_tokens": usage.cached_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "estimated": usage.estimated,
        "cost_usd": money(record.cost),
        "price_source": record.price_source,
        "status": record.status,
        "error_kind": record.error_kind,
        "attempts": record.attempts,
        "latency_ms": record.latency_ms,
        "ttft_ms": record.ttft_ms,
        "answer_ms": record.answer_ms,
        "created_at": iso_utc(record.created_at),
    }


def conversation_dict(conversation: Conversation) -> dict[str, Any]:
    """A conversation's own fields as plain JSON values."""
    return {
        "id": conversation.id,
        "title": conversation.title,
        "provider": conversation.provider,
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "temperature": conversation.temperature,
        "max_tokens": conversation.max_tokens,
        "archived": conversation.archived,
        "created_at": iso_utc(conversation.created_at),
        "updated_at": iso_utc(conversation.updated_at),
    }


def _usage_by_message(export: ConversationExport) -> tuple[dict[int, list[UsageRecord]], list[UsageRecord]]:
    """Usage rows grouped by their reply, and the rows of requests that produced no reply."""
    by_message: dict[int, list[UsageRecord]] = defaultdict(list)
    unattached = []
    known = {message.id for message in export.messages}
    for record in export.usage:
        if record.message_id in known:
            by_message[record.message_id].append(record)
        else:
            unattached.append(record)
    return by_message, unattached


def redacted(export: ConversationExport) -> ConversationExport:
    """The export with every key (registered, key-shaped or an auth header value) masked in its texts."""
    conversation = export.conversation
    conversation = dataclasses.replace(
        conversation, title=redact(conversation.title), system_prompt=redact(conversation.system_prompt)
    )
    messages = [
        dataclasses.replace(
            message,
            content=redact(message.content),
            error=redact(message.error),
            thinking=redact(message.thinking),
            tool_rounds=redact(message.tool_rounds),
        )
        for message in export.messages
    ]
    return dataclasses.replace(export, conversation=conversation, messages=messages)


def export_dict(
    export: ConversationExport, files: Files | None = None, *, with_thinking: bool = False
) -> dict[str, Any]:
    """The whole export as one JSON-ready dictionary (with each message's attachments, when given); a reply's
    thinking only `with_thinking`."""
    by_message, unattached = _usage_by_message(export)
    priced = [record.cost for record in export.usage if record.cost is not None]
    with localcontext() as context:
        context.prec = _EXACT
        total_cost = sum(priced, Decimal(0))
    messages = [
        {
            "id": message.id,
            "role": message.role.value,
            "content": message.content,
            "model": message.model,
            "status": message.status.value,
            "error": message.error,
            "created_at": iso_utc(message.created_at),
            "finished_at": iso_utc(message.finished_at),
            "alternative_of": message.alternative_of,
            "hidden": message.hidden,
            "usage": [usage_dict(record) for record in by_message.get(message.id, [])],
            **({"thinking": message.thinking} if with_thinking else {}),
            "tool_calls": exported_calls(message.tool_rounds),
        }
        for message in export.messages
    ]
    if files:
        add_to_messages(messages, files)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "conversation": conversation_dict(export.conversation),
        "messages": messages,
        "requests_without_reply": [usage_dict(record) for record in unattached],
        "totals": {
            "cost_usd": money(total_cost),
            "requests": len(export.usage),
            "unpriced_requests": len(export.usage) - len(priced),
            "input_tokens": sum(record.usage.input_tokens for record in export.usage),
            "output_tokens": sum(record.usage.output_tokens for record in export.usage),
        },
    }


def safe_json(value: Any) -> str:
    """JSON text with every control character (and lone surrogate) escaped, so printing it cannot drive the terminal."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


def to_json(export: ConversationExport, files: Files | None = None, *, with_thinking: bool = False) -> str:
    """The export as indented JSON, keys redacted; replies' thinking only `with_thinking`."""
    return safe_json(export_dict(redacted(export), files, with_thinking=with_thinking))


def inline_text(text: object) -> str:
    """Untrusted text for one Markdown line (a heading, a list item): line breaks become spaces, markup is escaped."""
    return _INLINE_MARKUP.sub(r"\\\1", _INLINE_BREAKS.sub(" ", str(text)))


def quoted_block(text: str) -> list[str]:
    """Untrusted Markdown as a block quote, every line prefixed, so nothing in it can end the quote early.

    Headings, fences left open and HTML blocks inside a quote all end with it, so a reply that says
    "## You" or stops inside a code block cannot start a message of its own or swallow the next one.
    """
    return [f"> {line}" if line else ">" for line in _LINE_BREAKS.split(text)]


def _usage_line(record: UsageRecord) -> str:
    """A one-line usage note under a reply."""
    usage = record.usage
    mark = "≈ " if usage.estimated else ""
    cost = f"${money(record.cost)}" if record.cost is not None else "unpriced"
    latency = f" · {record.latency_ms} ms" if record.latency_ms is not None else ""
    return f"{mark}in {usage.input_tokens:,} · out {usage.output_tokens:,} tokens · {cost}{latency}"


def _message_heading(message: Message) -> str:
    """The heading of one message: who, with which model, when and how it ended."""
    who = "You" if message.role is Role.USER else message.role.value.capitalize()
    parts = [who]
    if message.role is not Role.USER and message.model:
        parts.append(inline_text(message.model))
    parts.append(iso_utc(message.created_at) or "")
    if message.status.value != "complete":
        parts.append(message.status.value)
    if message.hidden:
        parts.append("alternative, not shown")
    return "## " + " · ".join(parts)


def to_markdown(
    export: ConversationExport, files: Files | None = None, folder: str = "", *, with_thinking: bool = False
) -> str:
    """The export as a readable Markdown document: a heading per message, its text quoted below it, its files linked.

    `with_thinking`, a reply's thinking comes first, quoted under its own label.
    """
    export = redacted(export)
    conversation = export.conversation
    totals = export_dict(export)["totals"]
    by_message, _ = _usage_by_message(export)
    lines = [f"# {inline_text(conversation.title).strip() or 'Untitled conversation'}", ""]
    lines.append(f"- Conversation: {conversation.id}")
    lines.append(f"- Provider · model: {inline_text(conversation.provider)} · {inline_text(conversation.model)}")
    lines.append(f"- Created: {iso_utc(conversation.created_at)} · updated: {iso_utc(conversation.updated_at)}")
    if conversation.temperature is not None or conversation.max_tokens is not None:
        lines.append(f"- Temperature: {conversation.temperature} · max tokens: {conversation.max_tokens}")
    lines.append(
        f"- Cost: ${totals['cost_usd']} over {totals['requests']} requests"
        + (f" ({totals['unpriced_requests']} unpriced)" if totals["unpriced_requests"] else "")
    )
    if conversation.system_prompt:
        lines += ["", "System prompt:", "", *quoted_block(conversation.system_prompt)]
    for message in export.messages:
        lines += ["", _message_heading(message)]
        if with_thinking and message.thinking:
            lines += ["", "*Thinking:*", "", *quoted_block(message.thinking), "", "*Answer:*"]
        lines += ["", *quoted_block(message.content)]
        if message.tool_rounds:
            lines += ["", *markdown_calls(message.tool_rounds)]
        lines += markdown_lines(files.get(message.id, ()), folder) if files else []
        if message.error:
            lines += ["", f"*Error: {inline_text(message.error).strip()}*"]
        for record in by_message.get(message.id, []):
            lines += ["", f"*{_usage_line(record)}*"]
    # Control characters are shown as ␛, ␇, <U+009B> ..., so printing the file cannot drive a terminal;
    # bidi controls as <U+202E> ..., so the file cannot show text in an order other than the stored one.
    return _SURROGATES.sub("\ufffd", show_controls("\n".join(lines) + "\n"))
