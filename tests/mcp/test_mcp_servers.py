"""Real MCP servers over stdio through the tool loop: the SDK-written echo server and mcp-server-time from PyPI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.loopback import Script
from tests.tools.helpers import Recorder, call, chat_requests, write_tool_config
from tui_chat.config import McpServerSettings
from tui_chat.services.tools.mcp_servers import McpServers
from tui_chat.services.tools.registry import ToolError

ECHO = str(Path(__file__).with_name("echo_server.py"))
SERVERS = {
    "echo": {"command": sys.executable, "args": [ECHO]},
    "clock": {"command": sys.executable, "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"]},
}


async def test_both_servers_are_listed_and_called_through_the_loop(make_services, app_paths, loopback) -> None:
    write_tool_config(app_paths, {"always_allow": ["echo", "get_current_time"]}, SERVERS)
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    session = await services.session()
    loopback.enqueue(
        Script(
            tool_calls=[
                call("e", "echo", {"text": "over stdio"}),
                call("t", "get_current_time", {"timezone": "Europe/Paris"}),
            ],
            argument_chunk=4,
        )
    )
    loopback.enqueue(Script(text="Both answered."))
    finished = await session.send(conversation, "Use the servers", Recorder())

    first, second = chat_requests(loopback)
    offered = {tool["function"]["name"] for tool in first["tools"]}
    assert {"echo", "add", "get_current_time", "convert_time"} <= offered
    results = {m["tool_call_id"]: m["content"] for m in second["messages"] if m["role"] == "tool"}
    assert results["e"] == "echo: over stdio"
    assert json.loads(results["t"])["timezone"] == "Europe/Paris"
    calls = json.loads(finished.reply.tool_rounds)[0]["calls"]
    assert [c["source"] for c in calls] == ["echo", "clock"]
    await services.aclose()
    assert all(server._task.done() for server in session.tools.mcp.servers.values())


async def test_a_server_that_cannot_start_is_named_and_the_others_go_on() -> None:
    problems: list[tuple[str, str]] = []
    servers = McpServers(
        {
            "broken": McpServerSettings(command="/no/such/server"),
            "echo": McpServerSettings(command=sys.executable, args=[ECHO]),
        },
        lambda name, message: problems.append((name, message)),
    )
    tools = await servers.tools()
    assert {tool.name for tool in tools} == {"echo", "add", "fail", "sleep", "die"}
    assert problems == [("broken", "command not found: /no/such/server")]
    await servers.aclose()


async def test_a_server_dying_mid_call_gives_an_error_result_and_a_problem() -> None:
    problems: list[tuple[str, str]] = []
    servers = McpServers(
        {"echo": McpServerSettings(command=sys.executable, args=[ECHO])},
        lambda name, message: problems.append((name, message)),
    )
    tools = {tool.name: tool for tool in await servers.tools()}
    assert await tools["add"].run({"a": 2, "b": 3}) == "5"
    with pytest.raises(ToolError, match="'echo'"):
        await tools["die"].run({})
    assert [name for name, _ in problems] == ["echo"]
    await servers.aclose()


def test_doctor_starts_each_server_and_lists_its_tools(isolated_environment: Path, app_paths) -> None:
    from tests.integration.test_keys import FAIL_BACKEND, run

    write_tool_config(app_paths, {}, {**SERVERS, "broken": {"command": "/no/such/server"}})
    result = run(isolated_environment, "doctor", PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    lines = {line.split(":")[0][9:]: line for line in result.stdout.splitlines() if line[9:].startswith("mcp ")}
    assert lines["mcp echo"].startswith("ok") and "5 tools: echo, add, fail, sleep, die" in lines["mcp echo"]
    assert lines["mcp clock"].startswith("ok") and "get_current_time" in lines["mcp clock"]
    assert lines["mcp broken"].startswith("problem") and "command not found: /no/such/server" in lines["mcp broken"]
    assert result.returncode == 0, result.stdout


async def test_a_streamable_http_server_is_listed_and_called() -> None:
    import asyncio
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, ECHO, "--http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        problems: list[tuple[str, str]] = []
        servers = McpServers(
            {"web": McpServerSettings(url=f"http://127.0.0.1:{port}/mcp")},
            lambda name, message: problems.append((name, message)),
        )
        tools = {tool.name: tool for tool in await servers.tools()}
        assert problems == []
        assert await tools["echo"].run({"text": "over http"}) == "echo: over http"
        assert tools["echo"].source == "web"
        await servers.aclose()
    finally:
        process.terminate()
        process.wait(timeout=10)
