"""Several tui-chat processes on one data directory: a new file created together, replies streamed side by side."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tests.conftest import subprocess_env
from tests.loopback import Script
from tui_chat.paths import AppPaths

PROCESSES = 4
ASKS_EACH = 10
ROUNDS = 10
RATE = 40.0
"""Tokens per second of the slow scripted replies."""

ASK_DRIVER = """
import sys
from tui_chat.cli import main
from tui_chat.services import ask, bootstrap  # loaded before the start signal, so the processes start together

print("ready", flush=True)
sys.stdin.readline()
sys.stdin = open("/dev/null")  # this pipe stays open: each ask would wait for it to join it to its prompt
name, base_url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
failed = [i for i in range(count) if main(["ask", f"{name} prompt {i}", "--model", "demo-fast", "--base-url", base_url])]
sys.exit(1 if failed else 0)
"""
"""Runs `tui-chat ask` several times in one process through the real entry point, after a start signal."""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def rows(database: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(database, timeout=10)) as connection:
        return connection.execute(sql).fetchall()


def run_round(home: Path, base_url: str) -> list[subprocess.Popen[str]]:
    """Start the drivers, wait until each has loaded, then let them all go at once."""
    drivers = [
        subprocess.Popen(
            [sys.executable, "-c", ASK_DRIVER, f"p{number}", base_url, str(ASKS_EACH)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env(home),
        )
        for number in range(PROCESSES)
    ]
    for driver in drivers:
        assert driver.stdout is not None and driver.stdout.readline().strip() == "ready"
    for driver in drivers:
        assert driver.stdin is not None
        driver.stdin.write("go\n")
        driver.stdin.flush()
    return drivers


def test_processes_starting_together_on_a_new_data_directory_lose_nothing(tmp_path: Path, loopback) -> None:
    for round_number in range(ROUNDS):
        home = tmp_path / f"round-{round_number}"
        drivers = run_round(home, loopback.base_url)
        outcomes = [(driver.communicate(timeout=120), driver.returncode) for driver in drivers]
        for (_, stderr), returncode in outcomes:
            assert returncode == 0 and stderr == "", f"round {round_number}: {stderr}"
        database = home / "data" / "tui-chat" / "tui-chat.db"
        prompts = rows(database, "SELECT content FROM messages WHERE role = 'user' AND status = 'complete'")
        expected = {f"p{number} prompt {i}" for number in range(PROCESSES) for i in range(ASKS_EACH)}
        assert sorted(content for (content,) in prompts) == sorted(expected)
        replies = rows(database, "SELECT status FROM messages WHERE role = 'assistant'")
        assert replies == [("complete",)] * len(expected)
        assert rows(database, "SELECT COUNT(*) FROM usage WHERE status = 'complete'") == [(len(expected),)]


def start_slow_ask(home: Path, loopback, prompt: str) -> subprocess.Popen[str]:
    loopback.enqueue(Script(text=" word" * 400, tokens_per_second=RATE))
    return subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "ask", prompt, "--base-url", loopback.base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(home),
    )


def has_streaming_reply(database: Path) -> bool:
    try:
        return bool(rows(database, "SELECT 1 FROM messages WHERE status = 'streaming'"))
    except sqlite3.OperationalError:  # not created yet
        return False


def reply_status(database: Path) -> list[tuple[str, int]]:
    return rows(database, "SELECT status, length(content) FROM messages WHERE role = 'assistant' ORDER BY id")


def test_a_start_leaves_a_reply_another_process_is_streaming_and_recovers_one_whose_process_died(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    database = app_paths.database
    streaming = start_slow_ask(isolated_environment, loopback, "stream slowly")
    wait_for(lambda: database.exists() and has_streaming_reply(database), "the first reply to start streaming")

    second = subprocess.run(
        [sys.executable, "-m", "tui_chat", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(isolated_environment),
    )
    assert second.returncode == 0, second.stderr
    assert [status for status, _ in reply_status(database)] == ["streaming"]
    assert streaming.poll() is None, "the streaming reply ended before the second start could see it"

    _, stderr = streaming.communicate(timeout=60)
    assert streaming.returncode == 0, stderr
    assert reply_status(database) == [("complete", len(" word" * 400))]
    assert rows(database, "SELECT status FROM usage") == [("complete",)]

    killed = start_slow_ask(isolated_environment, loopback, "never finished")
    wait_for(lambda: has_streaming_reply(database), "the second reply to start streaming")
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    kept = rows(database, "SELECT content FROM messages WHERE status = 'streaming'")

    restart = subprocess.run(
        [sys.executable, "-m", "tui_chat", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(isolated_environment),
    )
    assert restart.returncode == 0, restart.stderr
    assert [status for status, _ in reply_status(database)] == ["complete", "interrupted"]
    assert rows(database, "SELECT content FROM messages WHERE status = 'interrupted'") == kept
    assert rows(database, "SELECT status FROM usage ORDER BY id") == [("complete",), ("interrupted",)]
    assert [path.name for path in (app_paths.data_dir / "writers").iterdir()] == []
