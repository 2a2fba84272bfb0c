"""A whole TUI session with a recognisable fake key: it must appear in no file and on no screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.ui.pilot import send, wait_for_reply, wait_until
from tests.ui.test_setup_screen import GOOD_KEY, guarded_server, memory_keyring, open_setup, services_with_provider  # noqa: F401
from tui_chat.app import ChatApp
from tui_chat.screens.setup import SetupScreen


def files_containing(root: Path, needle: str) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and needle.encode() in path.read_bytes()]


async def test_tui_session_never_shows_or_writes_the_key(
    services_with_provider, memory_keyring, isolated_environment, guarded_server
) -> None:
    screens: list[str] = []
    app = ChatApp(services_with_provider)
    async with app.run_test(size=(120, 40)) as pilot:
        setup = await open_setup(pilot)
        setup.query_one("#setup-key", Input).value = GOOD_KEY
        await pilot.pause()
        screens.append(app.export_screenshot())
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SetupScreen), timeout=15)
        screens.append(app.export_screenshot())
        await send(pilot, f"is {GOOD_KEY[:6]} safe?")
        await wait_for_reply(pilot)
        screens.append(app.export_screenshot())
        setup = await open_setup(pilot)
        current = setup.query_one("#setup-current", Static)
        await wait_until(pilot, lambda: "Current key" in str(current.render()))
        screens.append(app.export_screenshot())
        assert "sk-…cdef" in str(current.render())
        notifications = " ".join(n.message for n in app._notifications)
    assert memory_keyring.entries[("tui-chat", "mine")] == GOOD_KEY
    assert all(GOOD_KEY not in screen for screen in screens)
    assert GOOD_KEY not in notifications
    assert files_containing(isolated_environment, GOOD_KEY) == []
    assert any(path.name == "tui-chat.db" for path in isolated_environment.rglob("*"))
