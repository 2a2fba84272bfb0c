"""The approval dialog and the folded tool blocks, driven with Pilot against the loopback server."""

from __future__ import annotations

import json

from tests.loopback import Script
from tests.tools.helpers import call, chat_requests, make_files, write_tool_config
from tests.ui.pilot import modal, send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import MessageStatus
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.tool_approval import ToolApprovalScreen
from tui_chat.screens.tools_panel import ToolsPanel
from tui_chat.services.tools.loop import DENIED
from tui_chat.widgets.tool_calls import ToolCallBlock
from tui_chat.widgets.usage_sidebar import UsageSidebar

WIDE = (150, 40)


def configure(app_paths, tmp_path, **tools) -> None:
    root = make_files(tmp_path / "files")
    write_tool_config(
        app_paths, {"enabled": ["current_time", "read_file", "list_directory"], "root": str(root), **tools}
    )


async def latest_reply(services):
    repository = await services.repository()
    conversation = await repository.latest_conversation()
    return (await repository.messages(conversation.id))[-1], conversation


async def test_run_once_shows_a_folded_block_that_unfolds(make_services, app_paths, tmp_path, loopback) -> None:
    configure(app_paths, tmp_path)
    services = make_services()
    app = ChatApp(services)
    loopback.enqueue(Script(tool_calls=[call("r", "read_file", {"path": "notes.txt"})]))
    loopback.enqueue(Script(text="It says alpha."))
    async with app.run_test(size=WIDE) as pilot:
        await send(pilot, "Read notes.txt")
        dialog = await modal(pilot, ToolApprovalScreen)
        assert dialog.call.name == "read_file" and '"notes.txt"' in dialog.call.arguments
        await pilot.press("a")
        await wait_for_reply(pilot)
        block = app.screen.query_one(ToolCallBlock)
        folded = str(block.describe())
        assert folded.startswith("▸ ⚙ read_file") and "✓" in folded and "alpha beta" in folded
        block.focus()
        await pilot.press("enter")
        assert "result:\nalpha\nbeta\n" in str(block.describe())
        sidebar = app.screen.query_one(UsageSidebar)
        assert "2 rounds (tool calls), total" in sidebar.reply_usage
        _, conversation = await latest_reply(services)
        await pilot.press("ctrl+n")
        await app.screen.open_conversation(conversation.id)
        await wait_until(pilot, lambda: len(app.screen.query(ToolCallBlock)) == 1)
        stored = app.screen.query_one(ToolCallBlock)
        assert stored.call.result == "alpha\nbeta\n" and stored.folded
    reply, _ = await latest_reply(services)
    assert reply.content == "It says alpha." and json.loads(reply.tool_rounds)[0]["calls"][0]["status"] == "ok"


async def test_always_is_remembered_and_deny_is_sent_back(make_services, app_paths, tmp_path, loopback) -> None:
    configure(app_paths, tmp_path)
    services = make_services()
    app = ChatApp(services)
    loopback.enqueue(Script(tool_calls=[call("t1", "current_time", {})]))
    loopback.enqueue(Script(tool_calls=[call("t2", "current_time", {}), call("r", "read_file", {"path": "x"})]))
    loopback.enqueue(Script(text="Done."))
    async with app.run_test(size=WIDE) as pilot:
        await send(pilot, "Time, twice")
        await modal(pilot, ToolApprovalScreen)
        await pilot.press("l")
        dialog = await modal(pilot, ToolApprovalScreen)
        assert dialog.call.name == "read_file"
        await pilot.press("d")
        await wait_for_reply(pilot)
        blocks = list(app.screen.query(ToolCallBlock))
        assert [b.call.status for b in blocks] == ["ok", "ok", "denied"]
        assert "denied" in str(blocks[2].describe())
    last = chat_requests(loopback)[-1]["messages"]
    assert {m["tool_call_id"]: m["content"] for m in last if m["role"] == "tool"}["r"] == DENIED


async def test_escape_in_the_dialog_cancels_and_keeps_the_reply(make_services, app_paths, tmp_path, loopback) -> None:
    configure(app_paths, tmp_path)
    services = make_services()
    app = ChatApp(services)
    loopback.enqueue(Script(text="Let me look. ", tool_calls=[call("r", "read_file", {"path": "notes.txt"})]))
    async with app.run_test(size=WIDE) as pilot:
        await send(pilot, "Read it")
        await modal(pilot, ToolApprovalScreen)
        await pilot.press("escape")
        await wait_for_reply(pilot)
        assert isinstance(app.screen, ChatScreen)
    reply, conversation = await latest_reply(services)
    assert reply.status is MessageStatus.CANCELLED and reply.content == "Let me look. "
    assert json.loads(reply.tool_rounds)[0]["calls"][0]["status"] == "cancelled"
    rows = await (await services.repository()).usage_rows(conversation.id)
    assert len(rows) == 1 and rows[0].message_id == reply.id
    assert len(chat_requests(loopback)) == 1


async def test_escape_during_a_running_call_cancels_it(make_services, app_paths, tmp_path, loopback) -> None:
    import sys

    from tests.mcp.test_mcp_servers import ECHO

    write_tool_config(app_paths, {"always_allow": ["sleep"]}, {"echo": {"command": sys.executable, "args": [ECHO]}})
    services = make_services()
    app = ChatApp(services)
    loopback.enqueue(Script(tool_calls=[call("s", "sleep", {"seconds": 60})]))
    async with app.run_test(size=WIDE) as pilot:
        await send(pilot, "Take your time")
        await wait_until(
            pilot, lambda: [b.call.status for b in app.screen.query(ToolCallBlock)] == ["running"], timeout=30
        )
        await pilot.press("escape")
        await wait_for_reply(pilot)
    reply, _ = await latest_reply(services)
    assert reply.status is MessageStatus.CANCELLED
    [stored] = json.loads(reply.tool_rounds)[0]["calls"]
    assert (stored["status"], stored["source"]) == ("cancelled", "echo")
    assert stored["result"].startswith("Not run")
    assert len(chat_requests(loopback)) == 1


async def test_tools_panel_switches_a_tool_off(make_services, app_paths, tmp_path, loopback) -> None:
    configure(app_paths, tmp_path)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        loopback.enqueue(Script(text="hello"))
        await send(pilot, "hi")
        await wait_for_reply(pilot)
        loopback.clear_log()
        await pilot.press("ctrl+t")
        panel = await modal(pilot, ToolsPanel)
        await wait_until(pilot, lambda: len(panel.query("Switch")) == 3)
        await pilot.press("enter")
        await pilot.press("escape")
        await pilot.pause()
        loopback.enqueue(Script(text="ok"))
        await send(pilot, "again")
        await wait_for_reply(pilot)
    offered = {tool["function"]["name"] for tool in chat_requests(loopback)[-1]["tools"]}
    assert offered == {"read_file", "list_directory"}


async def test_a_server_that_cannot_start_is_named_in_a_toast(make_services, app_paths, tmp_path, loopback) -> None:
    write_tool_config(app_paths, {"enabled": ["current_time"]}, {"broken": {"command": "/no/such/server"}})
    services = make_services()
    app = ChatApp(services)
    loopback.enqueue(Script(text="Still here."))
    async with app.run_test(size=WIDE) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        [toast] = [n for n in app._notifications if n.title == "Tool server problem"]
        assert toast.message == "MCP server 'broken': command not found: /no/such/server"
    reply, _ = await latest_reply(services)
    assert reply.content == "Still here."
    assert [tool["function"]["name"] for tool in chat_requests(loopback)[0]["tools"]] == ["current_time"]
