"""`tui-chat keys` as a user runs it, against a real Secret Service when there is one.

Keyring tests write only throwaway usernames (`tuichat-test-<random>`) and remove them afterwards;
the one `openai` round trip runs only when no `openai` entry exists, so a real key is never touched.
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.loopback import LoopbackServer
from tui_chat.config import ProviderSettings
from tui_chat.services.secrets import validate_key

FAIL_BACKEND = "keyring.backends.fail.Keyring"
LEAK_KEY = "sk-LEAKCHECK-0123456789abcdefghij"
MEMORY_BACKEND = "tests.unit.test_secrets.MemoryKeyring"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def cli_module() -> str:
    """`tui_chat` once cli.py knows `keys`; until then the subcommands' own entry point."""
    from tui_chat.cli import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction) and "keys" in action.choices:
            return "tui_chat"
    return "tui_chat.commands"


def run(home: Path, *args: str, stdin: str | None = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run `tui-chat ARGS` in the isolated home, with stdin piped (never a terminal)."""
    environment = subprocess_env(home, **env)
    if "PYTHON_KEYRING_BACKEND" not in env:
        environment.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", cli_module(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )


def secret_tool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run libsecret's `secret-tool` against the session's Secret Service."""
    return subprocess.run(["secret-tool", *args], input=stdin, capture_output=True, text=True, timeout=30)


@functools.cache
def _secret_service_problem() -> str | None:
    """Why no Secret Service can be used here, or None when a store, lookup and clear all work."""
    if shutil.which("secret-tool") is None:
        return "secret-tool (libsecret-tools) is not installed"
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session (run under dbus-run-session -- bash .ci/with-keyring)"
    username = f"tuichat-probe-{secrets.token_hex(4)}"
    stored = secret_tool("store", "--label=tui-chat probe", "service", "tui-chat", "username", username, stdin="probe")
    if stored.returncode != 0:
        return f"the Secret Service refused a write: {stored.stderr.strip()}"
    found = secret_tool("lookup", "service", "tui-chat", "username", username)
    secret_tool("clear", "service", "tui-chat", "username", username)
    if found.stdout != "probe":
        return "the Secret Service did not return a stored secret"
    return None


def require_secret_service() -> None:
    """Skip without a working Secret Service; fail instead when TUI_CHAT_REQUIRE_KEYRING=1 (CI)."""
    problem = _secret_service_problem()
    if problem is None:
        return
    if os.environ.get("TUI_CHAT_REQUIRE_KEYRING") == "1":
        pytest.fail(f"TUI_CHAT_REQUIRE_KEYRING=1 but no usable Secret Service: {problem}")
    pytest.skip(f"no usable Secret Service: {problem}")


@pytest.fixture
def secret_service() -> None:
    """A working Secret Service, or a skip (a failure in CI)."""
    require_secret_service()


@pytest.fixture
def throwaway_provider(
    isolated_environment: Path, demo_server_factory: Callable[..., LoopbackServer]
) -> Iterator[tuple[str, LoopbackServer]]:
    """A user-defined provider in config.toml, served by a demo server that requires LEAK_KEY; its keyring entry is removed afterwards."""
    name = f"tuichat-test-{secrets.token_hex(4)}"
    server = demo_server_factory(api_key=LEAK_KEY)
    write_provider(isolated_environment, name, server.base_url, key_env="TUICHAT_TEST_KEY")
    yield name, server
    if shutil.which("secret-tool"):
        secret_tool("clear", "service", "tui-chat", "username", name)


def write_provider(home: Path, name: str, base_url: str, *, key_env: str, default: bool = False) -> None:
    """Add a provider to the isolated config.toml, optionally as the default."""
    config = home / "config" / "tui-chat" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    existing = config.read_text() if config.exists() else ""
    head = f'default_provider = "{name}"\n' if default else ""
    body = f'\n[providers."{name}"]\nbase_url = "{base_url}"\nkey_env = "{key_env}"\ndefault_model = "demo"\n'
    config.write_text(head + existing + body)


def bootstrap_reads_the_keyring() -> bool:
    """Whether build_services gives the registry a key lookup other than the environment-only one."""
    from tui_chat.services.bootstrap import build_services
    from tui_chat.services.providers import env_key

    return build_services(provider="demo").registry._key_lookup is not env_key


def files_containing(root: Path, text: str) -> list[Path]:
    """Every file under root whose bytes contain the text."""
    needle = text.encode()
    return [path for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


def test_no_key_option_and_no_traceback_for_unknown_providers(isolated_environment: Path) -> None:
    help_text = run(isolated_environment, "keys", "set", "--help")
    assert help_text.returncode == 0 and "--key " not in help_text.stdout and "--no-check" in help_text.stdout
    unknown = run(isolated_environment, "keys", "set", "nosuch", stdin="sk-whatever-0123456789\n")
    assert unknown.returncode == 1 and "Unknown provider" in unknown.stderr and "openai" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    demo = run(isolated_environment, "keys", "set", "demo", stdin="sk-whatever-0123456789\n")
    assert demo.returncode == 1 and "needs no key" in demo.stderr


def test_without_a_keyring_set_fails_clearly_and_writes_nothing(isolated_environment: Path) -> None:
    result = run(
        isolated_environment,
        "keys",
        "set",
        "openai",
        "--no-check",
        stdin=LEAK_KEY + "\n",
        PYTHON_KEYRING_BACKEND=FAIL_BACKEND,
    )
    assert result.returncode == 1
    assert (
        "No usable keyring" in result.stderr and "gnome-keyring" in result.stderr and "OPENAI_API_KEY" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert LEAK_KEY not in result.stdout + result.stderr
    assert files_containing(isolated_environment, LEAK_KEY) == []


def test_without_a_keyring_list_still_shows_an_environment_key(isolated_environment: Path) -> None:
    result = run(isolated_environment, "keys", "list", PYTHON_KEYRING_BACKEND=FAIL_BACKEND, OPENAI_API_KEY=LEAK_KEY)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()}
    assert lines["openai"] == ["env:OPENAI_API_KEY", "sk-…ghij"]
    assert "demo" not in lines and "ollama" not in lines
    assert "No usable keyring" in result.stderr and LEAK_KEY not in result.stdout + result.stderr


async def test_validate_key_accepts_the_right_key(demo_server_factory) -> None:
    server = demo_server_factory(api_key="sk-test-right-0123456789")
    check = await validate_key(
        "custom", ProviderSettings(base_url=server.base_url), server.base_url, "sk-test-right-0123456789"
    )
    assert (
        check.ok
        and check.model_count == len(server.models)
        and check.message == f"key works: {len(server.models)} models"
    )


async def test_validate_key_reports_a_rejected_key_without_showing_it(demo_server_factory) -> None:
    server = demo_server_factory(api_key="sk-test-right-0123456789")
    check = await validate_key(
        "custom", ProviderSettings(base_url=server.base_url), server.base_url, "sk-test-wrong-0123456789"
    )
    assert not check.ok and check.status == 401
    assert check.message.startswith("key rejected: Incorrect API key provided")
    assert "sk-test-wrong-0123456789" not in check.message


async def test_validate_key_reports_an_unreachable_server() -> None:
    base_url = "http://127.0.0.1:9/v1"
    check = await validate_key("custom", ProviderSettings(base_url=base_url), base_url, "sk-test-right-0123456789")
    assert not check.ok and check.message.startswith(f"cannot reach {base_url}: ")


@pytest.mark.parametrize(("typed", "problem"), [("\n", "empty"), ("sk-two words-0123456789\n", "spaces")])
def test_an_unusable_key_is_refused(isolated_environment: Path, typed: str, problem: str) -> None:
    in_memory = {"PYTHON_KEYRING_BACKEND": MEMORY_BACKEND, "PYTHONPATH": str(PROJECT_ROOT)}
    result = run(isolated_environment, "keys", "set", "openai", "--no-check", stdin=typed, **in_memory)
    assert result.returncode == 1 and problem in result.stderr and "Traceback" not in result.stderr


def test_set_checks_the_key_then_secret_tool_reads_it(
    secret_service, isolated_environment: Path, throwaway_provider
) -> None:
    name, server = throwaway_provider
    result = run(isolated_environment, "keys", "set", name, stdin=LEAK_KEY + "\n")
    assert result.returncode == 0, result.stderr
    assert f"key works: {len(server.models)} models" in result.stdout and "sk-…ghij" in result.stdout
    assert secret_tool("lookup", "service", "tui-chat", "username", name).stdout == LEAK_KEY
    listed = run(isolated_environment, "keys", "list")
    assert f"{name} keyring sk-…ghij" in " ".join(listed.stdout.split())
    deleted = run(isolated_environment, "keys", "delete", name)
    assert deleted.returncode == 0 and secret_tool("lookup", "service", "tui-chat", "username", name).stdout == ""
    again = run(isolated_environment, "keys", "delete", name)
    assert again.returncode == 1 and "no key" in again.stderr


def test_a_rejected_key_is_not_saved(secret_service, isolated_environment: Path, throwaway_provider) -> None:
    name, _ = throwaway_provider
    result = run(isolated_environment, "keys", "set", name, stdin="sk-wrong-0123456789abcdef\n")
    assert result.returncode == 1 and "key rejected" in result.stderr and "Traceback" not in result.stderr
    assert secret_tool("lookup", "service", "tui-chat", "username", name).stdout == ""


def test_openai_round_trip_with_secret_tool(secret_service, isolated_environment: Path) -> None:
    if secret_tool("lookup", "service", "tui-chat", "username", "openai").stdout:
        message = "an openai entry already exists in this keyring; it is never overwritten"
        if os.environ.get("TUI_CHAT_REQUIRE_KEYRING") == "1":
            pytest.fail(message)
        pytest.skip(message)
    key = "sk-roundtrip-0123456789abcd"
    try:
        result = run(isolated_environment, "keys", "set", "openai", "--no-check", stdin=key + "\n")
        assert result.returncode == 0, result.stderr
        assert secret_tool("lookup", "service", "tui-chat", "username", "openai").stdout == key
        secret_tool("clear", "service", "tui-chat", "username", "openai")
        stored = secret_tool("store", "--label=x", "service", "tui-chat", "username", "openai", stdin=key)
        assert stored.returncode == 0, stored.stderr
        listed = run(isolated_environment, "keys", "list")
        assert listed.returncode == 0, listed.stderr
        assert "openai keyring sk-…abcd" in " ".join(listed.stdout.split())
        assert key not in listed.stdout + listed.stderr
    finally:
        secret_tool("clear", "service", "tui-chat", "username", "openai")


@pytest.mark.parametrize("source", ["env", "keyring"])
def test_the_key_appears_nowhere(source: str, isolated_environment: Path, throwaway_provider) -> None:
    name, server = throwaway_provider
    env = {"TUICHAT_TEST_KEY": LEAK_KEY} if source == "env" else {}
    outputs = []
    if source == "keyring":
        require_secret_service()
        stored = run(isolated_environment, "keys", "set", name, stdin=LEAK_KEY + "\n")
        assert stored.returncode == 0, stored.stderr
        outputs.append(stored)
    outputs.append(run(isolated_environment, "keys", "list", **env))
    outputs.append(run(isolated_environment, "doctor", **env))
    if source == "keyring" and not bootstrap_reads_the_keyring():
        pytest.xfail("bootstrap.py still passes env_key to ProviderRegistry; wire KeyStore().lookup")
    ask_env = subprocess_env(isolated_environment, **env)
    ask_env.pop("PYTHON_KEYRING_BACKEND", None)
    asked = subprocess.run(
        [sys.executable, "-m", "tui_chat", "ask", "Say something", "--provider", name],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=ask_env,
    )
    assert asked.returncode == 0, asked.stderr
    assert server.requests and all(
        r.headers.get("authorization") == f"Bearer {LEAK_KEY}" for r in server.requests if r.path.startswith("/v1")
    )
    outputs.append(asked)
    assert f"provider {name}" in outputs[-2].stdout
    for result in outputs:
        assert LEAK_KEY not in result.stdout + result.stderr
    assert (isolated_environment / "data" / "tui-chat" / "tui-chat.db").exists()
    assert files_containing(isolated_environment, LEAK_KEY) == []
