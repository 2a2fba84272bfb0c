"""The database file: damaged, newer, full, read-only and private, from the store up to the real command line."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.pty_app import TerminalApp
from tui_chat.core.models import Message, MessageStatus, Role, Usage, UsageRecord
from tui_chat.paths import AppPaths
from tui_chat.services.database_repair import NotMovedError, move_aside_if_damaged
from tui_chat.services.events import PromptSaved
from tui_chat.store.database_files import move_aside
from tui_chat.store.db import Database
from tui_chat.store.failures import CorruptDatabaseError, DiskFullError, NewerSchemaError
from tui_chat.store.migrations import SCHEMA_VERSION
from tui_chat.store.repository import Repository

NOBODY = 65534


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(home: Path, *args: str, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_nobody else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "tui_chat", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(home),
    )


def newer_database(path: Path, *, left_in_the_log: bool = False) -> None:
    """A database a newer tui-chat wrote; optionally as a crash leaves it, the new version only in its -wal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("CREATE TABLE from_the_future (x)")
    writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    writer.commit()
    if left_in_the_log:
        staging = path.with_name("staging.db")
        shutil.copy(path, staging)
        shutil.copy(Path(f"{path}-wal"), Path(f"{staging}-wal"))
    writer.close()
    if left_in_the_log:
        os.replace(staging, path)
        os.replace(Path(f"{staging}-wal"), Path(f"{path}-wal"))
        Path(f"{path}-shm").unlink(missing_ok=True)


