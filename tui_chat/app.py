"""ChatApp: receives its services, sets up screens, themes and global bindings; does no I/O itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from tui_chat.core.errors import TuiChatError
from tui_chat.screens.chat import ChatScreen

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices


class ChatApp(App):
    """The tui-chat terminal application."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-chat"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True, id="app.quit"),
    ]

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services

    def on_mount(self) -> None:
        if self.services.settings.theme in self.available_themes:
            self.theme = self.services.settings.theme
        self.push_screen(ChatScreen(self.services))
        for problem in self.services.startup_problems:
            self.show_error(problem)

    def show_error(self, error: BaseException) -> None:
        """The one place an error becomes a toast: a title, the detail and the next step, never markup."""
        if isinstance(error, TuiChatError):
            title, body = error.title, error.message
        else:
            title, body = "Unexpected error", f"{type(error).__name__}: {error}"
        self.notify(body or title, title=title, severity="error", timeout=10, markup=False)

    async def on_unmount(self) -> None:
        await self.services.aclose()
