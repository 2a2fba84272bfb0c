"""The tools of the running app: built-ins from config, MCP servers started on first use, and who approves calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from tui_chat.services.tools.registry import Tool, ToolRegistry

if TYPE_CHECKING:
    from tui_chat.config import Settings
    from tui_chat.services.tools.events import ToolCall
    from tui_chat.services.tools.mcp_servers import McpServers
    from tui_chat.store.repository import Repository

Decision = Literal["once", "always", "deny"]
Approver = Callable[["ToolCall", Tool], Awaitable[Decision]]
ProblemReport = Callable[[str, str], None]


class ToolRuntime:
    """Every tool the app can offer, each conversation's switches, and the approval of each call."""

    def __init__(self, settings: Settings, repository: Repository) -> None:
        self.settings = settings.tools
        self.mcp_settings = settings.mcp
        self.repository = repository
        self.approver: Approver | None = None
        """Asks the user about a call (the TUI's dialog, the CLI's question); None refuses every call that asks."""
        self.on_problem: ProblemReport | None = None
        """Told (server name, message) when an MCP server fails to start or dies."""
        self._mcp: McpServers | None = None

    @property
    def configured(self) -> bool:
        """Whether config offers any tool at all (a built-in switched on or an MCP server)."""
        return bool(self.settings.enabled or self.mcp_settings)

    @property
    def mcp(self) -> McpServers:
        """The MCP servers of config (none started until their tools are first asked for)."""
        if self._mcp is None:
            from tui_chat.services.tools.mcp_servers import McpServers

            self._mcp = McpServers(self.mcp_settings, self._report)
        return self._mcp

    async def all_tools(self) -> ToolRegistry:
        """Every tool: the built-ins switched on, then each MCP server's (started now if need be)."""
        from tui_chat.services.tools.builtins import built_in_tools

        registry = ToolRegistry()
        for tool in built_in_tools(self.settings.enabled, self.settings.root):
            registry.add(tool)
        if self.mcp_settings:
            for tool in await self.mcp.tools():
                registry.add(tool)
        return registry

    async def available(self, conversation_id: int) -> ToolRegistry:
        """The tools offered in this conversation: every tool not switched off in it."""
        if not self.configured:
            return ToolRegistry()
        switches = await self.repository.tool_switches(conversation_id)
        offered = ToolRegistry()
        for tool in (await self.all_tools()).all():
            switch = switches.get(tool.name)
            if switch is None or switch.enabled:
                offered.add(tool)
        return offered

    async def approved(self, conversation_id: int, call: ToolCall, tool: Tool) -> bool:
        """Whether the call may run: allowed in config or in this conversation, or approved when asked now."""
        from tui_chat.store.tool_writes import ToolSwitch

        if tool.name in self.settings.always_allow:
            return True
        switch = (await self.repository.tool_switches(conversation_id)).get(tool.name)
        if switch is not None and switch.always_allow:
            return True
        if self.approver is None:
            return False
        decision = await self.approver(call, tool)
        if decision == "always":
            await self.repository.set_tool_switch(conversation_id, tool.name, ToolSwitch(True, True))
        return decision != "deny"

    async def listing(self, conversation_id: int) -> list[tuple[Tool, bool, bool]]:
        """Every tool with whether it is on in this conversation and whether it runs without asking."""
        switches = await self.repository.tool_switches(conversation_id)
        listed = []
        for tool in (await self.all_tools()).all():
            switch = switches.get(tool.name)
            always = tool.name in self.settings.always_allow or (switch is not None and switch.always_allow)
            listed.append((tool, switch is None or switch.enabled, always))
        return listed

    async def switch(self, conversation_id: int, name: str, enabled: bool) -> None:
        """Turn one tool on or off in one conversation (keeping whether it runs without asking)."""
        from tui_chat.store.tool_writes import ToolSwitch

        switch = (await self.repository.tool_switches(conversation_id)).get(name, ToolSwitch())
        await self.repository.set_tool_switch(conversation_id, name, ToolSwitch(enabled, switch.always_allow))

    def _report(self, server: str, message: str) -> None:
        if self.on_problem is not None:
            self.on_problem(server, message)

    async def aclose(self) -> None:
        """Stop the MCP servers that were started."""
        if self._mcp is not None:
            await self._mcp.aclose()
