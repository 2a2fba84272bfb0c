"""Shared pieces of the tool tests: config with tools on, an event recorder and an approver that answers as told."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_chat_session import Recorder  # noqa: F401  (the tool tests' recorder too)
from tests.toml_writer import toml_value
from tui_chat.paths import AppPaths


def write_tool_config(paths: AppPaths, tools: dict, mcp: dict | None = None) -> None:
    """Write config.toml with a [tools] table (and [mcp.NAME] tables)."""
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[tools]"] + [f"{key} = {toml_value(value)}" for key, value in tools.items()]
    for name, server in (mcp or {}).items():
        lines.append(f"[mcp.{name}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in server.items()]
    paths.config_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Approver:
    """Answers each approval with the next of `answers` and remembers what it was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []

    async def __call__(self, call, tool) -> str:
        self.asked.append((call.name, call.arguments))
        return self.answers.pop(0)


def call(call_id: str, name: str, arguments: object) -> dict:
    """A scripted tool call; a dict is sent as JSON, a string as it is."""
    return {
        "id": call_id,
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
    }


def chat_requests(loopback) -> list[dict]:
    """The JSON bodies of the chat requests the server received, oldest first."""
    return [r.json for r in loopback.requests if r.path.endswith("/chat/completions")]


async def round_numbers(repository, message_id: int) -> list[int]:
    """The round numbers of a reply's usage rows, in the order written."""
    async with repository.database.connection.execute(
        "SELECT round_number FROM usage WHERE message_id = ? ORDER BY id", (message_id,)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


def make_files(root: Path) -> Path:
    """A small folder for read_file and list_directory, and a secret file beside it (outside)."""
    root.mkdir(parents=True)
    (root / "notes.txt").write_text("alpha\nbeta\n", encoding="utf-8")
    (root / "sub").mkdir()
    (root.parent / "secret.txt").write_text("do not read", encoding="utf-8")
    return root
