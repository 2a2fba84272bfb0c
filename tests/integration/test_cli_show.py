"""`tui-chat last`, `show` and `models`, run as the installed executable: piped, and on a pseudo-terminal."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

from tests.conftest import subprocess_env
from tests.integration.test_cli_ask_options import EXECUTABLE, tui_chat
from tests.loopback import Script
from tui_chat.core.pricing import ProviderRef, context_window, price_per_mtok

HOSTILE = "Plain **bold** word \x1b]52;c;ZXZpbA==\x07 and \x1b[2J bidi \u202egnp.exe end"


def on_terminal(home: Path, *args: str, columns: int = 100) -> tuple[int, str]:
    """Run `tui-chat ARGS` with stdout on a pseudo-terminal; its exit status and everything it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = subprocess_env(home, TERM="xterm-256color", COLUMNS=str(columns))
    process = subprocess.Popen(
        [str(EXECUTABLE), *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    output = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output.extend(chunk)
    os.close(master)
    return process.wait(timeout=30), output.decode("utf-8", "replace")


def ask(home: Path, loopback, prompt: str, text: str, *options: str) -> None:
    loopback.enqueue(Script(text=text))
    result = tui_chat(home, "ask", prompt, "--base-url", loopback.base_url, *options)
    assert result.returncode == 0, result.stderr


def test_last_prints_the_latest_reply_or_that_of_a_conversation(isolated_environment: Path, loopback) -> None:
    empty = tui_chat(isolated_environment, "last")
    assert empty.returncode == 1 and empty.stderr.startswith("tui-chat: no conversation yet")
    ask(isolated_environment, loopback, "first", "reply one")
    ask(isolated_environment, loopback, "second", "reply two")
    assert tui_chat(isolated_environment, "last").stdout == "reply two\n"
    assert tui_chat(isolated_environment, "last", "--conversation", "1").stdout == "reply one\n"
    unknown = tui_chat(isolated_environment, "last", "--conversation", "99")
    assert unknown.returncode == 2 and unknown.stderr == "tui-chat: no conversation with id 99.\n"


def test_last_says_on_stderr_when_the_reply_did_not_complete(isolated_environment: Path, loopback) -> None:
    loopback.enqueue(Script(text="cut short here", finish_reason="length"))
    assert tui_chat(isolated_environment, "ask", "hi", "--base-url", loopback.base_url).returncode == 0
    result = tui_chat(isolated_environment, "last")
    assert result.returncode == 0 and result.stdout == "cut short here\n"
    assert result.stderr == "tui-chat: warning: this reply is truncated.\n"


def test_show_piped_is_plain_text_with_every_message_and_no_escape(isolated_environment: Path, loopback) -> None:
    ask(isolated_environment, loopback, "what is it?", HOSTILE, "-s", "Be brief.")
    ask(isolated_environment, loopback, "and then?", "Nothing more.", "-c")
    result = tui_chat(isolated_environment, "show", "1")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "<U+202E>" in text and "Plain **bold** word" in text  # plain: the Markdown as written
    order = [
        "# what is it?",
        "## System prompt",
        "Be brief.",
        "## You",
        "\nwhat is it?\n",
        "## demo",
        "and then?",
        "Nothing more.",
    ]
    positions = [text.find(piece) for piece in order]
    assert -1 not in positions and positions == sorted(positions), text
    assert "demo / demo · 4 messages" in text
    unknown = tui_chat(isolated_environment, "show", "7")
    assert unknown.returncode == 2 and unknown.stderr == "tui-chat: no conversation with id 7.\n"


def test_show_on_a_terminal_renders_markdown_and_passes_no_escape_of_the_model(
    isolated_environment: Path, loopback
) -> None:
    ask(isolated_environment, loopback, "format it", "# Title\n\n" + HOSTILE + "\n\n- item one\n- item two\n")
    status, screen = on_terminal(isolated_environment, "show", "1")
    assert status == 0, screen
    assert "\x1b]" not in screen and "\x07" not in screen and "\x1b[2J" not in screen and "\u202e" not in screen
    styles = re.compile(r"\x1b\[[0-9;]*m")
    assert styles.search(screen)  # rich styled it
    text = styles.sub("", screen)
    assert "\x1b" not in text  # colours and weights are the only escapes written
    assert "Plain bold word" in text and "• item one" in text and "# Title" not in text
    assert "␛" in text  # the model's escape shown as a stand-in, not obeyed
    assert "format it" in text and "# format it" not in text
    status, last = on_terminal(isolated_environment, "last")
    assert status == 0 and "**bold**" not in last and "\x1b]" not in last and "␛]52;" in last


def test_models_lists_the_endpoint_models_with_genai_prices_figures(isolated_environment: Path, loopback) -> None:
    args = ("models", "--provider", "openai", "--base-url", loopback.base_url)
    env = subprocess_env(isolated_environment, OPENAI_API_KEY="sk-loopback-test-0000000000")
    result = subprocess.run(
        [str(EXECUTABLE), *args, "--format", "json"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    listed = {row["model"]: row for row in json.loads(result.stdout)}
    assert set(listed) == {model for model in loopback.models}
    ref = ProviderRef(name="openai", base_url=loopback.base_url, local=False)
    window = context_window(ref, "gpt-4o")
    prices = price_per_mtok(ref, "gpt-4o", {})
    assert window and prices[0]
    assert listed["gpt-4o"]["context_window"] == window
    assert listed["gpt-4o"]["input_usd_per_mtok"] == f"{prices[0].normalize():f}"
    assert listed["demo"]["context_window"] is None and listed["demo"]["input_usd_per_mtok"] is None
    table = subprocess.run(
        [str(EXECUTABLE), *args, "--sort", "price"], capture_output=True, text=True, timeout=60, env=env
    )
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["PROVIDER", "MODEL", "CONTEXT", "IN", "$/M", "OUT", "$/M"]
    assert f"{window:,}" in next(line for line in lines if " gpt-4o " in line)
    assert lines[-1].split()[-1] == "?"  # unpriced models sort last


def test_models_of_an_unknown_provider_is_one_line(isolated_environment: Path) -> None:
    result = tui_chat(isolated_environment, "models", "--provider", "nope")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1 and "Known providers" in result.stderr
