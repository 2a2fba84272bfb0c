"""SIGTERM and SIGHUP mid-stream: `ask` and the TUI keep what arrived, mark it, record its usage and exit cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.pty_app import TerminalApp
from tests.integration.test_crash_safety import RATE, numbered_words, stored_rows
from tests.loopback import Script
from tui_chat.paths import AppPaths
from tui_chat.services.events import TextDelta

SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGHUP, id="SIGHUP")]


class Output:
    """A pipe read on a thread, so the test can wait for text while the process keeps writing."""

    def __init__(self, stream) -> None:
        self.data = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream) -> None:
        while chunk := os.read(stream.fileno(), 4096):
            with self._lock:
                self.data.extend(chunk)

    def text(self) -> str:
        with self._lock:
            return self.data.decode()

    def finish(self) -> str:
        self._thread.join(timeout=10)
        return self.text()


def wait_until(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def usage_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT message_id, status FROM usage ORDER BY id").fetchall()


@pytest.mark.parametrize("signum", SIGNALS)
def test_ask_signalled_mid_stream_keeps_every_printed_word(
    signum, isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    words = numbered_words(1200)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "ask",
            "count slowly",
            "--model",
            "demo-slow",
            "--base-url",
            loopback.base_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(isolated_environment),
    )
    stdout, stderr = Output(process.stdout), Output(process.stderr)
    try:
        wait_until(lambda: len(stdout.text()) > 200, what="the reply to stream")
        os.kill(process.pid, signum)
        assert process.wait(timeout=30) == 128 + signum
    finally:
        if process.poll() is None:
            process.kill()
    printed = stdout.finish().strip()
    assert "Traceback" not in stderr.finish()
    [prompt, reply] = stored_rows(app_paths.database)
    assert prompt[1:] == ("user", "complete", "count slowly")
    assert reply[1:3] == ("assistant", "cancelled")
    assert reply[3].strip() == printed and 0 < len(printed) < len("".join(words))
    assert usage_rows(app_paths.database) == [(reply[0], "cancelled")]


@pytest.mark.parametrize("signum", SIGNALS)
def test_tui_signalled_mid_stream_saves_the_reply_and_restores_the_terminal(
    signum, isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    words = numbered_words(1200)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    database = app_paths.database

    def streamed_a_while() -> bool:
        try:
            rows = stored_rows(database)
        except sqlite3.Error:
            return False
        return any(row[2] == "streaming" and len(row[3]) > 40 for row in rows)

    args = ("--provider", "demo", "--model", "demo-slow", "--base-url", loopback.base_url)
    with TerminalApp(isolated_environment, *args) as app:
        app.wait_for(lambda: "demo" in app.text().lower(), what="the chat screen")
        app.wait_for(lambda: database.exists(), what="the database")
        time.sleep(0.5)
        app.type("Count slowly, please\r")
        app.wait_for(streamed_a_while, what="the reply to stream")
        os.kill(app.process.pid, signum)
        assert app.process.wait(timeout=30) == 128 + signum
        screen = app.text()

    [prompt, reply] = stored_rows(database)
    assert prompt[1:] == ("user", "complete", "Count slowly, please")
    assert reply[1:3] == ("assistant", "cancelled")
    assert words[0] in reply[3] and reply[3] == "".join(words[: len(reply[3]) // 4])
    assert usage_rows(database) == [(reply[0], "cancelled")]
    assert "Traceback" not in screen
    assert "\x1b[?1049l" in screen, "the terminal was not given back (alternate screen left on)"


def test_ask_whose_reader_goes_away_saves_the_reply_as_cancelled(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    words = numbered_words(1200)
    loopback.enqueue(Script(text="".join(words), tokens_per_second=RATE))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "ask",
            "count slowly",
            "--model",
            "demo-slow",
            "--base-url",
            loopback.base_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(isolated_environment),
    )
    try:
        assert len(process.stdout.read(100)) == 100
        process.stdout.close()  # as `tui-chat ask ... | head -c 100` does
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=30) == 1
    finally:
        if process.poll() is None:
            process.kill()
    assert stderr == "tui-chat: the output was closed; the reply so far is saved, marked cancelled.\n"
    [_, reply] = stored_rows(app_paths.database)
    assert reply[2] == "cancelled" and reply[3].startswith("".join(words[:25]))
    assert usage_rows(app_paths.database) == [(reply[0], "cancelled")]


async def test_a_cancel_that_comes_while_a_failed_reply_is_stored_waits_for_the_row(make_services, loopback) -> None:
    loopback.enqueue(Script(text="".join(numbered_words(400)), tokens_per_second=RATE))
    services = make_services(model="demo-slow")
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo-slow")
    deltas = 0

    async def output_fails_then_a_signal_comes(event: object) -> None:
        nonlocal deltas
        if isinstance(event, TextDelta):
            deltas += 1
            if deltas == 5:
                asyncio.current_task().cancel()  # delivered at the next await: inside the final save
                raise OSError(5, "Input/output error")

    with pytest.raises(asyncio.CancelledError):
        await (await services.session()).send(conversation, "hello", output_fails_then_a_signal_comes)
    [_, reply] = await repository.messages(conversation.id)
    [usage] = await repository.usage_rows(conversation.id)
    assert usage.message_id == reply.id and reply.content == "".join(numbered_words(5))
    await services.aclose()
