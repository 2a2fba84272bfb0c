"""Conversions between SQLite rows and domain objects: epoch milliseconds, picodollars, rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import TYPE_CHECKING, overload

from tui_chat.core.models import Conversation, Message, MessageStatus, Role

if TYPE_CHECKING:
    import aiosqlite

PICO = Decimal("1e-12")


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch for an aware datetime."""
    return int(moment.timestamp() * 1000)


@overload
def from_millis(millis: int) -> datetime: ...
@overload
def from_millis(millis: int | None) -> datetime | None: ...


def from_millis(millis: int | None) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds."""
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def to_picodollars(cost: Decimal | None) -> int | None:
    """Whole picodollars for a dollar amount, rounding half to even past the 12th decimal (once, exactly)."""
    if cost is None:
        return None
    with localcontext() as context:
        context.prec = max(28, len(cost.as_tuple().digits) + 2, cost.adjusted() + 14)
        return int(cost.scaleb(12).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_picodollars(value: int | None) -> Decimal | None:
    """Dollars as an exact Decimal from whole picodollars."""
    if value is None:
        return None
    return (Decimal(value) * PICO).normalize() if value else Decimal("0")


def inserted_id(cursor: aiosqlite.Cursor) -> int:
    """The rowid the INSERT just run on `cursor` gave its row."""
    row_id = cursor.lastrowid
    assert row_id is not None, "an INSERT sets lastrowid"
    return row_id


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    """A Conversation from a row of the conversations table."""
    return Conversation(
        id=row["id"],
        title=row["title"],
        provider=row["provider"],
        model=row["model"],
        system_prompt=row["system_prompt"],
        created_at=from_millis(row["created_at"]),
        updated_at=from_millis(row["updated_at"]),
        archived=bool(row["archived"]),
        temperature=row["temperature"],
        max_tokens=row["max_tokens"],
        reasoning_effort=row["reasoning_effort"],
        budget=from_picodollars(row["budget_pusd"]) if "budget_pusd" in row.keys() else None,
    )


def message_from_row(row: sqlite3.Row) -> Message:
    """A Message from a row of the messages table."""
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=Role(row["role"]),
        content=row["content"],
        model=row["model"],
        status=MessageStatus(row["status"]),
        created_at=from_millis(row["created_at"]),
        finished_at=from_millis(row["finished_at"]),
        error=row["error"],
        alternative_of=row["alternative_of"],
        hidden=bool(row["hidden"]),
        thinking=row["thinking"],
        tool_rounds=row["tool_rounds"] if "tool_rounds" in row.keys() else "",
    )
