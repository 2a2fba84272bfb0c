"""Shared helpers of the benchmarks: an isolated home, the demo server in its own process, verdict lines."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
XDG_FOLDERS = (
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_DATA_HOME", "data"),
    ("XDG_STATE_HOME", "state"),
    ("XDG_CACHE_HOME", "cache"),
)
KEY_VARIABLES = ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "GROQ_API_KEY", "DEEPSEEK_API_KEY", "MISTRAL_API_KEY")


def isolated_env(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment whose XDG folders all live under `home`, with no real API keys."""
    env = {key: value for key, value in (base or os.environ).items() if key not in KEY_VARIABLES}
    for variable, folder in XDG_FOLDERS:
        env[variable] = str(home / folder)
        (home / folder).mkdir(parents=True, exist_ok=True)
    return env


@contextmanager
def temp_home() -> Iterator[Path]:
    """A temporary home; this process's XDG variables point into it until the block ends."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="tui-chat-bench-") as folder:
        home = Path(folder)
        os.environ.clear()
        os.environ.update(isolated_env(home, saved))
        try:
            yield home
        finally:
            os.environ.clear()
            os.environ.update(saved)


class DemoServerProcess:
    """`python -m tests.loopback --control` in its own process, so its CPU is not ours."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.loopback", "--control"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url.startswith("http://"):
            self.close()
            raise RuntimeError(f"the demo server printed {self.base_url!r} instead of its URL")
        self.root = self.base_url.removesuffix("/v1")

    def _call(self, method: str, route: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.root}{route}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def enqueue(self, **script: Any) -> None:
        """Queue a script (the fields of tests/loopback/script.py's Script) for the next chat request."""
        self._call("POST", "/_demo/script", script)

    def requests(self) -> list[dict[str, Any]]:
        """The server's request log."""
        return self._call("GET", "/_demo/requests")["requests"]

    def reset(self) -> None:
        """Forget the log and queued scripts."""
        self._call("POST", "/_demo/reset", {})

    def close(self) -> None:
        """Stop the server and reap it."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> DemoServerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def median(values: list[float]) -> float:
    """The median of the values, NaN when there are none."""
    return statistics.median(values) if values else float("nan")


def verdict(passed: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if passed else "FAIL"


def report_line(name: str, value: str, target: str, passed: bool, detail: str = "") -> str:
    """One figure with its target and verdict, aligned."""
    line = f"  {verdict(passed)}  {name:<58} {value:>12}   target {target}"
    return f"{line}\n        {detail}" if detail else line
