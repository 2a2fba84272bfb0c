"""`tui-chat ask`'s options, run as the installed executable against the loopback server.

Each test checks what reached the server (the request body) and what was stored, not only what was printed.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.test_cli_choices import priced_config
from tests.loopback import Script
from tui_chat.core.conversation_settings import parse_max_tokens, parse_temperature
from tui_chat.paths import AppPaths

EXECUTABLE = Path(sys.executable).with_name("tui-chat")
REPORTED = {
    "prompt_tokens": 1000,
    "completion_tokens": 200,
    "prompt_tokens_details": {"cached_tokens": 400},
    "completion_tokens_details": {"reasoning_tokens": 50},
}


def tui_chat(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the installed `tui-chat` with stdin piped (never inherited)."""
    assert EXECUTABLE.exists(), "the console script is installed by `make .venv/.installed`"
    return subprocess.run(
        [str(EXECUTABLE), *args], input=stdin, capture_output=True, text=True, timeout=60, env=subprocess_env(home)
    )


def chat_bodies(loopback) -> list[dict]:
    return [request.json for request in loopback.requests if request.path.endswith("/chat/completions")]


def query(paths: AppPaths, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(paths.database) as connection:
        return connection.execute(sql, params).fetchall()


def test_system_temperature_and_max_tokens_reach_the_server_and_stay_with_the_conversation(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    result = tui_chat(
        isolated_environment,
        *("ask", "hello", "--base-url", loopback.base_url),
        *("-s", "Answer in French.", "--temperature", "0.3", "--max-tokens", "64"),
    )
    assert result.returncode == 0, result.stderr
    [body] = chat_bodies(loopback)
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert body["messages"][-1] == {"role": "user", "content": "hello"}
    assert body["temperature"] == 0.3 and body["max_tokens"] == 64
    assert query(app_paths, "SELECT system_prompt, temperature, max_tokens FROM conversations") == [
        ("Answer in French.", 0.3, 64)
    ]


def test_a_request_without_options_sends_no_sampling_settings(isolated_environment: Path, loopback) -> None:
    assert tui_chat(isolated_environment, "ask", "hello", "--base-url", loopback.base_url).returncode == 0
    [body] = chat_bodies(loopback)
    assert "temperature" not in body and "max_tokens" not in body
    assert [message["role"] for message in body["messages"]] == ["user"]


def test_a_preset_is_the_system_prompt(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text('[presets]\nreviewer = "You review code tersely."\n')
    result = tui_chat(isolated_environment, "ask", "hi", "--preset", "reviewer", "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    assert chat_bodies(loopback)[0]["messages"][0] == {"role": "system", "content": "You review code tersely."}
    unknown = tui_chat(isolated_environment, "ask", "hi", "--preset", "nope", "--base-url", loopback.base_url)
    assert unknown.returncode == 2 and unknown.stderr == "tui-chat: no preset called 'nope' (presets: reviewer).\n"
    assert len(chat_bodies(loopback)) == 1


def test_piped_stdin_and_the_argument_reach_the_server_as_stdin_blank_line_argument(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    result = tui_chat(isolated_environment, "ask", "ARG", "--base-url", loopback.base_url, stdin="STDIN")
    assert result.returncode == 0, result.stderr
    assert chat_bodies(loopback)[0]["messages"][-1] == {"role": "user", "content": "STDIN\n\nARG"}
    assert query(app_paths, "SELECT content FROM messages WHERE role = 'user'") == [("STDIN\n\nARG",)]


def test_a_diff_piped_with_its_last_line_break_is_joined_by_one_blank_line(
    isolated_environment: Path, loopback
) -> None:
    diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n"
    result = tui_chat(isolated_environment, "ask", "review this", "--base-url", loopback.base_url, stdin=diff)
    assert result.returncode == 0, result.stderr
    assert chat_bodies(loopback)[0]["messages"][-1]["content"] == diff + "\nreview this"


def test_no_argument_reads_the_prompt_from_stdin_alone(isolated_environment: Path, loopback) -> None:
    result = tui_chat(isolated_environment, "ask", "--base-url", loopback.base_url, stdin="only stdin\n")
    assert result.returncode == 0, result.stderr
    assert chat_bodies(loopback)[0]["messages"][-1]["content"] == "only stdin\n"
    empty = tui_chat(isolated_environment, "ask", "--base-url", loopback.base_url, stdin=" \n")
    assert empty.returncode == 2 and empty.stderr == "tui-chat: the prompt is empty.\n"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--temperature", "2.5"), ("--temperature", "warm"), ("--temperature", "nan"), ("--max-tokens", "0")],
)
def test_bad_settings_are_a_usage_error_worded_as_in_the_settings_dialog(
    isolated_environment: Path, loopback, option: str, value: str
) -> None:
    parse = parse_temperature if option == "--temperature" else (lambda text: parse_max_tokens(text, None))
    with pytest.raises(ValueError) as dialog:
        parse(value)
    result = tui_chat(isolated_environment, "ask", "hi", option, value, "--base-url", loopback.base_url)
    assert result.returncode == 2
    assert result.stderr == f"tui-chat: {dialog.value}\n"
    assert chat_bodies(loopback) == [] and result.stdout == ""


def test_json_figures_are_the_usage_row(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    priced_config(app_paths, loopback, "refuse")  # priced gpt-4o on the loopback server; the budget is not reached
    loopback.enqueue(Script(text="Four.", usage=REPORTED))
    result = tui_chat(isolated_environment, "ask", "2+2?", "--format", "json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    [row] = query(
        app_paths,
        "SELECT conversation_id, message_id, provider, model, input_tokens, cached_tokens, output_tokens,"
        " reasoning_tokens, estimated, cost_pusd, latency_ms, ttft_ms, status, attempts FROM usage",
    )
    conversation, message, provider, model, inputs, cached, outputs, reasoning, estimated, pusd, latency, ttft = row[
        :12
    ]
    assert figures["reply"] == "Four." and figures["status"] == row[12] == "complete"
    assert (figures["conversation_id"], figures["message_id"]) == (conversation, message)
    assert query(app_paths, "SELECT content FROM messages WHERE id = ?", message) == [("Four.",)]
    assert (figures["provider"], figures["model"]) == (provider, model) == ("priced", "gpt-4o")
    assert figures["usage"] == {"input": inputs, "cached": cached, "output": outputs, "reasoning": reasoning}
    assert figures["usage"] == {"input": 1000, "cached": 400, "output": 200, "reasoning": 50}
    assert figures["counts"] == "reported" and estimated == 0
    assert Decimal(figures["cost_usd"]) == Decimal(pusd).scaleb(-12) > 0
    assert (figures["latency_ms"], figures["ttft_ms"], figures["attempts"]) == (latency, ttft, row[13])
    assert figures["error"] is None


def test_estimated_counts_are_flagged(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    loopback.enqueue(Script(text="no usage sent", include_usage=False))
    result = tui_chat(isolated_environment, "ask", "hi", "--format", "json", "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["counts"] == "estimated"
    assert query(app_paths, "SELECT estimated, output_tokens FROM usage") == [(1, figures["usage"]["output"])]


def test_jsonl_is_one_event_a_line_ending_with_the_figures(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    loopback.enqueue(Script(text="one two three", usage=REPORTED))
    result = tui_chat(isolated_environment, "ask", "hi", "--format", "jsonl", "--base-url", loopback.base_url)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["type"] == "prompt" and events[-1]["type"] == "done"
    assert "".join(event["text"] for event in events if event["type"] == "text") == "one two three"
    assert events[-1]["reply"] == "one two three" and events[-1]["usage"]["reasoning"] == 50
    assert query(app_paths, "SELECT id FROM messages WHERE role = 'user'") == [(events[0]["message_id"],)]


def test_quiet_prints_only_the_reply(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text("show_sidebar = 3\n")  # a warning a script does not want
    loopback.enqueue(Script(text="cut short", finish_reason="length"))
    loud = tui_chat(isolated_environment, "ask", "hi", "--base-url", loopback.base_url)
    assert "show_sidebar" in loud.stderr
    loopback.enqueue(Script(text="cut short", finish_reason="length"))
    quiet = tui_chat(isolated_environment, "ask", "hi", "-q", "--base-url", loopback.base_url)
    assert quiet.returncode == 0
    assert (quiet.stdout, quiet.stderr) == ("cut short\n", "")
    refused = tui_chat(isolated_environment, "ask", "hi", "-q", "--format", "json", "--base-url", loopback.base_url)
    assert refused.returncode == 2 and "--quiet" in refused.stderr


def test_no_stream_prints_the_same_reply_once(isolated_environment: Path, loopback) -> None:
    loopback.enqueue(Script(text="line one\nline two"))
    result = tui_chat(isolated_environment, "ask", "hi", "--no-stream", "--base-url", loopback.base_url)
    assert result.returncode == 0 and result.stdout == "line one\nline two\n"


def test_continue_resumes_the_latest_conversation_and_new_starts_one(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    url = ("--base-url", loopback.base_url)
    assert tui_chat(isolated_environment, "ask", "first", *url).returncode == 0
    assert tui_chat(isolated_environment, "ask", "second", "-c", *url).returncode == 0
    assert [message["content"] for message in chat_bodies(loopback)[1]["messages"] if message["role"] == "user"] == [
        "first",
        "second",
    ]
    assert tui_chat(isolated_environment, "ask", "third", "-c", "--new", *url).returncode == 0
    assert len(chat_bodies(loopback)[2]["messages"]) == 1
    assert query(app_paths, "SELECT COUNT(*) FROM conversations") == [(2,)]
    both = tui_chat(isolated_environment, "ask", "x", "-c", "--conversation", "1", *url)
    assert both.returncode == 2 and both.stderr.count("\n") == 1 and len(chat_bodies(loopback)) == 3


def test_exit_statuses_are_documented_in_the_help(isolated_environment: Path) -> None:
    result = tui_chat(isolated_environment, "ask", "--help")
    assert result.returncode == 0
    for status, meaning in (("0", "finished"), ("1", "failed"), ("2", "usage"), ("3", "budget"), ("130", "Ctrl-C")):
        assert any(line.split()[:1] == [status] and meaning in line for line in result.stdout.splitlines()), status


def test_a_failed_request_is_exit_1_with_one_line_and_json_still_has_the_figures(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    loopback.enqueue(Script(text="half of it and then", drop_after=2))
    result = tui_chat(isolated_environment, "ask", "hi", "--format", "json", "--base-url", loopback.base_url)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("tui-chat: ")
    figures = json.loads(result.stdout)
    assert figures["status"] == "partial" and figures["error"]
    assert query(app_paths, "SELECT status FROM usage") == [("partial",)]


def test_over_budget_is_exit_3_and_json_prints_nothing(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    """test_cli_choices.py covers the refusal itself; here, that a script reading JSON gets no object."""
    priced_config(app_paths, loopback, "refuse")
    loopback.enqueue(Script(text="spent", usage=REPORTED))
    assert tui_chat(isolated_environment, "ask", "spend it", "--format", "json").returncode == 0
    refused = tui_chat(isolated_environment, "ask", "more", "--format", "json")
    assert refused.returncode == 3 and refused.stdout == "" and len(refused.stderr.splitlines()) == 1
    assert len(chat_bodies(loopback)) == 1


def test_ctrl_c_is_exit_130_and_json_says_cancelled_with_the_usage_row(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    loopback.enqueue(Script(text=" word" * 2000, tokens_per_second=40.0))
    process = subprocess.Popen(
        [str(EXECUTABLE), "ask", "count", "--format", "jsonl", "--base-url", loopback.base_url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(isolated_environment),
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]  # the prompt, then text as it streams
        assert json.loads(lines[-1])["type"] == "text"
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "Traceback" not in stderr
    done = json.loads(rest.splitlines()[-1])
    assert done["type"] == "done" and done["status"] == "cancelled"
    assert query(app_paths, "SELECT message_id, status, output_tokens FROM usage") == [
        (done["message_id"], "cancelled", done["usage"]["output"])
    ]


def test_max_tokens_beyond_the_context_window_is_refused_before_anything_is_stored(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    from tui_chat.core.pricing import ProviderRef, context_window

    window = context_window(ProviderRef("openai", loopback.base_url), "gpt-4o")
    assert window is not None
    args = ("ask", "hi", "--provider", "openai", "--model", "gpt-4o", "--base-url", loopback.base_url)
    result = subprocess.run(
        [str(EXECUTABLE), *args, "--max-tokens", str(window + 1)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(isolated_environment, OPENAI_API_KEY="sk-loopback-test-0000000000"),
    )
    assert result.returncode == 2
    assert result.stderr == f"tui-chat: Max tokens must be at most {window:,}, the model's limit.\n"
    assert chat_bodies(loopback) == [] and query(app_paths, "SELECT COUNT(*) FROM conversations") == [(0,)]


def test_binary_stdin_is_a_usage_error_and_nothing_is_stored(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    result = subprocess.run(
        [str(EXECUTABLE), "ask", "what is this?", "--base-url", loopback.base_url],
        input=b"\xff\xfe\x00binary\x80",
        capture_output=True,
        timeout=60,
        env=subprocess_env(isolated_environment, LC_ALL="C"),
    )
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().startswith("tui-chat: ") and len(result.stderr.splitlines()) == 1
    assert chat_bodies(loopback) == []
