"""ChatApp: receives its services, sets up screens, themes and global bindings; does no I/O itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from textual import work

from textual.app import App, SystemCommand
from textual.binding import Binding

from tui_chat.core.errors import ConfigError, TuiChatError
from tui_chat.screens.chat import ChatScreen
from tui_chat.theming import DEFAULT_THEME, load_themes, theme_variable_defaults

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.theme import Theme

    from tui_chat.services.container import AppServices


class ChatApp(App):
    """The tui-chat terminal application."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-chat"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True, id="app.quit"),
        Binding("ctrl+k", "setup_keys", "Keys", show=True, id="app.keys"),
    ]

    def __init__(self, services: AppServices, themes: Sequence[Theme] | None = None) -> None:
        """`themes` comes from theming.load_themes (cli.py reads the user's folder); None means the built-ins."""
        super().__init__()
        self.services = services
        for theme in load_themes(None)[0] if themes is None else themes:
            self.register_theme(theme)
        self.theme = self._starting_theme(services.settings.theme)

    def _starting_theme(self, wanted: str) -> str:
        """The configured theme if it exists; otherwise the default, and a problem to show."""
        if wanted in self.available_themes:
            return wanted
        fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        choices = ", ".join(sorted(self.available_themes))
        self.services.startup_problems.append(
            ConfigError(f"There is no theme called '{wanted}'.", hint=f"Using {fallback}. Themes: {choices}.")
        )
        return fallback

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """tui-chat's colours ($user-message-text...) for themes that leave them unset, from the theme's own."""
        return theme_variable_defaults(self.current_theme)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(ChatScreen(self.services))
        for problem in self.services.startup_problems:
            self.show_error(problem)
        if self.services.offer_setup:
            self.action_setup_keys()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("API keys", "Set, check or delete a provider's API key (ctrl+k)", self.action_setup_keys)

    def action_setup_keys(self, provider: str | None = None) -> None:
        """Open the key setup screen."""
        from tui_chat.screens.setup import SetupScreen

        self.push_screen(SetupScreen(self.services, provider), self._after_setup)

    async def _after_setup(self, result) -> None:
        """Start a fresh conversation with the provider just set up."""
        if result is None:
            return
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                await screen.action_new_conversation()

    def _remember_theme(self, theme: Theme) -> None:
        """Keep the chosen theme for next time, in config.toml."""
        if theme.name != self.services.settings.theme:
            self.save_theme(theme.name)

    @work(thread=True, exclusive=True, group="remember-theme", exit_on_error=False)
    def save_theme(self, name: str) -> None:
        """Write the theme choice to config.toml off the event loop."""
        from tui_chat.config import remember_setting

        try:
            remember_setting(self.services.paths.config_file, "theme", name)
        except (OSError, TuiChatError) as exc:
            self.call_from_thread(self.show_error, exc)

    def show_error(self, error: BaseException) -> None:
        """The one place an error becomes a toast: a title, the detail and the next step, never markup."""
        if isinstance(error, TuiChatError):
            title, body = error.title, error.message
        else:
            title, body = "Unexpected error", f"{type(error).__name__}: {error}"
        self.notify(body or title, title=title, severity="error", timeout=10, markup=False)

    async def on_unmount(self) -> None:
        await self.services.aclose()
