"""The app meeting a database it cannot use: a modal naming the file, moving a damaged one aside, clear toasts."""

from __future__ import annotations

import hashlib
import sqlite3

from textual.widgets import Button, Static

from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.database_problem import DatabaseProblemScreen
from tui_chat.store.migrations import SCHEMA_VERSION
from tui_chat.widgets.prompt_input import PromptInput

GARBAGE = b"definitely not a database\n" * 200


def shown_text(screen: DatabaseProblemScreen) -> str:
    return " ".join(str(widget.render()) for widget in screen.query(Static))


async def test_damaged_database_is_named_and_moved_aside_on_request(make_services, app_paths) -> None:
    app_paths.data_dir.mkdir(parents=True)
    app_paths.database.write_bytes(GARBAGE)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DatabaseProblemScreen))
        await pilot.pause()
        modal = app.screen
        assert "damaged" in shown_text(modal) and str(app_paths.database) in shown_text(modal)
        assert {button.id for button in modal.query(Button)} == {"database-quit", "database-move-aside"}
        await pilot.click("#database-move-aside")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        [moved] = [path for path in app_paths.data_dir.iterdir() if ".corrupt-" in path.name]
        assert moved.read_bytes() == GARBAGE
        assert "Database moved aside" in [notification.title for notification in app._notifications]
        await send(pilot, "a fresh start")
        await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert [m.content for m in await repository.messages(conversation.id)][0] == "a fresh start"


async def test_newer_database_is_refused_untouched_with_no_move_aside(make_services, app_paths) -> None:
    app_paths.data_dir.mkdir(parents=True)
    connection = sqlite3.connect(app_paths.database)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE future (x)")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    before = hashlib.sha256(app_paths.database.read_bytes()).hexdigest()
    app = ChatApp(make_services())
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DatabaseProblemScreen))
        await pilot.pause()
        modal = app.screen
        assert "newer tui-chat" in shown_text(modal) and str(app_paths.database) in shown_text(modal)
        assert [button.id for button in modal.query(Button)] == ["database-quit"]
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 1
    assert hashlib.sha256(app_paths.database.read_bytes()).hexdigest() == before
    assert sorted(path.name for path in app_paths.data_dir.iterdir()) == [app_paths.database.name]


async def test_full_disk_is_a_clear_toast_and_nothing_is_half_written(make_services, app_paths) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(110, 32)) as pilot:
        repository = await services.repository()
        async with repository.database.connection.execute("PRAGMA page_count") as cursor:
            pages = (await cursor.fetchone())[0]
        await repository.database.connection.execute(f"PRAGMA max_page_count = {pages}")
        prompt = "a prompt too long for the space left " * 400
        await send(pilot, prompt)
        await wait_for_reply(pilot)
        [toast] = [n for n in app._notifications if n.title == "Disk full"]
        assert "Free some space" in toast.message and toast.markup is False
        assert app.screen.query_one(PromptInput).text == prompt
        async with repository.database.connection.execute("SELECT COUNT(*) FROM messages") as cursor:
            assert (await cursor.fetchone())[0] == 0
        assert await repository.usage_rows() == []


async def test_read_only_database_is_a_clear_toast(make_services, app_paths) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(110, 32)) as pilot:
        repository = await services.repository()
        conversation = await repository.create_conversation(provider="demo", model="demo")
        await repository.database.connection.execute("PRAGMA query_only = ON")
        await app.screen.open_conversation(conversation.id)
        await send(pilot, "keep me")
        await wait_for_reply(pilot)
        [toast] = [n for n in app._notifications if n.title == "Database is read-only"]
        assert str(app_paths.database) in toast.message and "writable" in toast.message
        assert app.screen.query_one(PromptInput).text == "keep me"
        assert await repository.messages(conversation.id) == []
