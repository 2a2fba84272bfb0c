"""`tui-chat ask --tools` as a user runs it: a real subprocess, the demo model asking for the time over loopback."""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import subprocess_env
from tests.integration.test_cli import run
from tests.tools.helpers import chat_requests, write_tool_config
from tui_chat.paths import AppPaths
from tui_chat.services.tools.loop import DENIED

QUESTION = "What time is it?"


def usage_rounds(paths: AppPaths) -> list[int]:
    with sqlite3.connect(paths.database) as connection:
        return [row[0] for row in connection.execute("SELECT round_number FROM usage ORDER BY id")]


def test_yes_approves_every_call_of_the_run(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    write_tool_config(app_paths, {"enabled": ["current_time"]})
    result = run(isolated_environment, "ask", QUESTION, "--tools", "--yes", "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("The tool answered: 20")
    assert "tool current_time({}): ok" in result.stderr
    assert usage_rounds(app_paths) == [1, 2]


def test_without_a_terminal_calls_are_refused(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    write_tool_config(app_paths, {"enabled": ["current_time"]})
    result = run(isolated_environment, "ask", QUESTION, "--tools", "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    assert "not run: current_time({}) (no terminal to ask on" in result.stderr
    assert result.stdout.strip() == f"The tool answered: {DENIED}"


def test_without_the_flag_no_tool_is_offered(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    write_tool_config(app_paths, {"enabled": ["current_time"]})
    result = run(isolated_environment, "ask", QUESTION, "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    assert "tools" not in chat_requests(loopback)[0]
    assert usage_rounds(app_paths) == [0]


def test_on_a_terminal_the_user_is_asked(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    write_tool_config(app_paths, {"enabled": ["current_time"]})
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "ask", QUESTION, "--tools", "--base-url", loopback.base_url],
        stdin=terminal,
        stderr=terminal,
        stdout=subprocess.PIPE,
        env=subprocess_env(isolated_environment),
    )
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 30
    while b"[N]o" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            seen += os.read(controller, 4096)
    assert b"run the tool current_time({}) (built-in)?" in seen
    os.write(controller, b"y\n")
    stdout, _ = process.communicate(timeout=30)
    os.close(controller)
    assert process.returncode == 0
    assert stdout.decode().startswith("The tool answered: 20")
