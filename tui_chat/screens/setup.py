"""Key setup: pick a provider, paste a key, have it checked, and keep it in the OS keyring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from tui_chat.core.errors import TuiChatError

if TYPE_CHECKING:
    from textual import getters

    from tui_chat.app import ChatApp
    from tui_chat.services.container import AppServices


@dataclass(frozen=True)
class SetupResult:
    """What the user chose: a provider whose key now works, or the demo model."""

    provider: str


class SetupScreen(ModalScreen[SetupResult | None]):
    """Choose a provider and store its API key after checking it against GET /models."""

    BINDINGS = [Binding("escape", "dismiss_setup", "Close", id="setup.close")]
    AUTO_FOCUS = "#setup-key"

    if TYPE_CHECKING:
        app = getters.app(ChatApp)

    def __init__(self, services: AppServices, provider: str | None = None) -> None:
        super().__init__()
        self.services = services
        providers = services.registry.providers
        self._choices = [name for name in providers if name != "demo"]
        wanted = provider if provider in self._choices else None
        self._initial = wanted or ("openai" if "openai" in self._choices else self._choices[0])

    def compose(self) -> ComposeResult:
        with Vertical(id="setup-dialog"):
            yield Static(Content("Set up a provider"), classes="dialog-title")
            yield Static(
                Content(
                    "Keys are kept in your OS keyring (never in a file). "
                    "The key is checked with the provider before it is saved."
                ),
                classes="setup-intro",
            )
            yield Select(
                [(name, name) for name in self._choices], value=self._initial, allow_blank=False, id="setup-provider"
            )
            yield Static(id="setup-current")
            yield Input(placeholder="Paste your API key", password=True, id="setup-key")
            yield Static(id="setup-status")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Check and save", id="setup-save", variant="primary")
                yield Button("Delete stored key", id="setup-delete", variant="error")
                yield Button("Continue with the demo model", id="setup-demo")

    def on_mount(self) -> None:
        self.call_after_refresh(self.show_current_key)

    @property
    def provider_name(self) -> str:
        return str(self.query_one("#setup-provider", Select).value)

    def _status(self, text: str, *, problem: bool = False) -> None:
        status = self.query_one("#setup-status", Static)
        status.update(Content(text))
        status.set_class(problem, "-problem")

    @on(Select.Changed, "#setup-provider")
    def _provider_changed(self) -> None:
        self._status("")
        self.show_current_key()

    @work(exclusive=True, group="setup-current", exit_on_error=False)
    async def show_current_key(self) -> None:
        """Say where the selected provider's key comes from now, masked."""
        name = self.provider_name
        provider = self.services.registry.provider(name)
        current = self.query_one("#setup-current", Static)
        if not provider.needs_key:
            current.update(Content(f"{name} needs no key ({provider.base_url})."))
            return
        resolved = await self.services.keys.resolve(name, provider)
        if resolved.value:
            text = f"Current key: {resolved.masked} from {resolved.source}."
        else:
            text = "No key yet."
        if resolved.problem:
            text += f"\n{resolved.problem.message}"
        current.update(Content(text))

    @on(Button.Pressed, "#setup-save")
    @on(Input.Submitted, "#setup-key")
    def _save_pressed(self) -> None:
        self.check_and_save()

    @work(exclusive=True, group="setup-save", exit_on_error=False)
    async def check_and_save(self) -> None:
        """Check the key against the provider, then store it in the keyring."""
        from tui_chat.services.secrets import validate_key

        name = self.provider_name
        provider = self.services.registry.provider(name)
        key = self.query_one("#setup-key", Input).value.strip()
        if provider.needs_key and not key:
            self._status("Paste a key first.", problem=True)
            return
        self._status("Checking the key…")
        base_url = await self.services.registry.resolved_base_url(name)
        check = await validate_key(name, provider, base_url, key or None)
        if not check.ok:
            self._status(check.message, problem=True)
            return
        try:
            if key:
                await self.services.keys.set(name, key, provider.key_env)
            await self.services.registry.forget(name)
            self.services.use_provider(name)
        except TuiChatError as exc:
            self._status(f"{check.message}, but it was not saved.\n{exc.title}: {exc.message}", problem=True)
            return
        self.query_one("#setup-key", Input).value = ""
        self.notify(f"{check.message}. New chats use {name}.", title="Key saved", markup=False)
        self.dismiss(SetupResult(name))

    @on(Button.Pressed, "#setup-delete")
    @work(exclusive=True, group="setup-delete", exit_on_error=False)
    async def delete_key(self) -> None:
        """Remove the selected provider's key from the keyring."""
        name = self.provider_name
        try:
            removed = await self.services.keys.delete(name, self.services.registry.provider(name).key_env)
        except TuiChatError as exc:
            self._status(f"{exc.title}: {exc.message}", problem=True)
            return
        await self.services.registry.forget(name)
        self._status("Key deleted from the keyring." if removed else "There was no stored key for it.")
        self.show_current_key()

    @on(Button.Pressed, "#setup-demo")
    def use_demo(self) -> None:
        """Keep chatting with the offline demo model, and do not ask again."""
        try:
            self.services.use_provider("demo")
        except TuiChatError as exc:
            self.app.show_error(exc)
        self.dismiss(SetupResult("demo"))

    def action_dismiss_setup(self) -> None:
        self.dismiss(None)
