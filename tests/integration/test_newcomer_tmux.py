"""A newcomer's path through the real app in tmux: first start typed into at once, a demo reply, quit,
then a restart whose --provider/--base-url/--model reach the loopback server."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.loopback import LoopbackServer, Script

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

KEY = "sk-newcomer-test-key-0123456789abcdef"


class Tmux:
    """One detached tmux session running a command at a fixed size, on its own server socket."""

    def __init__(self, socket: str, columns: int = 100, rows: int = 30) -> None:
        self.socket = socket
        self.size = (columns, rows)

    def run(self, *args: str) -> str:
        completed = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        return completed.stdout

    def start(self, command: str) -> None:
        columns, rows = self.size
        self.run("new-session", "-d", "-s", "main", "-x", str(columns), "-y", str(rows), command)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "main", *keys)

    def literal(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def alive(self) -> bool:
        return (
            subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "main"], capture_output=True).returncode
            == 0
        )

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 40.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")

    def kill(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux(tmp_path: Path):
    session = Tmux(f"tui-chat-test-{uuid.uuid4().hex[:8]}")
    yield session
    session.kill()


def launch_command(home: Path, *args: str, **env: str) -> str:
    """A shell line that runs `python -m tui_chat ARGS` in the isolated home, then marks its exit."""
    environment = subprocess_env(home, TERM="xterm-256color", **env)
    environment.pop("TEXTUAL", None)
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in environment.items() if name.isidentifier())
    command = shlex.join([sys.executable, "-m", "tui_chat", *args])
    return f"env -i {exports} {command}; echo EXITED-$?; sleep 600"


def test_a_newcomer_types_at_once_gets_the_demo_and_a_restart_obeys_its_flags(
    tmux: Tmux, tmp_path: Path, demo_server_factory: Callable[..., LoopbackServer]
) -> None:
    loopback = demo_server_factory(tokens_per_second={"gpt-4o-mini": None})
    loopback.enqueue(Script(text="The loopback server answered this one."))
    home = tmp_path / "newcomer"
    tmux.start(launch_command(home))
    # Typed before the first frame is drawn: nothing may be lost or land in a dialog.
    tmux.literal("hello from a newcomer")
    screen = tmux.wait_for(lambda s: "hello from a newcomer" in s, "the typed text in the prompt")
    assert "Check and save" not in screen
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "Offline demo reply" in s, "the demo's reply")
    assert "Check and save" not in tmux.screen()
    tmux.keys("C-q")
    tmux.wait_for(lambda s: "EXITED-0" in s, "a clean exit")
    tmux.kill()

    restarted = Tmux(f"{tmux.socket}-2")
    try:
        restarted.start(
            launch_command(
                home,
                "--provider",
                "openai",
                "--base-url",
                loopback.base_url,
                "--model",
                "gpt-4o-mini",
                OPENAI_API_KEY=KEY,
            )
        )
        restarted.wait_for(lambda s: "gpt-4o-mini" in s, "the chosen model shown")
        restarted.literal("now a real question")
        restarted.keys("Enter")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not loopback.requests:
            time.sleep(0.1)
        assert loopback.requests, f"the loopback server got no request; the screen:\n{restarted.screen()}"
        request = loopback.requests[-1].json
        assert request["model"] == "gpt-4o-mini"
        assert request["messages"][-1]["content"] == "now a real question"
        restarted.wait_for(lambda s: "The loopback server answered this one." in s, "the server's reply")
        assert KEY not in restarted.screen()
        restarted.keys("C-q")
        restarted.wait_for(lambda s: "EXITED-0" in s, "a clean exit")
    finally:
        restarted.kill()
