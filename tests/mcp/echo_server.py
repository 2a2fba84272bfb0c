"""A small MCP server for the tests, written with the SDK's server API: run as a script, it serves over stdio.

`echo` says its text back, `add` adds two numbers, `fail` reports a tool error, `sleep` waits and `die` ends the process
mid-call, as a crashing server would.
"""

from __future__ import annotations

import os
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("echo")


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return f"echo: {text}"


@server.tool()
def add(a: int, b: int) -> str:
    """Add two whole numbers."""
    return str(a + b)


@server.tool()
def fail(reason: str) -> str:
    """Always fail with the reason given."""
    raise ValueError(reason)


@server.tool()
async def sleep(seconds: float) -> str:
    """Wait, then say so (a call slow enough to cancel)."""
    import anyio

    await anyio.sleep(seconds)
    return f"slept {seconds}"


@server.tool()
def die() -> str:
    """End the server's process at once."""
    os._exit(3)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        server.run("streamable-http", port=int(sys.argv[2]))
    else:
        server.run()
