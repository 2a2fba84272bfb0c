"""`tui-chat doctor` as a user runs it: one plain line per check, non-zero when the default provider is broken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env
from tests.integration.test_keys import FAIL_BACKEND, LEAK_KEY, require_secret_service, run, write_provider


def lines_by_check(output: str) -> dict[str, str]:
    """Each report line keyed by the check's name (the text before the first colon, status dropped)."""
    checks = {}
    for line in output.splitlines():
        status, rest = line[:8].strip(), line[9:]
        name, colon, _ = rest.partition(":")
        if colon:
            checks[name] = status
    return checks


def test_a_fresh_install_is_healthy_and_left_clean(isolated_environment: Path) -> None:
    result = run(isolated_environment, "doctor", PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines_by_check(result.stdout)
    for name in ("config", "data dir", "database", "tokenizer", "provider demo"):
        assert checks[name] == "ok", result.stdout
    assert checks["keyring"] == "problem" and "fail.Keyring" in result.stdout and "gnome-keyring" in result.stdout
    assert checks["provider openai"] == "no key" and checks["provider ollama"] in {"ok", "off"}
    assert "answered 200" in result.stdout and "\x1b" not in result.stdout
    data_dir = isolated_environment / "data" / "tui-chat"
    assert list(data_dir.iterdir()) == []


def test_the_database_schema_version_is_reported(isolated_environment: Path) -> None:
    asked = subprocess.run(
        [sys.executable, "-m", "tui_chat", "ask", "hello", "--model", "demo-fast"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(isolated_environment),
    )
    assert asked.returncode == 0, asked.stderr
    result = run(isolated_environment, "doctor")
    assert "schema version" in result.stdout and lines_by_check(result.stdout)["database"] == "ok"


def test_a_broken_config_file_fails(isolated_environment: Path) -> None:
    config = isolated_environment / "config" / "tui-chat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("default_provider = [\n")
    result = run(isolated_environment, "doctor")
    assert result.returncode == 1
    assert lines_by_check(result.stdout)["config"] == "problem" and "invalid TOML" in result.stdout


def test_a_default_provider_without_a_key_fails(isolated_environment: Path) -> None:
    config = isolated_environment / "config" / "tui-chat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('default_provider = "openai"\n')
    result = run(isolated_environment, "doctor", PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    assert result.returncode == 1
    checks = lines_by_check(result.stdout)
    assert checks["provider openai"] == "problem" and checks["keyring"] == "problem"
    assert "OPENAI_API_KEY" in result.stdout


def test_a_user_provider_is_checked_with_its_key(isolated_environment: Path, demo_server_factory) -> None:
    server = demo_server_factory(api_key=LEAK_KEY)
    write_provider(isolated_environment, "mine", server.base_url, key_env="TUICHAT_TEST_KEY", default=True)
    good = run(isolated_environment, "doctor", TUICHAT_TEST_KEY=LEAK_KEY)
    assert good.returncode == 0, good.stdout
    assert lines_by_check(good.stdout)["provider mine"] == "ok" and "key from env:TUICHAT_TEST_KEY" in good.stdout
    bad = run(isolated_environment, "doctor", TUICHAT_TEST_KEY="sk-wrong-0123456789abcdef")
    assert bad.returncode == 1
    assert "key rejected" in bad.stdout and "HTTP 401" in bad.stdout
    for result in (good, bad):
        assert LEAK_KEY not in result.stdout + result.stderr and "sk-wrong-0123456789abcdef" not in result.stdout


def test_an_unreachable_default_provider_fails_quickly(isolated_environment: Path) -> None:
    write_provider(isolated_environment, "gone", "http://127.0.0.1:9/v1", key_env="TUICHAT_TEST_KEY", default=True)
    result = run(isolated_environment, "doctor", TUICHAT_TEST_KEY="sk-any-0123456789abcdef")
    assert result.returncode == 1
    assert (
        lines_by_check(result.stdout)["provider gone"] == "problem"
        and "cannot reach http://127.0.0.1:9/v1" in result.stdout
    )


def test_a_working_secret_service_is_proven_and_left_clean(isolated_environment: Path) -> None:
    require_secret_service()
    result = run(isolated_environment, "doctor")
    checks = lines_by_check(result.stdout)
    assert checks["keyring"] == "ok" and "SecretService" in result.stdout, result.stdout
    leftovers = subprocess.run(
        ["secret-tool", "search", "--all", "service", "tui-chat"], capture_output=True, text=True, timeout=30
    )
    assert "tui-chat-doctor-" not in leftovers.stdout + leftovers.stderr
