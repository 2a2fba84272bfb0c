"""`ask` against a rate-limited server: Retry-After waited in full, a limit that says when to try again, a countdown on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import subprocess_env
from tests.loopback import Script
from tui_chat.paths import AppPaths


def rate_limited(seconds: int) -> Script:
    return Script(status=429, headers={"Retry-After": str(seconds)}, body={"error": {"message": "Slow down"}})


def configure(paths: AppPaths, text: str) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text)


def chat_requests(server) -> list:
    return [request for request in server.requests if request.path.endswith("/chat/completions")]


def ask(home: Path, base_url: str, *, stderr_on_terminal: bool = False) -> tuple[int, str, str]:
    """Run `ask` with stdout on a pipe and stderr on a pipe or a pseudo-terminal; return (status, stdout, stderr)."""
    command = [sys.executable, "-m", "tui_chat", "ask", "hello", "--base-url", base_url]
    env = subprocess_env(home, TERM="xterm-256color")
    if not stderr_on_terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    stdout = process.stdout.read().decode() if process.stdout else ""
    status = process.wait(timeout=60)
    reader.join(timeout=10)
    os.close(master)
    return status, stdout, seen.decode()


def test_retry_after_above_max_delay_is_waited_in_full(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    configure(app_paths, "[retry]\nmax_delay = 1.0\nmax_retry_after = 60.0\n")
    loopback.enqueue(rate_limited(3))
    status, stdout, stderr = ask(isolated_environment, loopback.base_url)
    assert status == 0, stderr
    first, second = chat_requests(loopback)
    assert second.received_at - first.received_at >= 2.9
    assert stdout.strip() and stderr == ""


def test_retry_after_above_the_limit_stops_at_once_saying_when_to_try_again(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    configure(app_paths, "[retry]\nmax_retry_after = 2.0\n")
    loopback.enqueue(rate_limited(3))
    status, stdout, stderr = ask(isolated_environment, loopback.base_url)
    assert status == 1
    assert len(chat_requests(loopback)) == 1
    assert stderr.startswith(
        "tui-chat: Rate limited: Slow down. The server asks for a 3 s wait, over the 2 s limit: try again after "
    )
    assert "max_retry_after" in stderr and "Traceback" not in stderr


def test_ask_counts_the_wait_down_on_a_terminal(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    loopback.enqueue(rate_limited(3))
    status, stdout, stderr = ask(isolated_environment, loopback.base_url, stderr_on_terminal=True)
    assert status == 0, stderr
    lines = [line for line in stderr.split("\r\x1b[K") if line]
    assert lines[:3] == [f"tui-chat: Rate limited, retrying in {seconds} s (2/4)" for seconds in (3, 2, 1)]
    assert stderr.endswith("\r\x1b[K") and "\n" not in stderr
    assert stdout.strip() and "\x1b" not in stdout


def test_ask_on_a_pipe_shows_no_countdown(isolated_environment: Path, loopback) -> None:
    loopback.enqueue(Script(status=503, headers={"Retry-After": "1"}, body={"error": {"message": "busy"}}))
    status, stdout, stderr = ask(isolated_environment, loopback.base_url)
    assert status == 0 and len(chat_requests(loopback)) == 2
    assert stderr == "" and stdout.strip()
