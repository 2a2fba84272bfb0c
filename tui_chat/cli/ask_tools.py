"""Tools for `tui-chat ask --tools`: asking about each call on a terminal, refusing without one unless --yes."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices
    from tui_chat.services.tools.events import ToolCall
    from tui_chat.services.tools.registry import Tool
    from tui_chat.services.tools.runtime import Decision

ARGUMENTS_SHOWN = 300
"""Characters of a call's arguments shown in the question and in the note after it."""


async def use_tools(services: AppServices, *, enabled: bool, approve_all: bool) -> None:
    """Offer the configured tools in this run only with --tools; --yes approves every call of the run."""
    if not enabled:
        session = await services.session()
        session.tools = None
        return
    if not (services.settings.tools.enabled or services.settings.mcp):
        output.warn("--tools: no tool is configured; set [tools] enabled or add [mcp.NAME] servers in config.toml.")
    services.tool_approver = approve_every_call if approve_all else approve_on_terminal
    services.tool_problem = lambda server, message: output.warn(f"MCP server {server!r}: {message}")


def shown(call: ToolCall) -> str:
    """The call as one line: its name and (cut) arguments."""
    arguments = call.arguments if len(call.arguments) <= ARGUMENTS_SHOWN else call.arguments[:ARGUMENTS_SHOWN] + "…"
    return f"{call.name}({arguments})"


async def approve_every_call(call: ToolCall, tool: Tool) -> Decision:
    """--yes: every call of this run is approved."""
    return "once"


async def approve_on_terminal(call: ToolCall, tool: Tool) -> Decision:
    """Ask on the terminal; without one the call is refused (and sent back to the model as denied)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        output.warn(f"not run: {shown(call)} (no terminal to ask on; --yes approves every call of a run).")
        return "deny"
    where = "built-in" if tool.source == "built-in" else f"MCP server {tool.source}"
    question = f"run the tool {shown(call)} ({where})? [y]es once, [a]lways in this conversation, [N]o: "
    output.warn(question.rstrip())
    answer = (await asyncio.to_thread(sys.stdin.readline)).strip().lower()
    if answer in ("a", "always"):
        return "always"
    return "once" if answer in ("y", "yes") else "deny"


def note_call(call: ToolCall) -> None:
    """A line on stderr once a call has ended: what ran, how it ended and how long it took."""
    took = f", {call.duration_ms:,} ms" if call.duration_ms is not None else ""
    output.warn(f"tool {shown(call)}: {call.status}{took}")
