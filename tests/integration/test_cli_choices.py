"""Command-line choices, config problems, budgets and error lines, as a user meets them in real processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env
from tests.integration.pty_app import TerminalApp
from tests.loopback import Script
from tui_chat.paths import AppPaths

PRICED = {"prompt_tokens": 1000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 0}}


def run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(home),
    )


def write_config(paths: AppPaths, text: str) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text)


def completions(loopback) -> list:
    return [request for request in loopback.requests if request.path.endswith("/chat/completions")]


def conversations(paths: AppPaths) -> list[tuple[str, str]]:
    if not paths.database.exists():
        return []
    with sqlite3.connect(paths.database) as connection:
        return connection.execute("SELECT provider, model FROM conversations ORDER BY id").fetchall()


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = result.stderr.splitlines()
    assert all(line.startswith("tui-chat: ") for line in lines), result.stderr
    assert "Traceback" not in result.stderr and "ctrl+" not in result.stderr
    return lines


def test_one_bad_field_keeps_the_rest_of_the_file_and_is_named(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    write_config(
        app_paths, f'show_sidebar = "yes"\n[providers.mine]\nbase_url = "{loopback.base_url}"\nneeds_key = false\n'
    )
    result = run(isolated_environment, "ask", "hello", "--provider", "mine", "--model", "demo")
    assert result.returncode == 0, result.stderr
    assert len(completions(loopback)) == 1
    [line] = error_lines(result)
    assert "line 1: field 'show_sidebar'" in line and "Ignoring 'show_sidebar'" in line


def test_an_unknown_provider_is_explained_by_the_field_that_dropped_it(
    isolated_environment: Path, app_paths: AppPaths
) -> None:
    write_config(app_paths, '[providers.mine]\nbase_url = "ftp://example.com/v1"\nneeds_key = false\n')
    for args in (("ask", "hello", "--provider", "mine"), ("keys", "set", "mine")):
        result = run(isolated_environment, *args)
        assert result.returncode == 1
        *warnings, error = error_lines(result)
        assert all("Ignoring [providers.mine]" in warning for warning in warnings)
        assert "No provider named 'mine'" in error and "line 2: field 'providers.mine.base_url'" in error


def test_a_missing_key_is_one_line_naming_the_cli_fix_and_leaves_no_conversation(
    isolated_environment: Path, app_paths: AppPaths
) -> None:
    result = run(isolated_environment, "ask", "hello", "--provider", "openai")
    assert result.returncode == 1
    [line] = error_lines(result)
    assert "`tui-chat keys set openai`" in line
    assert conversations(app_paths) == []


def test_a_failed_request_is_one_line_naming_cli_options(isolated_environment: Path, loopback) -> None:
    loopback.enqueue(
        Script(status=404, body={"error": {"message": "The model `nope` does not exist", "code": "model_not_found"}})
    )
    result = run(isolated_environment, "ask", "hi", "--model", "nope", "--base-url", loopback.base_url)
    assert result.returncode == 1
    [line] = error_lines(result)
    assert "Unknown model" in line and "--model" in line


def test_a_rejected_key_names_where_it_came_from_on_the_command_line(isolated_environment: Path, loopback) -> None:
    rejected = Script(status=401, body={"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}})
    args = ("ask", "hi", "--provider", "openai", "--model", "gpt-4o", "--base-url", loopback.base_url)
    loopback.enqueue(rejected)
    from_env = subprocess.run(
        [sys.executable, "-m", "tui_chat", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(isolated_environment, OPENAI_API_KEY="sk-rejected-by-the-loopback-0000"),
    )
    assert from_env.returncode == 1
    [line] = error_lines(from_env)
    assert "API key rejected" in line and "OPENAI_API_KEY" in line and "<provider>" not in line


def priced_config(paths: AppPaths, loopback, over_budget: str) -> None:
    write_config(
        paths,
        f'default_provider = "priced"\n[providers.priced]\nbase_url = "{loopback.base_url}"\nneeds_key = false\n'
        'default_model = "gpt-4o"\n[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n'
        f'[budget]\ndaily = "0.001"\nover_budget = "{over_budget}"\n',
    )


def test_ask_over_budget_is_refused_with_exit_3_and_sends_nothing(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    priced_config(app_paths, loopback, "refuse")
    loopback.enqueue(Script(text="spent", usage=PRICED))
    assert run(isolated_environment, "ask", "spend it").returncode == 0
    result = run(isolated_environment, "ask", "one more")
    assert result.returncode == 3
    [line] = error_lines(result)
    assert "Budget used up" in line and "% of $0.001 budget" in line and "[budget]" in line
    assert len(completions(loopback)) == 1
    assert len(conversations(app_paths)) == 1


def test_ask_over_budget_set_to_confirm_refuses_without_a_terminal(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    priced_config(app_paths, loopback, "confirm")
    loopback.enqueue(Script(text="spent", usage=PRICED))
    assert run(isolated_environment, "ask", "spend it").returncode == 0
    result = run(isolated_environment, "ask", "-", stdin="one more")
    assert result.returncode == 3
    [line] = error_lines(result)
    assert "no terminal" in line
    assert len(completions(loopback)) == 1


def test_ask_over_budget_set_to_confirm_asks_on_a_terminal(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    priced_config(app_paths, loopback, "confirm")
    loopback.enqueue(Script(text="spent", usage=PRICED))
    assert run(isolated_environment, "ask", "spend it").returncode == 0
    loopback.enqueue(Script(text="sent anyway"))
    with TerminalApp(isolated_environment, "ask", "one more") as app:
        app.wait_for(lambda: "Send anyway? [y/N]" in app.text(), what="the budget question")
        app.type("y\r")
        assert app.process.wait(timeout=30) == 0
        assert "sent anyway" in app.text()
    assert len(completions(loopback)) == 2


def test_command_line_choices_win_over_the_resumed_conversation(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    assert run(isolated_environment, "ask", "hello demo", "--model", "demo-fast").returncode == 0
    assert conversations(app_paths) == [("demo", "demo-fast")]
    write_config(app_paths, '[providers.openai]\nbase_url = "https://api.openai.com/v1"\nneeds_key = false\n')
    loopback.enqueue(Script(text="from the loopback server"))
    args = ("--provider", "openai", "--base-url", loopback.base_url, "--model", "gpt-4o-mini")
    with TerminalApp(isolated_environment, *args) as app:
        app.wait_for(
            lambda: conversations(app_paths) == [("openai", "gpt-4o-mini")], what="the switch to the chosen model"
        )
        app.wait_for(lambda: "Model switched" in app.text(), what="the switch to be shown")
        app.type("and now?\r")
        app.wait_for(lambda: len(completions(loopback)) == 1, what="the request to the loopback server")
        app.type("\x11")  # ctrl+q
        app.process.wait(timeout=20)
    [request] = completions(loopback)
    assert request.json["model"] == "gpt-4o-mini"
    assert [message["content"] for message in request.json["messages"]][-1] == "and now?"
