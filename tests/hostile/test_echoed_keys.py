"""A key echoed back by a server or proxy is masked everywhere: stored errors, stderr, exports, search, toasts.

The key sent is either OpenAI-shaped (sk-proj-…) or has no known shape (then only its registration,
from the provider's key variable, lets it be found). Every echo in `KEY_ECHOES` is answered by the
real loopback server to a real `tui-chat ask` process; then the database files, the exports and
the search output are read as bytes and must not hold the key nor a long piece of it.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.hostile.corpus import KEY_ECHOES, UNICODE
from tests.hostile.screen import UNSAFE_CHARACTERS, screen_text
from tests.integration.test_keys import require_secret_service, secret_tool
from tests.loopback import LoopbackServer, Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import MessageStatus, Role
from tui_chat.paths import AppPaths
from tui_chat.services.bootstrap import build_services

SHAPED_KEY = "sk-proj-Q7vN2xLp9TfR4kWz8mBc1HdY6sGj3EaU5oKi0nVb_Xw4"
UNSHAPED_KEY = "Zt9qLmW2xVb7RkP4nJc8Hd5YgF3sQ1aE"
KEYS = [pytest.param(SHAPED_KEY, id="sk_proj_key"), pytest.param(UNSHAPED_KEY, id="unshaped_key")]
TROJAN = next(case.text for case in UNICODE if case.name == "bidi_trojan_source")


@pytest.fixture
def echo_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(tokens_per_second={"demo": None})
    server.start()
    yield server
    server.stop()


def write_config(paths: AppPaths, server: LoopbackServer, provider: str = "secure") -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(
        f'default_provider = "{provider}"\n[providers."{provider}"]\nbase_url = "{server.base_url}"\n'
        'key_env = "SECURE_API_KEY"\ndefault_model = "demo"\n[retry]\nattempts = 1\n'
    )


def run(home: Path, key: str | None, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tui_chat", *arguments]
    env = subprocess_env(home, **({"SECURE_API_KEY": key} if key else {}))
    if key is None:  # the key comes from the session's Secret Service
        env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def leaks(text: str | bytes, key: str) -> list[str]:
    """The key, or its first or last 16 characters, wherever they appear."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    return [piece for piece in (key, key[:16], key[-16:]) if piece.encode() in data]


def database_bytes(paths: AppPaths) -> bytes:
    """The database file and its -wal and -shm companions, as they are on disk."""
    files = sorted(paths.database.parent.glob(paths.database.name + "*"))
    assert paths.database in files
    return b"".join(path.read_bytes() for path in files)


@pytest.mark.parametrize("key", KEYS)
def test_an_echoed_key_is_in_no_stored_error_stderr_export_or_search(
    isolated_environment, app_paths, echo_server, key
) -> None:
    write_config(app_paths, echo_server)
    for echo in KEY_ECHOES:
        echo_server.enqueue(Script(**echo.script_fields(key)))
        asked = run(isolated_environment, key, "ask", f"Say something ({echo.name})")
        assert asked.returncode == 1 and "Traceback" not in asked.stderr, asked.stderr
        assert leaks(asked.stderr, key) == [], (echo.name, asked.stderr)
        if echo.name == "openai_incorrect_key":
            assert "API key rejected: Incorrect API key provided: [redacted]." in asked.stderr
    assert [request.headers["authorization"] for request in echo_server.requests] == [f"Bearer {key}"] * len(KEY_ECHOES)
    assert leaks(database_bytes(app_paths), key) == []

    for conversation_id in range(1, len(KEY_ECHOES) + 1):
        for output_format in ("md", "json"):
            exported = run(isolated_environment, key, "export", str(conversation_id), "--format", output_format)
            assert exported.returncode == 0, exported.stderr
            assert leaks(exported.stdout, key) == []
            assert (
                conversation_id != 1
                or "Incorrect API key provided: " in exported.stdout
                and "redacted" in exported.stdout
            )
        exported_file = isolated_environment / f"export-{conversation_id}.md"
        assert run(isolated_environment, key, "export", str(conversation_id), "-o", str(exported_file)).returncode == 0
        assert leaks(exported_file.read_bytes(), key) == []


@pytest.mark.parametrize("key", KEYS)
def test_a_key_echoed_inside_a_streamed_reply_is_masked_on_stdout_and_on_disk(
    isolated_environment, app_paths, echo_server, key
) -> None:
    write_config(app_paths, echo_server)
    echo_server.enqueue(Script(text=f"Your key is {key}, and sk-example stays as written.", tokens_per_second=0))
    asked = run(isolated_environment, key, "ask", "Repeat my key")
    assert asked.returncode == 0, asked.stderr
    assert leaks(asked.stdout, key) == [] and leaks(database_bytes(app_paths), key) == []
    assert asked.stdout.strip() == "Your key is [redacted], and sk-example stays as written."


