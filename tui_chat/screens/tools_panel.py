"""The tools panel: every tool the app offers, by server, each with a switch for this conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, Switch

from tui_chat.core.text import one_line

if TYPE_CHECKING:
    from tui_chat.services.tools.runtime import ToolRuntime


class ToolSwitchRow(Horizontal):
    """One tool: its switch, its name and what it does."""

    DEFAULT_CSS = """
    ToolSwitchRow { height: auto; }
    ToolSwitchRow Static { width: 1fr; padding: 1 1 0 1; }
    """

    def __init__(self, name: str, description: str, enabled: bool, always: bool) -> None:
        super().__init__()
        self.tool_name = name
        self.description = description
        self.enabled = enabled
        self.always = always

    def compose(self) -> ComposeResult:
        yield Switch(self.enabled, id=f"switch-{self.tool_name}")
        note = " · runs without asking" if self.always else ""
        yield Static(Content(f"{one_line(self.tool_name)}{note}\n{one_line(self.description)}"))


class ToolsPanel(ModalScreen[None]):
    """Lists the tools (starting MCP servers if need be) and stores each switch as it is flipped."""

    DEFAULT_CSS = """
    ToolsPanel { align: center middle; }
    ToolsPanel > Vertical { width: 90; max-width: 95%; height: 80%; padding: 1 2; background: $panel; }
    ToolsPanel .tools-source { text-style: bold; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close", id="tools_panel.close")]

    def __init__(self, runtime: ToolRuntime, conversation_id: int) -> None:
        super().__init__()
        self.runtime = runtime
        self.conversation_id = conversation_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Tools in this conversation (Esc closes)"), id="tools-title")
            yield VerticalScroll(Static(Content("Starting the tool servers…")), id="tools-list")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="tools-panel")
    async def load(self) -> None:
        """List every tool under its source."""
        listing = await self.runtime.listing(self.conversation_id)
        box = self.query_one("#tools-list", VerticalScroll)
        await box.remove_children()
        if not listing:
            await box.mount(Static(Content("No tool is available: every configured server failed to start.")))
            return
        source = None
        for tool, enabled, always in listing:
            if tool.source != source:
                source = tool.source
                title = "Built-in" if source == "built-in" else f"MCP server {one_line(source)}"
                await box.mount(Static(Content(title), classes="tools-source"))
            await box.mount(ToolSwitchRow(tool.name, tool.description, enabled, always))
        self.query(Switch).first().focus()

    @on(Switch.Changed)
    def flipped(self, event: Switch.Changed) -> None:
        row = event.switch.parent
        if isinstance(row, ToolSwitchRow):
            self.save(row.tool_name, event.value)

    @work(group="tools-switch")
    async def save(self, name: str, enabled: bool) -> None:
        """Store one switch."""
        await self.runtime.switch(self.conversation_id, name, enabled)
