"""MCP servers from config through the official SDK: started on first use, their tools listed, stopped on exit.

Each server lives in a task of its own that holds the SDK's transport and session open (the SDK's
context managers must be entered and left in one task); calls are made from the tool loop's tasks.
"""

from __future__ import annotations

import asyncio
import os
import re
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from tui_chat.core.redaction import redact
from tui_chat.services.tools.registry import Tool, ToolError

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp import ClientSession

    from tui_chat.config import McpServerSettings

START_SECONDS = 30.0
"""How long a server may take to start and list its tools."""
CALL_SECONDS = 120.0
"""How long one tool call may take."""
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class McpServer:
    """One configured server: its session while it runs, and its tools."""

    def __init__(self, name: str, settings: McpServerSettings, on_problem: Callable[[str, str], None]) -> None:
        self.name = name
        self.settings = settings
        self.on_problem = on_problem
        self.tools: list[Tool] = []
        self.problem: str | None = None
        self._session: ClientSession | None = None
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the server and list its tools; a failure is reported (once) and leaves it without tools."""
        if self._task is None:
            self._task = asyncio.create_task(self._serve(), name=f"mcp {self.name}")
        try:
            await asyncio.wait_for(self._ready.wait(), START_SECONDS)
        except TimeoutError:
            self._fail(f"did not answer within {START_SECONDS:.0f} seconds")
            self._task.cancel()

    async def _serve(self) -> None:
        try:
            async with AsyncExitStack() as stack:
                from mcp import ClientSession

                read, write = await stack.enter_async_context(self._transport(stack))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                listed = await session.list_tools()
                self.tools = [self._tool(tool) for tool in listed.tools if TOOL_NAME.match(tool.name)]
                self._session = session
                self._ready.set()
                await self._stop.wait()
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # the SDK raises exception groups from its task groups
            self._fail(describe(exc))
        finally:
            self._session = None
            self._ready.set()

    def _transport(self, stack: AsyncExitStack) -> Any:
        """The SDK's stdio or streamable HTTP transport for this server."""
        if self.settings.url is not None:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(self.settings.url)
        from mcp import StdioServerParameters, stdio_client

        assert self.settings.command is not None
        parameters = StdioServerParameters(
            command=self.settings.command, args=list(self.settings.args), env=dict(self.settings.env) or None
        )
        errors = stack.enter_context(open(os.devnull, "w"))  # noqa: SIM115  (closed by the stack)
        return stdio_client(parameters, errlog=errors)

    def _tool(self, listed: Any) -> Tool:
        """A registry tool that calls `listed` on this server."""
        name = listed.name

        async def run(arguments: dict[str, Any]) -> str:
            return await self.call(name, arguments)

        schema = listed.input_schema if hasattr(listed, "input_schema") else listed.inputSchema
        return Tool(name, listed.description or "", dict(schema or {"type": "object"}), run, self.name)

    async def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Call one tool; a dead server or a failed call raises ToolError naming the server."""
        session = self._session
        if session is None:
            raise ToolError(f"the MCP server {self.name!r} is not running")
        try:
            result = await asyncio.wait_for(session.call_tool(name, arguments), CALL_SECONDS)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            message = describe(exc)
            self._session = None
            self._fail(f"stopped: {message}")
            raise ToolError(f"the MCP server {self.name!r} failed: {message}") from None
        text = "\n".join(getattr(block, "text", f"[{getattr(block, 'type', 'content')}]") for block in result.content)
        is_error = getattr(result, "is_error", None) or getattr(result, "isError", False)
        if is_error:
            raise ToolError(text or "the tool reported an error")
        return text

    def _fail(self, message: str) -> None:
        if self.problem is None:
            self.problem = redact(message)
            self.on_problem(self.name, self.problem)

    async def stop(self) -> None:
        """Stop the server (its process ends with the SDK's transport)."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()


def describe(exc: BaseException) -> str:
    """The innermost message of an exception (groups unwrapped), for a toast or a tool result."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class McpServers:
    """Every configured server, each started the first time the tools are asked for."""

    def __init__(self, settings: dict[str, McpServerSettings], on_problem: Callable[[str, str], None]) -> None:
        self.servers = {name: McpServer(name, entry, on_problem) for name, entry in settings.items()}

    async def tools(self) -> list[Tool]:
        """The tools of every server that runs, starting those not started yet (together)."""
        await asyncio.gather(*(server.start() for server in self.servers.values()))
        return [tool for server in self.servers.values() for tool in server.tools]

    async def aclose(self) -> None:
        """Stop every server that was started."""
        await asyncio.gather(*(server.stop() for server in self.servers.values()))
