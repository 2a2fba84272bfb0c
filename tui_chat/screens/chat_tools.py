"""The chat screen's part in tool calls: it asks the user about each call and shows each call in its reply."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.services.tools.events import ToolCall
    from tui_chat.services.tools.registry import Tool
    from tui_chat.services.tools.runtime import Decision
    from tui_chat.widgets.chat_pane import ReplyView

TOOL_BINDINGS = [Binding("ctrl+t", "tools_panel", "Tools", show=False, id="chat.tools")]


class ChatTools:
    """Approves tool calls with a dialog, shows them as folded blocks, and reports MCP servers' problems."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        screen.services.tool_approver = self.approve
        screen.services.tool_problem = self.problem

    async def approve(self, call: ToolCall, tool: Tool) -> Decision:
        """Ask in a dialog; Esc there cancels the whole reply, as Esc does anywhere during it."""
        from tui_chat.screens.tool_approval import ToolApprovalScreen

        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def settle(value: str | None) -> None:
            if not answer.done():
                answer.set_result(value or "deny")

        self.screen.app.push_screen(ToolApprovalScreen(call, tool), callback=settle)
        decision = await answer
        if decision == "cancel":
            raise asyncio.CancelledError
        return "once" if decision == "once" else "always" if decision == "always" else "deny"

    def problem(self, server: str, message: str) -> None:
        """A toast naming an MCP server that failed to start or died (the chat goes on without it)."""
        self.screen.app.notify(
            f"MCP server {server!r}: {message}", title="Tool server problem", severity="error", markup=False
        )

    @staticmethod
    async def show_call(reply: ReplyView | None, call: ToolCall) -> None:
        """Add the call's block to the streaming reply, or update it when it is there already."""
        if reply is None or not reply.is_attached:
            return
        from tui_chat.widgets.tool_calls import ToolCallBlock

        for block in reply.query(ToolCallBlock):
            if block.call.id == call.id and block.call.round_number == call.round_number:
                block.show(call)
                return
        await reply.mount(ToolCallBlock(call), before=reply.body)

    async def panel(self) -> None:
        """Open the tools panel: every tool, by server, with a switch for this conversation."""
        from tui_chat.screens.tools_panel import ToolsPanel

        conversation = self.screen.conversation
        session = await self.screen.services.session()
        if session.tools is None or conversation is None:
            self.screen.app.notify(
                "No tools are configured: set [tools] enabled or add [mcp.NAME] servers in config.toml.",
                title="Tools",
                markup=False,
            )
            return
        await self.screen.app.push_screen(ToolsPanel(session.tools, conversation.id))
