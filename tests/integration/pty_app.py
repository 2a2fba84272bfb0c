"""Run the real `tui-chat` in a pseudo-terminal: type into it, read what it drew, and kill it."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import subprocess_env


class TerminalApp:
    """`python -m tui_chat ARGS` on a 120x40 pseudo-terminal, its output drained so it never blocks."""

    def __init__(self, home: Path, *args: str, columns: int = 120, rows: int = 40, umask: int = -1) -> None:
        self.home = home
        self.umask = umask
        self.args = args
        self.size = (rows, columns)
        self.output = bytearray()
        self._lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self._master = -1

    def __enter__(self) -> TerminalApp:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.size[0], self.size[1], 0, 0))
        env = subprocess_env(self.home, TERM="xterm-256color", COLUMNS=str(self.size[1]), LINES=str(self.size[0]))
        env.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_chat", *self.args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
            umask=self.umask,
        )
        os.close(slave)
        self._master = master
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output.extend(chunk)

    def type(self, text: str) -> None:
        """Send keystrokes as a terminal would (\\r is Enter)."""
        os.write(self._master, text.encode())

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
        """Poll until `condition()` holds, failing with the app's state if it does not in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"tui-chat exited ({self.process.returncode}) before {what}: {self.text()[-2000:]}"
                )
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; last output: {self.text()[-2000:]}")

    def text(self) -> str:
        """Everything the app wrote so far, decoded."""
        with self._lock:
            return self.output.decode("utf-8", "replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no exit handlers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1
