"""The app meeting damage inside a database whose header is intact: the database dialog, never a crash."""

from __future__ import annotations

from textual.widgets import Button, Static

from tests.damaged_files import damaged_database
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.database_problem import DatabaseProblemScreen


def shown_text(screen: DatabaseProblemScreen) -> str:
    return " ".join(str(widget.render()) for widget in screen.query(Static))


async def test_damage_met_after_start_shows_the_dialog_and_the_file_can_be_moved_aside(
    make_services, app_paths
) -> None:
    damaged = await damaged_database(app_paths.database)
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DatabaseProblemScreen))
        await pilot.pause()
        modal = app.screen
        assert "damaged" in shown_text(modal) and "malformed" in shown_text(modal)
        assert str(app_paths.database) in shown_text(modal)
        assert {button.id for button in modal.query(Button)} == {"database-quit", "database-move-aside"}
        await pilot.click("#database-move-aside")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        [moved] = [path for path in app_paths.data_dir.iterdir() if ".corrupt-" in path.name]
        assert moved.read_bytes() == damaged
        await send(pilot, "a fresh start")
        await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert [m.content for m in await repository.messages(conversation.id)][0] == "a fresh start"
    assert app.return_code in (None, 0)
