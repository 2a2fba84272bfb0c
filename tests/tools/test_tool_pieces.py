"""The pieces of the tool feature on their own: schemas from typed functions, stored rounds, hostile text on screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tui_chat.services.tools.builtins import built_in_tools, file_tools
from tui_chat.services.tools.events import ToolCall, ToolRound
from tui_chat.services.tools.registry import ToolError, function_tool
from tui_chat.services.tools.rounds import replayed, rounds_from_json, rounds_to_json
from tui_chat.widgets.tool_calls import ToolCallBlock


def test_a_schema_comes_from_the_signature_and_arguments_are_checked() -> None:
    def scale(value: float, times: int = 2) -> str:
        """Multiply a value.

        More words that are not part of the description.
        """
        return str(value * times)

    tool = function_tool(scale)
    function = tool.spec()["function"]
    assert function["description"] == "Multiply a value."
    assert function["parameters"]["properties"] == {
        "value": {"type": "number"},
        "times": {"type": "integer", "default": 2},
    }
    assert function["parameters"]["required"] == ["value"]
    assert asyncio.run(tool.run({"value": 1.5})) == "3.0"
    with pytest.raises(ToolError, match="value"):
        asyncio.run(tool.run({"value": "lots"}))
    with pytest.raises(ToolError, match="Extra inputs"):
        asyncio.run(tool.run({"value": 1, "rm": "-rf"}))


def test_only_the_enabled_built_ins_are_offered() -> None:
    assert [tool.name for tool in built_in_tools(["list_directory"], None)] == ["list_directory"]
    assert built_in_tools([], None) == []


def test_file_tools_never_leave_their_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    (root / "link").symlink_to(tmp_path / "outside.txt")
    read_file, list_directory = file_tools(root)
    for path in ("../outside.txt", str(tmp_path / "outside.txt"), "link", "a\x00b"):
        with pytest.raises(ToolError):
            asyncio.run(read_file.run({"path": path}))
    with pytest.raises(ToolError, match="outside"):
        asyncio.run(list_directory.run({"path": ".."}))
    assert asyncio.run(list_directory.run({})) == "link"


def test_rounds_survive_storage_and_unfinished_ones_are_not_sent_again() -> None:
    done = ToolRound("Looking. ", [ToolCall("a", "echo", "{}", status="ok", result="hi")])
    unfinished = ToolRound("", [ToolCall("b", "echo", "{}", round_number=2, status="running")])
    stored = rounds_to_json([done, unfinished])
    assert [call.status for r in rounds_from_json(stored) for call in r.calls] == ["ok", "running"]
    messages, final = replayed("Looking. The answer.", stored)
    assert [m["role"] for m in messages] == ["assistant", "tool"]
    assert messages[0]["content"] == "Looking. " and final == "The answer."
    assert rounds_from_json("not json") == [] and rounds_from_json('{"a": 1}') == []


def test_a_block_shows_model_and_tool_text_literally() -> None:
    call = ToolCall("x", "[b]bold[/b]", '{"q": "\x1b[31mred"}', status="ok", result="[link=http://x]y[/link]\x07")
    block = ToolCallBlock(call)
    folded = str(block.describe())
    assert "[b]bold[/b]" in folded and "␛" in folded and "\x1b" not in folded
    block.folded = False
    unfolded = str(block.describe())
    assert "[link=http://x]y[/link]" in unfolded and "\x07" not in unfolded


def test_a_bad_mcp_server_is_dropped_alone_and_named(tmp_path: Path) -> None:
    from tui_chat.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text(
        '[tools]\nenabled = ["current_time"]\nmax_rounds = 0\n'
        '[mcp.good]\ncommand = "server"\n[mcp.both]\ncommand = "x"\nurl = "http://127.0.0.1:1/mcp"\n',
        encoding="utf-8",
    )
    settings, problems = load_settings(config)
    assert list(settings.mcp) == ["good"]
    details = " ".join(problem.detail for problem in problems)
    assert "give either command or url" in details and "max_rounds" in details
    assert settings.tools.enabled == ["current_time"] and settings.tools.max_rounds == 8
