"""SQL for replies that call tools: each round's usage row with the reply's rounds, and per-conversation switches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.core.models import Message, MessageStatus, Role, UsageRecord, utc_now
from tui_chat.store.reply_writes import ReplyWrites
from tui_chat.store.rows import from_millis, inserted_id, to_millis

if TYPE_CHECKING:
    from tui_chat.store.db import Database


@dataclass(frozen=True, slots=True)
class ToolSwitch:
    """One tool's switches in one conversation."""

    enabled: bool = True
    always_allow: bool = False


class ToolWrites:
    """Repository methods for the tool loop: one transaction per round, and the tools panel's switches."""

    database: Database

    async def save_tool_round(
        self, reply: Message, record: UsageRecord | None, round_number: int, *, final: bool
    ) -> Message:
        """Write the reply as it stands (text, rounds, status when `final`) and the round's usage row together.

        The reply row is inserted by the first round (streaming until the last) and updated by the others;
        without a record (the loop stopped between requests) only the reply is written.
        """
        now = to_millis(utc_now())
        status = reply.status if final else MessageStatus.STREAMING
        async with self.database.transaction("save the reply") as tx:
            if reply.id:
                await tx.execute(
                    "UPDATE messages SET content = ?, tool_rounds = ?, thinking = ?, status = ?, error = ?,"
                    " finished_at = ? WHERE id = ?",
                    (
                        reply.content,
                        reply.tool_rounds,
                        reply.thinking,
                        status.value,
                        reply.error,
                        now if final else None,
                        reply.id,
                    ),
                )
            else:
                cursor = await tx.execute(
                    "INSERT INTO messages (conversation_id, role, content, model, status, error, created_at,"
                    " finished_at, writer, tool_rounds, thinking) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        reply.conversation_id,
                        Role.ASSISTANT.value,
                        reply.content,
                        reply.model,
                        status.value,
                        reply.error,
                        to_millis(reply.created_at),
                        now if final else None,
                        self.database.writer_id,
                        reply.tool_rounds,
                        reply.thinking,
                    ),
                )
                reply.id = inserted_id(cursor)
            if record is not None:
                record.message_id = reply.id
                await ReplyWrites._insert_usage(tx, record)
                await tx.execute("UPDATE usage SET round_number = ? WHERE id = ?", (round_number, record.id))
            if final:
                await tx.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, reply.conversation_id))
        if final:
            reply.finished_at = from_millis(now)
        reply.status = status
        return reply

    async def tool_switches(self, conversation_id: int) -> dict[str, ToolSwitch]:
        """The tools switched in this conversation, by name; a tool not listed has the default switches."""
        async with self.database.connection.execute(
            "SELECT tool, enabled, always_allow FROM conversation_tools WHERE conversation_id = ?", (conversation_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return {row["tool"]: ToolSwitch(bool(row["enabled"]), bool(row["always_allow"])) for row in rows}

    async def set_tool_switch(self, conversation_id: int, tool: str, switch: ToolSwitch) -> None:
        """Store one tool's switches for one conversation."""
        async with self.database.transaction("save the tool switch") as tx:
            await tx.execute(
                "INSERT INTO conversation_tools (conversation_id, tool, enabled, always_allow) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (conversation_id, tool) DO UPDATE SET enabled = excluded.enabled,"
                " always_allow = excluded.always_allow",
                (conversation_id, tool, int(switch.enabled), int(switch.always_allow)),
            )
