"""Asks before a tool call runs: run once, always for this tool in this conversation, or deny; Esc cancels the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui_chat.core.text import one_line, show_controls

if TYPE_CHECKING:
    from tui_chat.services.tools.events import ToolCall
    from tui_chat.services.tools.registry import Tool

MAX_ARGUMENTS = 4000
"""Characters of the arguments shown; the rest is cut."""


def pretty_arguments(arguments: str) -> str:
    """The arguments indented when they are JSON, as sent otherwise."""
    import json

    try:
        text = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        text = arguments
    return text if len(text) <= MAX_ARGUMENTS else text[:MAX_ARGUMENTS] + "…"


class ToolApprovalScreen(ModalScreen[str]):
    """Shows one call with its arguments and dismisses with "once", "always", "deny" or "cancel"."""

    DEFAULT_CSS = """
    ToolApprovalScreen { align: center middle; }
    ToolApprovalScreen > Vertical {
        width: 80; max-width: 95%; height: auto; max-height: 90%; padding: 1 2;
        background: $panel; border: thick $warning 60%;
    }
    ToolApprovalScreen #tool-arguments { height: auto; max-height: 16; margin: 1 0; background: $boost; }
    ToolApprovalScreen Horizontal { height: auto; align-horizontal: right; }
    ToolApprovalScreen Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("a", "answer('once')", "Run once", id="tool_approval.once"),
        Binding("l", "answer('always')", "Always in this chat", id="tool_approval.always"),
        Binding("d", "answer('deny')", "Deny", id="tool_approval.deny"),
        Binding("escape", "answer('cancel')", "Cancel reply", id="tool_approval.cancel"),
    ]
    AUTO_FOCUS = "#tool-deny"

    def __init__(self, call: ToolCall, tool: Tool) -> None:
        super().__init__()
        self.call = call
        self.tool = tool

    def compose(self) -> ComposeResult:
        where = "a built-in tool" if self.tool.source == "built-in" else f"MCP server {one_line(self.tool.source)}"
        with Vertical():
            yield Static(Content(f"The model wants to run {one_line(self.call.name)} ({where})."), id="tool-question")
            if self.tool.description:
                yield Static(Content(one_line(self.tool.description)), id="tool-description")
            with VerticalScroll(id="tool-arguments"):
                yield Static(Content(show_controls(pretty_arguments(self.call.arguments))))
            with Horizontal():
                yield Button(Content("Deny (d)"), id="tool-deny")
                yield Button(Content("Always here (l)"), id="tool-always")
                yield Button(Content("Run once (a)"), variant="warning", id="tool-once")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "tool-deny").removeprefix("tool-"))

    def action_answer(self, answer: str) -> None:
        """Close with this answer."""
        self.dismiss(answer)
