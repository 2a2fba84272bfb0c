"""`tui-chat doctor`'s line per MCP server: started, its tools listed, then stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.config import Settings
    from tui_chat.services.doctor import CheckResult


async def check_mcp_servers(settings: Settings) -> list[CheckResult]:
    """Start every configured MCP server, list its tools and stop it; a server that fails is a problem line."""
    from tui_chat.services.doctor import CheckResult
    from tui_chat.services.tools.mcp_servers import McpServers

    problems: dict[str, str] = {}

    def note(name: str, message: str) -> None:
        problems.setdefault(name, message)

    servers = McpServers(settings.mcp, note)
    try:
        await servers.tools()
    finally:
        await servers.aclose()
    results = []
    for name, server in servers.servers.items():
        label = f"mcp {name}"
        if name in problems:
            results.append(CheckResult(label, "problem", problems[name], f"check [mcp.{name}] in config.toml"))
        else:
            names = ", ".join(tool.name for tool in server.tools) or "no tools"
            results.append(CheckResult(label, "ok", f"{len(server.tools)} tools: {names}"))
    return results
