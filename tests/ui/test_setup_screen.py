"""The key setup screen: check a key against a real loopback server, keep it in the keyring."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

import keyring
import pytest
from textual.widgets import Button, Input, Select, Static

from tests.loopback import LoopbackServer
from tests.ui.pilot import send, wait_for_reply, wait_until
from tests.unit.test_secrets import MemoryKeyring
from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.setup import SetupScreen
from tui_chat.widgets.usage_sidebar import UsageSidebar

GOOD_KEY = "sk-setup-good-0123456789abcdef"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def guarded_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(api_key=GOOD_KEY, tokens_per_second={"demo": None, "m1": None})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def services_with_provider(app_paths, make_services, guarded_server):
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.mine]\nbase_url = "{guarded_server.base_url}"\nkey_env = "MINE_API_KEY"\ndefault_model = "m1"\n'
    )
    return make_services()


def status_text(screen: SetupScreen) -> str:
    return str(screen.query_one("#setup-status", Static).render())


async def open_setup(pilot, provider: str = "mine") -> SetupScreen:
    await pilot.app.run_action(f"setup_keys('{provider}')")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SetupScreen) and pilot.app.screen.query("#setup-demo"))
    await pilot.pause()
    return pilot.app.screen


async def test_wrong_key_is_refused_with_the_servers_reason(services_with_provider, memory_keyring) -> None:
    app = ChatApp(services_with_provider)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_setup(pilot)
        assert screen.query_one("#setup-provider", Select).value == "mine"
        screen.query_one("#setup-key", Input).value = "sk-wrong-0000000000000000"
        await pilot.click("#setup-save")
        await wait_until(pilot, lambda: "key rejected" in status_text(screen))
        assert memory_keyring.entries == {}
        assert isinstance(app.screen, SetupScreen)


async def test_good_key_is_checked_saved_and_used(
    services_with_provider, memory_keyring, app_paths, guarded_server
) -> None:
    app = ChatApp(services_with_provider)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_setup(pilot)
        screen.query_one("#setup-key", Input).value = GOOD_KEY
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen), timeout=15)
        assert memory_keyring.entries == {("tui-chat", "mine"): GOOD_KEY}
        assert tomllib.loads(app_paths.config_file.read_text())["default_provider"] == "mine"
        assert GOOD_KEY not in app_paths.config_file.read_text()
        assert any("key works: " in n.message for n in app._notifications)
        await wait_until(pilot, lambda: app.screen.query_one(UsageSidebar).provider == "mine")
        await send(pilot, "hello with my key")
        await wait_for_reply(pilot)
        chat = [r for r in guarded_server.requests if r.path.endswith("/chat/completions")]
        assert chat and chat[-1].headers["authorization"] == f"Bearer {GOOD_KEY}"
        assert chat[-1].json["model"] == "m1"


async def test_current_key_is_shown_masked_and_can_be_deleted(services_with_provider, memory_keyring) -> None:
    memory_keyring.entries[("tui-chat", "mine")] = GOOD_KEY
    app = ChatApp(services_with_provider)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_setup(pilot)
        current = screen.query_one("#setup-current", Static)
        await wait_until(pilot, lambda: "Current key" in str(current.render()))
        assert "sk-…cdef" in str(current.render()) and GOOD_KEY not in str(current.render())
        screen.query_one("#setup-delete", Button).press()
        await wait_until(pilot, lambda: "deleted" in status_text(screen))
        assert memory_keyring.entries == {}


async def test_no_usable_keyring_is_explained_and_nothing_is_written(
    services_with_provider, app_paths, isolated_environment
) -> None:
    app = ChatApp(services_with_provider)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_setup(pilot)
        screen.query_one("#setup-key", Input).value = GOOD_KEY
        await pilot.click("#setup-save")
        await wait_until(pilot, lambda: "No usable keyring" in status_text(screen), timeout=15)
        assert "gnome-keyring" in status_text(screen) and "MINE_API_KEY" in status_text(screen)
    leaked = [
        path for path in isolated_environment.rglob("*") if path.is_file() and GOOD_KEY.encode() in path.read_bytes()
    ]
    assert leaked == []


async def test_continue_with_the_demo_model(services_with_provider, app_paths) -> None:
    app = ChatApp(services_with_provider)
    async with app.run_test(size=(110, 36)) as pilot:
        await open_setup(pilot)
        await pilot.click("#setup-demo")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert tomllib.loads(app_paths.config_file.read_text())["default_provider"] == "demo"
