"""The command line as a user runs it: a real subprocess talking to the loopback server."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env
from tests.loopback import Script
from tui_chat import __version__
from tui_chat.paths import AppPaths


def run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *args],
        input=stdin,  # piped, never inherited: `ask` joins piped text to its prompt
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(home),
    )


def stored(paths: AppPaths) -> list[tuple[str, str, str]]:
    with sqlite3.connect(paths.database) as connection:
        return connection.execute("SELECT role, status, content FROM messages ORDER BY id").fetchall()


def test_version_and_help(isolated_environment: Path) -> None:
    version = run(isolated_environment, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"tui-chat {__version__}"
    help_text = run(isolated_environment, "--help")
    assert help_text.returncode == 0
    for word in ("ask", "--provider", "--model", "--base-url"):
        assert word in help_text.stdout


def test_ask_streams_to_stdout_and_stores_the_exchange(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    result = run(
        isolated_environment, "ask", "Hello from the CLI", "--provider", "demo", "--base-url", loopback.base_url
    )
    assert result.returncode == 0, result.stderr
    assert "> Hello from the CLI" in result.stdout
    rows = stored(app_paths)
    assert rows[0] == ("user", "complete", "Hello from the CLI")
    assert rows[1][0:2] == ("assistant", "complete") and rows[1][2].strip() == result.stdout.strip()


def test_ask_reads_the_prompt_from_stdin(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    result = run(isolated_environment, "ask", "-", "--base-url", loopback.base_url, stdin="multi\nline prompt\n")
    assert result.returncode == 0, result.stderr
    assert stored(app_paths)[0][2] == "multi\nline prompt\n"


def test_ask_with_the_built_in_demo_needs_no_key_and_no_server(isolated_environment: Path, app_paths: AppPaths) -> None:
    result = run(isolated_environment, "ask", "Quick one", "--model", "demo-fast")
    assert result.returncode == 0, result.stderr
    assert "offline demo model" in result.stdout
    assert len(stored(app_paths)) == 2


def test_ask_never_prints_terminal_escape_sequences(isolated_environment: Path, loopback) -> None:
    loopback.enqueue(Script(text="safe \x1b]52;c;ZXZpbA==\x07text \x1b[2J\x1b]0;pwned\x07end\x07"))
    result = run(isolated_environment, "ask", "hi", "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "safe" in result.stdout and "end" in result.stdout


def test_ask_failure_is_a_clear_message_and_a_non_zero_exit(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    loopback.enqueue(
        Script(status=404, body={"error": {"message": "The model `nope` does not exist", "code": "model_not_found"}})
    )
    result = run(isolated_environment, "ask", "hi", "--model", "nope", "--base-url", loopback.base_url)
    assert result.returncode == 1
    assert "Unknown model" in result.stderr and "Traceback" not in result.stderr
    assert stored(app_paths)[0] == ("user", "complete", "hi")


def test_unreachable_server_is_reported_plainly(isolated_environment: Path) -> None:
    result = run(isolated_environment, "ask", "hi", "--base-url", "http://127.0.0.1:9/v1")
    assert result.returncode == 1
    assert "Cannot reach the server" in result.stderr and "Traceback" not in result.stderr


def test_unknown_provider_is_reported_plainly(isolated_environment: Path) -> None:
    result = run(isolated_environment, "ask", "hi", "--provider", "nosuch")
    assert result.returncode == 1
    assert "Unknown provider" in result.stderr and "demo" in result.stderr


def test_themes_lists_built_in_user_and_textual_themes(isolated_environment: Path, app_paths: AppPaths) -> None:
    app_paths.user_themes_dir.mkdir(parents=True)
    (app_paths.user_themes_dir / "broken.toml").write_text("name = \n")
    result = run(isolated_environment, "themes")
    names = [line[2:] for line in result.stdout.splitlines()]
    assert {"tui-chat-dark", "tui-chat-light", "tui-chat-high-contrast", "tui-chat-amber", "nord"} <= set(names)
    assert "* tui-chat-dark" in result.stdout
    assert "broken.toml" in result.stderr and result.returncode == 1


def test_unknown_theme_option_is_refused_and_a_known_one_is_remembered(
    isolated_environment: Path, app_paths: AppPaths
) -> None:
    refused = run(isolated_environment, "--theme", "no-such-theme")
    assert refused.returncode == 1 and "no theme called 'no-such-theme'" in refused.stderr
    from tui_chat.services.bootstrap import build_services

    services = build_services(paths=app_paths)
    services.remember_theme("tui-chat-amber")
    assert 'theme = "tui-chat-amber"' in app_paths.config_file.read_text()
    assert build_services(paths=app_paths).settings.theme == "tui-chat-amber"


def test_a_bad_config_file_is_reported_by_script_commands_too(isolated_environment: Path, app_paths: AppPaths) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text("theme = 3\n")
    result = run(isolated_environment, "list")
    assert result.returncode == 0  # the command still runs, without that setting
    assert str(app_paths.config_file) in result.stderr and "theme" in result.stderr
    assert "Ignoring 'theme'" in result.stderr and len(result.stderr.splitlines()) == 1
