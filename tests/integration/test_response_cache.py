"""`tui-chat ask --cache`: an identical request is answered from the stored reply, recorded as a $0 cache hit."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.integration.test_cli import run
from tests.loopback import Script
from tui_chat.paths import AppPaths


def ask(home: Path, loopback, *args: str):
    return run(home, "ask", *args, "--provider", "demo", "--base-url", loopback.base_url)


def completions(loopback) -> int:
    return len([r for r in loopback.requests if r.path.endswith("/chat/completions")])


def usage_rows(paths: AppPaths) -> list[tuple]:
    with sqlite3.connect(paths.database) as connection:
        return connection.execute("SELECT cost_pusd, price_kind, status FROM usage ORDER BY id").fetchall()


def test_an_identical_request_is_answered_from_the_cache(isolated_environment, app_paths, loopback) -> None:
    loopback.enqueue(Script(text="The answer is 42."))
    first = ask(isolated_environment, loopback, "What is the answer?", "--cache")
    assert first.returncode == 0, first.stderr and first.stdout.strip() == "The answer is 42."
    [request] = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert request.json["temperature"] == 0
    second = ask(isolated_environment, loopback, "What is the answer?", "--cache")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout and completions(loopback) == 1
    rows = usage_rows(app_paths)
    assert rows[-1] == (0, "cache hit", "complete") and len(rows) == 2
    with sqlite3.connect(app_paths.database) as connection:
        stored = connection.execute("SELECT role, content FROM messages ORDER BY id").fetchall()
    assert stored[-2:] == [("user", "What is the answer?"), ("assistant", "The answer is 42.")]

    loopback.enqueue(Script(text="Something else."))
    other = ask(isolated_environment, loopback, "A different question", "--cache")
    assert other.stdout.strip() == "Something else." and completions(loopback) == 2
    uncached = ask(isolated_environment, loopback, "What is the answer?")
    assert uncached.returncode == 0 and completions(loopback) == 3


def test_the_ttl_bounds_the_age_and_bad_options_are_refused(isolated_environment, app_paths, loopback) -> None:
    loopback.enqueue(Script(text="fresh"))
    assert ask(isolated_environment, loopback, "q", "--cache").returncode == 0
    time.sleep(1.2)
    loopback.enqueue(Script(text="fresher"))
    again = ask(isolated_environment, loopback, "q", "--cache", "--cache-ttl", "1")
    assert again.stdout.strip() == "fresher" and completions(loopback) == 2
    hit = ask(isolated_environment, loopback, "q", "--cache", "--cache-ttl", "60")
    assert hit.stdout.strip() == "fresher" and completions(loopback) == 2
    for bad in (("--cache-ttl", "5"), ("--cache", "--cache-ttl", "0"), ("--cache", "--cache-ttl", "inf")):
        refused = ask(isolated_environment, loopback, "q", *bad)
        assert refused.returncode == 2 and "--cache-ttl" in refused.stderr and "Traceback" not in refused.stderr


def test_a_failed_reply_is_not_cached(isolated_environment, app_paths, loopback) -> None:
    loopback.enqueue(Script(status=400))
    failed = ask(isolated_environment, loopback, "q", "--cache")
    assert failed.returncode != 0
    loopback.enqueue(Script(text="works now"))
    retried = ask(isolated_environment, loopback, "q", "--cache")
    assert retried.stdout.strip() == "works now"
