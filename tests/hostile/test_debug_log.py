"""The debug log: off by default, on with --debug or `debug = true`, private, rotating, and never holding a key."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.loopback import LoopbackServer, Script
from tui_chat import debug_log
from tui_chat.paths import AppPaths

FAKE_KEY = "sk-test-FAKEKEY1234567890abcdef"
WRONG_KEY = "sk-test-WRONGKEY0987654321zyxwvu"
UNSHAPED_KEY = "hunter2-local-only-secret"
SECRETS = (FAKE_KEY, "FAKEKEY1234567890", WRONG_KEY, "WRONGKEY0987654321", UNSHAPED_KEY)


@pytest.fixture
def keyed_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(api_key=FAKE_KEY, tokens_per_second={"demo": None})
    server.start()
    yield server
    server.stop()


def write_config(paths: AppPaths, server: LoopbackServer, extra: str = "") -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(
        f'{extra}[providers.secure]\nbase_url = "{server.base_url}"\nkey_env = "SECURE_API_KEY"\ndefault_model = "demo"\n'
        "[retry]\nattempts = 3\nbase_delay = 0.01\nmax_delay = 0.05\n"
    )


def ask(home: Path, key: str, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tui_chat", *flags, "ask", "Say something", "--provider", "secure"]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=subprocess_env(home, SECURE_API_KEY=key)
    )


def log_text(paths: AppPaths) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sorted(paths.state_dir.glob("tui-chat.log*")))


def test_debug_log_records_requests_retries_and_failures_but_no_key(
    isolated_environment, app_paths, keyed_server
) -> None:
    write_config(app_paths, keyed_server)
    keyed_server.enqueue(Script(status=503))
    keyed_server.enqueue(Script(text="Hello from the keyed server."))
    answered = ask(isolated_environment, FAKE_KEY, "--debug")
    assert answered.returncode == 0, answered.stderr
    assert "Hello from the keyed server." in answered.stdout
    refused = ask(isolated_environment, WRONG_KEY, "--debug")
    assert refused.returncode != 0 and "API key rejected" in refused.stderr
    assert [request.headers["authorization"] for request in keyed_server.requests] == [f"Bearer {FAKE_KEY}"] * 2 + [
        f"Bearer {WRONG_KEY}"
    ]

    text = log_text(app_paths)
    assert text.count("chat request: provider=secure") == 3
    assert "retry: attempt 1 of 3 failed (Server error (503))" in text
    assert "kind=auth status=401" in text
    assert "HTTP Request: POST" in text
    assert [secret for secret in SECRETS if secret in text] == []

    for private_file in (app_paths.log_file, app_paths.database):
        assert stat.S_IMODE(private_file.stat().st_mode) == 0o600, private_file
        assert stat.S_IMODE(private_file.parent.stat().st_mode) == 0o700, private_file.parent


def test_the_config_turns_it_on_and_it_is_off_by_default(isolated_environment, app_paths, keyed_server) -> None:
    write_config(app_paths, keyed_server)
    assert ask(isolated_environment, FAKE_KEY).returncode == 0
    assert not app_paths.log_file.exists()
    write_config(app_paths, keyed_server, extra="debug = true\n")
    assert ask(isolated_environment, FAKE_KEY).returncode == 0
    text = log_text(app_paths)
    assert "chat request: provider=secure" in text and FAKE_KEY not in text


def test_rotated_files_are_private_and_redacted(app_paths) -> None:
    debug_log.remember_secret(UNSHAPED_KEY)
    handler = debug_log.enable(app_paths.log_file, max_bytes=4_000, backups=3)
    logger = logging.getLogger("tui_chat.hostile_test")
    try:
        for number in range(200):
            logger.debug(
                "line %d headers={'authorization': 'Bearer %s'} api_key=%s key %s",
                number,
                FAKE_KEY,
                UNSHAPED_KEY,
                WRONG_KEY,
            )
        try:
            raise RuntimeError(f"failed with {FAKE_KEY} and {UNSHAPED_KEY}")
        except RuntimeError:
            logger.exception("a traceback carries the key too")
    finally:
        debug_log.disable(handler)
    files = sorted(app_paths.state_dir.glob("tui-chat.log*"))
    assert len(files) == 4, files
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    text = log_text(app_paths)
    assert "line 199 headers={'authorization': '[redacted]'}" in text and "a traceback carries the key too" in text
    assert [secret for secret in SECRETS if secret in text] == []
