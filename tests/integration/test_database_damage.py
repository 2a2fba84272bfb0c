"""Damage inside a database whose header is intact, met by every command as a real process."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.damaged_files import damage_inside
from tui_chat.paths import AppPaths


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *args], capture_output=True, text=True, timeout=60, env=subprocess_env(home)
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "command",
    [
        ("list",),
        ("list", "--format", "json"),
        ("search", "zebra"),
        ("export", "2"),
        ("export", "2", "--format", "json"),
    ],
    ids=["list", "list json", "search", "export", "export json"],
)
def test_every_command_names_the_damage_and_the_way_forward_without_a_traceback(
    isolated_environment: Path, app_paths: AppPaths, command: tuple[str, ...]
) -> None:
    damage_inside(app_paths.database)
    before = digest(app_paths.database)
    result = cli(isolated_environment, *command)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "sqlite3." not in result.stderr
    assert "Database file is damaged" in result.stderr and str(app_paths.database) in result.stderr
    assert "tui-chat db move-aside" in result.stderr and "nothing is deleted" in result.stderr
    assert digest(app_paths.database) == before


def test_ask_on_a_damaged_file_says_so_and_leaves_the_file_alone(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    damage_inside(app_paths.database)
    before = digest(app_paths.database)
    result = cli(isolated_environment, "ask", "hello", "--base-url", loopback.base_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Database file is damaged" in result.stderr and "tui-chat db move-aside" in result.stderr
    assert digest(app_paths.database) == before


def test_doctor_runs_sqlites_quick_check_and_reports_the_damage(
    isolated_environment: Path, app_paths: AppPaths
) -> None:
    damage_inside(app_paths.database)
    result = cli(isolated_environment, "doctor")
    [line] = [line for line in result.stdout.splitlines() if " database: " in line]
    assert line.startswith("problem") and "damaged" in line and "tui-chat db move-aside" in line
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_doctor_says_a_sound_file_passed_the_quick_check(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    assert cli(isolated_environment, "ask", "hello", "--base-url", loopback.base_url).returncode == 0
    result = cli(isolated_environment, "doctor")
    [line] = [line for line in result.stdout.splitlines() if " database: " in line]
    assert line.startswith("ok") and "quick_check ok" in line


def test_move_aside_takes_a_file_damaged_inside_and_keeps_every_byte(
    isolated_environment: Path, app_paths: AppPaths
) -> None:
    damaged = damage_inside(app_paths.database)
    moved = cli(isolated_environment, "db", "move-aside")
    assert moved.returncode == 0, moved.stderr
    [aside] = [
        path
        for path in app_paths.data_dir.iterdir()
        if ".corrupt-" in path.name and not path.name.endswith(("-wal", "-shm"))
    ]
    assert aside.read_bytes() == damaged and not app_paths.database.exists()
    assert cli(isolated_environment, "list").returncode == 0


def test_a_sound_file_is_not_moved_aside(isolated_environment: Path, app_paths: AppPaths, loopback) -> None:
    assert cli(isolated_environment, "ask", "keep me", "--base-url", loopback.base_url).returncode == 0
    refused = cli(isolated_environment, "db", "move-aside")
    assert refused.returncode == 1 and "left where it is" in refused.stderr
    with closing(sqlite3.connect(app_paths.database)) as connection:
        assert connection.execute("SELECT content FROM messages WHERE role = 'user'").fetchall() == [("keep me",)]


def test_only_sqlites_own_report_of_damage_is_called_damaged(tmp_path: Path) -> None:
    from tui_chat.store.failures import CorruptDatabaseError, opening_problem

    path = tmp_path / "tui-chat.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY)")
        with pytest.raises(sqlite3.OperationalError) as clash:
            connection.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY)")
    problem = opening_problem(clash.value, path)
    assert not isinstance(problem, CorruptDatabaseError) and "damaged" not in f"{problem.title} {problem.message}"
    assert str(path) in problem.message and "move-aside" not in problem.message
