"""The per-conversation budget block of the conversation settings dialog (F2): a dollar field and its check."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from textual.widgets import Input, Label

from tui_chat.core.conversation_budget import parse_budget

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

FIELD_ID = "settings-budget"


def budget_block(current: Decimal | None) -> ComposeResult:
    """The label and field for the conversation's own budget, in dollars."""
    yield Label("Budget for this conversation in dollars (empty for none; warns at 80 %)")
    yield Input("" if current is None else f"{current:f}", id=FIELD_ID, placeholder="e.g. 2.50")


def read_budget(screen: Screen, problems: list[str]) -> Decimal | None:
    """The budget typed, None when empty; a problem is added to `problems` instead of raising."""
    try:
        return parse_budget(screen.query_one(f"#{FIELD_ID}", Input).value)
    except ValueError as exc:
        problems.append(str(exc))
        return None