def test_a_key_from_the_keyring_echoed_back_is_masked(isolated_environment, app_paths, echo_server) -> None:
    require_secret_service()
    provider = f"tuichat-test-{secrets.token_hex(4)}"
    write_config(app_paths, echo_server, provider)
    stored = secret_tool(
        "store", "--label=tui-chat test", "service", "tui-chat", "username", provider, stdin=UNSHAPED_KEY
    )
    assert stored.returncode == 0, stored.stderr
    try:
        for echo in KEY_ECHOES[:3]:
            echo_server.enqueue(Script(**echo.script_fields(UNSHAPED_KEY)))
            asked = run(isolated_environment, None, "ask", "Say something")
            assert asked.returncode == 1 and leaks(asked.stderr, UNSHAPED_KEY) == [], asked.stderr
        assert [request.headers["authorization"] for request in echo_server.requests] == [f"Bearer {UNSHAPED_KEY}"] * 3
        assert "Incorrect API key provided: [redacted]." in run(
            isolated_environment, None, "export", "1"
        ).stdout.replace("\\", "")
    finally:
        secret_tool("clear", "service", "tui-chat", "username", provider)
    assert leaks(database_bytes(app_paths), UNSHAPED_KEY) == []


@pytest.mark.parametrize("key", KEYS)
async def test_a_key_already_in_an_older_database_is_masked_on_the_way_out(
    isolated_environment, app_paths, echo_server, key
) -> None:
    write_config(app_paths, echo_server)
    services = build_services(paths=app_paths)
    try:
        repository = await services.repository()
        conversation = await repository.create_conversation(provider="secure", model="demo", title=f"about {key}")
        await repository.add_message(conversation.id, Role.USER, f"the proxy answered: leaked {key} in the body")
        reply = await repository.add_message(
            conversation.id, Role.ASSISTANT, "", model="demo", status=MessageStatus.FAILED
        )
        async with repository.database.transaction() as tx:  # as an older version stored a server's echo
            await tx.execute(
                "UPDATE messages SET error = ? WHERE id = ?", (f"API key rejected: bad key {key}", reply.id)
            )
    finally:
        await services.aclose()

    for output_format in ("table", "json"):
        found = run(isolated_environment, key, "search", "leaked", "--format", output_format)
        assert found.returncode == 0 and "the proxy answered" in found.stdout, found.stderr
        assert "[redacted]" in found.stdout and leaks(found.stdout, key) == []
    hits = json.loads(run(isolated_environment, key, "search", "leaked", "--format", "json").stdout)
    excerpt, [(start, end)] = hits[0]["excerpt"], hits[0]["highlights"]
    assert excerpt[start:end] == "leaked" and excerpt[end:].startswith(" [redacted] in the body")
    for output_format in ("md", "json"):
        exported = run(isolated_environment, key, "export", str(conversation.id), "--format", output_format)
        assert exported.returncode == 0 and exported.stdout.count("redacted") >= 3, exported.stdout
        assert leaks(exported.stdout, key) == []


@pytest.mark.parametrize("key", KEYS)
async def test_an_echoed_key_is_in_no_toast_or_screen(
    isolated_environment, app_paths, echo_server, monkeypatch, key
) -> None:
    write_config(app_paths, echo_server)
    monkeypatch.setenv("SECURE_API_KEY", key)
    services = build_services(paths=app_paths)
    app = ChatApp(services)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        for echo in KEY_ECHOES[:3]:
            echo_server.enqueue(Script(**echo.script_fields(key)))
            await send(pilot, f"Say something ({echo.name})")
            await wait_for_reply(pilot)
            await wait_until(pilot, lambda: bool(app.screen.query("Toast")))
            toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
            assert leaks("\n".join(toasts), key) == [] and leaks(screen_text(app), key) == [], toasts
            app.clear_notifications()
        assert any("[redacted]" in str(toast) for toast in toasts) or "[redacted]" in screen_text(app)
    assert leaks(database_bytes(app_paths), key) == []


def test_bidi_controls_show_as_stand_ins_in_ask_search_and_markdown(
    isolated_environment, app_paths, echo_server
) -> None:
    write_config(app_paths, echo_server)
    echo_server.enqueue(Script(text=f"reply {TROJAN}"))
    asked = run(isolated_environment, "unused-key-value", "ask", f"prompt {TROJAN}")
    assert asked.returncode == 0, asked.stderr
    assert '"user<U+202E> <U+2066>// Check if admin<U+2069> <U+2066>":' in asked.stdout
    found = run(isolated_environment, "unused-key-value", "search", "admin")
    exported = run(isolated_environment, "unused-key-value", "export", "1")
    as_json = run(isolated_environment, "unused-key-value", "export", "1", "--format", "json")
    for output in (asked.stdout, found.stdout, exported.stdout, as_json.stdout):
        assert UNSAFE_CHARACTERS.search(output) is None
    assert (
        "<U+202E>" in found.stdout and exported.stdout.count("<U+2066>// Check if admin<U+2069>") == 3
    )  # title, prompt, reply
    assert [message["content"] for message in json.loads(as_json.stdout)["messages"]] == [
        f"prompt {TROJAN}",
        f"reply {TROJAN}",
    ]