def damaged_page_one(path: Path) -> None:
    """A real tui-chat database whose first page (the schema) was overwritten after its header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 1")
        connection.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY)")
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xab" * (4096 - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a database at all\n" * 50),
        lambda path: path.write_bytes(b"SQLite format 3\x00 cut short"),
        damaged_page_one,
    ],
    ids=["garbage", "truncated header", "damaged schema page"],
)
async def test_damaged_file_is_refused_by_name_and_left_as_it_was(tmp_path: Path, damage) -> None:
    path = tmp_path / "data" / "tui-chat.db"
    path.parent.mkdir()
    damage(path)
    before = digest(path)
    with pytest.raises(CorruptDatabaseError) as caught:
        await Database.open(path)
    assert caught.value.path == path and str(path) in caught.value.message
    assert "tui-chat db move-aside" in caught.value.message
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["tui-chat.db"]


async def test_newer_database_with_its_version_only_in_the_log_is_refused_unwritten(tmp_path: Path) -> None:
    path = tmp_path / "tui-chat.db"
    newer_database(path, left_in_the_log=True)
    with sqlite3.connect(path.as_uri() + "?mode=ro", uri=True) as probe:
        assert probe.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    header_version = int.from_bytes(path.read_bytes()[60:64], "big")
    assert header_version == 0  # the number is in the log, not yet in the file
    before = {name: digest(tmp_path / name) for name in ("tui-chat.db", "tui-chat.db-wal")}
    with pytest.raises(NewerSchemaError) as caught:
        await Database.open(path)
    assert caught.value.version == SCHEMA_VERSION + 1
    assert {name: digest(tmp_path / name) for name in before} == before


def test_move_aside_renames_the_file_and_its_companions_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "tui-chat.db"
    contents = {"": b"main file", "-wal": b"log", "-shm": b"shared memory"}
    for suffix, data in contents.items():
        Path(f"{path}{suffix}").write_bytes(data)
    moment = datetime(2026, 3, 4, 5, 6, 7)
    taken = tmp_path / "tui-chat.db.corrupt-20260304-050607"
    taken.write_bytes(b"an earlier casualty")

    moved = move_aside(path, moment)

    assert moved == tmp_path / "tui-chat.db.corrupt-20260304-050607-2"
    assert taken.read_bytes() == b"an earlier casualty"
    for suffix, data in contents.items():
        assert Path(f"{moved}{suffix}").read_bytes() == data
        assert not Path(f"{path}{suffix}").exists()


async def test_only_a_damaged_file_is_moved_aside(tmp_path: Path) -> None:
    healthy = tmp_path / "healthy.db"
    await (await Database.open(healthy)).close()
    with pytest.raises(NotMovedError):
        await move_aside_if_damaged(healthy)
    assert healthy.exists()

    newer = tmp_path / "newer.db"
    newer_database(newer)
    before = digest(newer)
    with pytest.raises(NewerSchemaError):
        await move_aside_if_damaged(newer)
    assert digest(newer) == before

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"junk" * 100)
    moved = await move_aside_if_damaged(damaged)
    assert moved.name.startswith("damaged.db.corrupt-") and moved.read_bytes() == b"junk" * 100
    assert not damaged.exists()


def test_command_line_names_a_damaged_file_and_moves_it_aside_on_request(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    app_paths.data_dir.mkdir(parents=True)
    app_paths.database.write_bytes(b"scrambled" * 300)
    refused = cli(isolated_environment, "ask", "hi", "--base-url", loopback.base_url)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "Database file is damaged" in refused.stderr and str(app_paths.database) in refused.stderr
    assert "tui-chat db move-aside" in refused.stderr

    moved = cli(isolated_environment, "db", "move-aside")
    assert moved.returncode == 0, moved.stderr
    [aside] = [p for p in app_paths.data_dir.iterdir() if ".corrupt-" in p.name]
    assert str(aside) in moved.stdout and aside.read_bytes() == b"scrambled" * 300

    fresh = cli(isolated_environment, "ask", "hi again", "--base-url", loopback.base_url)
    assert fresh.returncode == 0, fresh.stderr
    with sqlite3.connect(app_paths.database) as connection:
        assert connection.execute("SELECT content FROM messages WHERE role = 'user'").fetchall() == [("hi again",)]


def test_command_line_refuses_a_newer_database_and_will_not_move_it(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    newer_database(app_paths.database)
    before = digest(app_paths.database)
    refused = cli(isolated_environment, "ask", "hi", "--base-url", loopback.base_url)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "newer tui-chat" in refused.stderr and "Upgrade tui-chat" in refused.stderr
    not_moved = cli(isolated_environment, "db", "move-aside")
    assert not_moved.returncode == 1 and "newer tui-chat" in not_moved.stderr
    assert digest(app_paths.database) == before
    assert sorted(p.name for p in app_paths.data_dir.iterdir()) == ["tui-chat.db"]


async def test_full_disk_at_the_final_save_writes_reply_and_usage_together_or_not_at_all(tmp_path: Path) -> None:
    repository = Repository(await Database.open(tmp_path / "tui-chat.db"))
    conversation = await repository.create_conversation(provider="demo", model="demo")
    draft = await repository.start_reply(Message(0, conversation.id, Role.ASSISTANT, "the first words", model="demo"))
    async with repository.database.connection.execute("PRAGMA page_count") as cursor:
        pages = (await cursor.fetchone())[0]
    await repository.database.connection.execute(f"PRAGMA max_page_count = {pages}")
    finished = Message(draft.id, conversation.id, Role.ASSISTANT, "many more words " * 5000, model="demo")
    record = UsageRecord(
        "demo", "demo", Usage(10, 5000), Decimal("0.01"), "test", "complete", conversation_id=conversation.id
    )
    with pytest.raises(DiskFullError) as caught:
        await repository.save_reply(finished, record)
    assert caught.value.title == "Disk full" and "Free some space" in caught.value.message
    [stored] = await repository.messages(conversation.id, include_hidden=True)
    assert (stored.status, stored.content) == (MessageStatus.STREAMING, "the first words")
    assert await repository.usage_rows() == []
    await repository.database.close()


async def test_disk_filling_up_mid_reply_keeps_the_prompt_and_a_recoverable_reply(make_services, loopback) -> None:
    from tests.loopback import Script

    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    loopback.enqueue(Script(text="lorem ipsum dolor " * 4000, tokens_per_second=0))

    async def fill_the_disk(event: object) -> None:
        if isinstance(event, PromptSaved):
            async with repository.database.connection.execute("PRAGMA page_count") as cursor:
                pages = (await cursor.fetchone())[0]
            await repository.database.connection.execute(f"PRAGMA max_page_count = {pages + 1}")

    with pytest.raises(DiskFullError):
        await (await services.session()).send(conversation, "a long answer please", fill_the_disk)
    stored = await repository.messages(conversation.id, include_hidden=True)
    assert (stored[0].role, stored[0].content) == (Role.USER, "a long answer please")
    assert [m.status for m in stored[1:]] == [MessageStatus.STREAMING]
    assert await repository.usage_rows() == []
    await services.aclose()

    reopened = make_services()
    repository = await reopened.repository()
    [prompt, reply] = await repository.messages(conversation.id)
    assert reply.status is MessageStatus.INTERRUPTED and "lorem ipsum dolor ".startswith(reply.content[:18])
    [usage] = await repository.usage_rows()
    assert usage.message_id == reply.id and usage.status == "interrupted"
    await reopened.aclose()


@pytest.fixture
def shared_home() -> Iterator[Path]:
    """A home an unprivileged user can reach (pytest's own temporary folders are root-only)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run tui-chat as an unprivileged user")
    home = Path(tempfile.mkdtemp(prefix="tui-chat-ro-"))
    home.chmod(0o755)
    for folder in ("config", "data", "state", "cache"):
        (home / folder).mkdir()
        os.chown(home / folder, NOBODY, NOBODY)
    yield home
    shutil.rmtree(home)


def test_read_only_data_folder_is_a_clear_error_and_the_file_is_untouched(shared_home: Path, loopback) -> None:
    data_dir = shared_home / "data" / "tui-chat"
    first = cli(shared_home, "ask", "hi", "--base-url", loopback.base_url)  # as root: creates the database
    assert first.returncode == 0, first.stderr
    for entry in (shared_home / "data", data_dir):
        os.chown(entry, 0, 0)
        entry.chmod(0o755)
    (data_dir / "tui-chat.db").chmod(0o644)
    before = digest(data_dir / "tui-chat.db")

    refused = cli(shared_home, "ask", "hi", "--base-url", loopback.base_url, as_nobody=True)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "Database is read-only" in refused.stderr and str(data_dir) in refused.stderr
    assert "writable" in refused.stderr
    assert digest(data_dir / "tui-chat.db") == before

    os.rename(data_dir / "tui-chat.db", shared_home / "moved.db")
    for companion in data_dir.iterdir():
        shutil.rmtree(companion) if companion.is_dir() else companion.unlink()
    not_created = cli(shared_home, "ask", "hi", "--base-url", loopback.base_url, as_nobody=True)
    assert not_created.returncode == 1 and "Traceback" not in not_created.stderr
    assert "Could not create the database" in not_created.stderr and not list(data_dir.iterdir())


def test_read_only_config_folder_is_a_clear_error_when_saving_a_choice(shared_home: Path) -> None:
    config_dir = shared_home / "config" / "tui-chat"
    config_dir.mkdir()
    config_dir.chmod(0o755)
    snippet = (
        "from tui_chat.services.bootstrap import build_services\n"
        "from tui_chat.core.errors import TuiChatError\n"
        "services = build_services()\n"
        "try:\n    services.use_provider('openai')\n"
        "except TuiChatError as exc:\n    print(f'{exc.title}|{exc.message}')\n"
    )
    result = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-c", snippet],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(shared_home),
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("Choice not saved|") and "Permission denied" in result.stdout
    assert str(config_dir / "config.toml") in result.stdout and f"Make {config_dir} writable" in result.stdout
    assert list(config_dir.iterdir()) == []


def test_first_start_creates_private_files_in_private_folders(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    args = ("--theme", "tui-chat-light", "--provider", "demo", "--base-url", loopback.base_url)
    database = app_paths.database
    companions = [Path(f"{database}-wal"), Path(f"{database}-shm")]
    with TerminalApp(isolated_environment, *args, umask=0) as app:
        app.wait_for(lambda: all(path.exists() for path in [database, *companions]), what="the database files")
        modes = {path: stat.S_IMODE(path.stat().st_mode) for path in [app_paths.config_file, database, *companions]}
        folders = {path: stat.S_IMODE(path.stat().st_mode) for path in [app_paths.config_dir, app_paths.data_dir]}
        if app_paths.log_file.exists():
            modes[app_paths.log_file] = stat.S_IMODE(app_paths.log_file.stat().st_mode)
            folders[app_paths.state_dir] = stat.S_IMODE(app_paths.state_dir.stat().st_mode)
        app.type("\x11")  # ctrl+q
        app.process.wait(timeout=20)
    assert modes == {path: 0o600 for path in modes}
    assert folders == {path: 0o700 for path in folders}


def test_quitting_at_the_damaged_database_dialog_exits_with_status_1_and_leaves_the_file(
    isolated_environment: Path, app_paths: AppPaths, loopback
) -> None:
    damaged_page_one(app_paths.database)
    before = digest(app_paths.database)
    with TerminalApp(isolated_environment, "--provider", "demo", "--base-url", loopback.base_url) as app:
        app.wait_for(lambda: "Move aside and start fresh" in app.text(), what="the damaged-database dialog")
        app.type("q")
        assert app.process.wait(timeout=20) == 1
    assert digest(app_paths.database) == before
