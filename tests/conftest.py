"""Fixtures shared by every layer: isolated paths, a loopback OpenAI-compatible server, services."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer
from tui_chat.core.redaction import forget_secrets
from tui_chat.paths import AppPaths
from tui_chat.services.bootstrap import build_services
from tui_chat.services.container import AppServices

KEY_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "GROQ_API_KEY",
    "DEEPSEEK_API_KEY",
    "MISTRAL_API_KEY",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every XDG location at a temporary folder and drop real API keys from the environment."""
    home = tmp_path / "home"
    for variable, folder in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    for variable in KEY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    # Tests that are not about the keyring must never read a developer's real keys.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # Each test is a fresh run: keys another test registered must not hold back this one's stream.
    forget_secrets()
    return home


@pytest.fixture
def app_paths(isolated_environment: Path) -> AppPaths:
    """The app's locations inside the isolated home."""
    return AppPaths.default()


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[LoopbackServer]:
    """One real HTTP server on 127.0.0.1 speaking the OpenAI protocol, unthrottled."""
    server = LoopbackServer(
        tokens_per_second={
            "demo": None,
            "demo-fast": None,
            "demo-slow": 40.0,
            "gpt-4o": None,
            "gpt-4": None,
            "demo-think": None,
            "demo-think-inline": None,
        }
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def loopback(loopback_server: LoopbackServer) -> Iterator[LoopbackServer]:
    """The loopback server with an empty request log and no scripts left over."""
    loopback_server.reset()
    yield loopback_server
    loopback_server.reset()


@pytest.fixture
def make_services(app_paths: AppPaths, loopback: LoopbackServer):
    """Build AppServices as the command line does, with the demo provider served by the loopback server."""

    def build(**options) -> AppServices:
        options.setdefault("demo_server", loopback)
        return build_services(paths=app_paths, **options)

    return build


def subprocess_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for running `tui-chat` as a subprocess inside the isolated home."""
    env = {key: value for key, value in os.environ.items() if key not in KEY_VARIABLES}
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    env.update(extra)
    return env


def pytest_sessionfinish(session, exitstatus) -> None:
    """Stop the worker thread of any SQLite connection a test left open, so the run can exit.

    aiosqlite's threads are not daemons: one forgotten connection would keep the interpreter
    (and CI) waiting forever after the last test.
    """
    import gc

    import aiosqlite

    for candidate in gc.get_objects():
        if isinstance(candidate, aiosqlite.Connection) and candidate._thread.is_alive():
            candidate.stop()
