"""Folded blocks for a reply's tool calls: name, arguments, a cut result and the duration; Enter or a click unfolds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui_chat.core.text import one_line, show_controls

if TYPE_CHECKING:
    from tui_chat.core.models import Message
    from tui_chat.services.tools.events import ToolCall

FOLDED_ARGUMENTS = 60
"""Characters of the arguments shown while a block is folded."""
FOLDED_RESULT = 80
"""Characters of the result shown while a block is folded."""
STATUS_MARKS = {
    "pending": "…",
    "running": "⟳",
    "ok": "✓",
    "error": "✗",
    "denied": "⊘ denied",
    "cancelled": "⊘ not run",
}


def cut(text: str, limit: int) -> str:
    """One line of at most `limit` characters, with an ellipsis when cut."""
    line = one_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


class ToolCallBlock(Static, can_focus=True):
    """One tool call in a reply, folded to one line until unfolded."""

    DEFAULT_CSS = """
    ToolCallBlock { height: auto; padding: 0 1; margin: 0 0 1 0; background: $boost; color: $text-muted; }
    ToolCallBlock:focus { background: $accent 20%; }
    ToolCallBlock.-error, ToolCallBlock.-denied { color: $text-warning; }
    """
    BINDINGS = [Binding("enter", "unfold", "Unfold", id="tool_call.unfold")]

    folded: reactive[bool] = reactive(True)

    def __init__(self, call: ToolCall) -> None:
        super().__init__(classes=f"-{call.status}")
        self.call = call

    def on_mount(self) -> None:
        self.show(self.call)

    def show(self, call: ToolCall) -> None:
        """Show the call as it stands now (its status, result and duration may have changed)."""
        self.call = call
        self.set_class(call.status in ("error", "denied"), f"-{call.status}")
        self.update(self.describe())

    def describe(self) -> Content:
        """The block's text (never markup): one line folded, the whole arguments and result unfolded."""
        call = self.call
        mark = STATUS_MARKS.get(call.status, call.status)
        took = f" · {call.duration_ms:,} ms" if call.duration_ms is not None else ""
        where = f" [{one_line(call.source)}]" if call.source and call.source != "built-in" else ""
        if self.folded:
            head = f"▸ ⚙ {one_line(call.name)}{where}({cut(call.arguments, FOLDED_ARGUMENTS)}) {mark}{took}"
            return Content(head + (f"\n  → {cut(call.result, FOLDED_RESULT)}" if call.result else ""))
        return Content(
            f"▾ ⚙ {one_line(call.name)}{where} {mark}{took}\n"
            f"arguments: {show_controls(call.arguments)}\nresult:\n{show_controls(call.result)}"
        )

    def watch_folded(self) -> None:
        self.update(self.describe())

    def action_unfold(self) -> None:
        """Fold or unfold."""
        self.folded = not self.folded

    def on_click(self) -> None:
        self.folded = not self.folded


def stored_blocks(message: Message) -> list[ToolCallBlock]:
    """The blocks of a stored reply's tool calls, in order."""
    if not message.tool_rounds:
        return []
    from tui_chat.services.tools.rounds import rounds_from_json

    return [ToolCallBlock(call) for tool_round in rounds_from_json(message.tool_rounds) for call in tool_round.calls]
