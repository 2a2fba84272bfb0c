"""SQL for reasoning models: the effort a conversation asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.store.db import Database


class ReasoningWrites:
    """Repository methods for a conversation's reasoning settings."""

    database: Database

    async def set_reasoning_effort(self, conversation_id: int, effort: str | None) -> None:
        """Store the effort the conversation's requests ask for (None: the provider's default)."""
        async with self.database.transaction("save the conversation settings") as tx:
            await tx.execute("UPDATE conversations SET reasoning_effort = ? WHERE id = ?", (effort, conversation_id))
