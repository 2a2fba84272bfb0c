"""A modal shown when the database cannot be opened: it names the file, and offers to move a damaged one aside."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui_chat.core.errors import StoreError, TuiChatError
from tui_chat.store.failures import CorruptDatabaseError

if TYPE_CHECKING:
    from textual.app import App

    from tui_chat.services.container import AppServices


class DatabaseProblemScreen(ModalScreen[None]):
    """Explains why the database cannot be used; a damaged file may be moved aside, anything else only quits."""

    DEFAULT_CSS = """
    DatabaseProblemScreen { align: center middle; }
    DatabaseProblemScreen > Vertical {
        width: 76; height: auto; padding: 1 2;
        background: $panel; border: thick $error 60%;
    }
    DatabaseProblemScreen #database-problem-title { text-style: bold; margin-bottom: 1; }
    DatabaseProblemScreen #database-problem-detail { margin-bottom: 1; }
    DatabaseProblemScreen Horizontal { height: auto; align-horizontal: right; }
    DatabaseProblemScreen Button { margin-left: 2; }
    """

    BINDINGS = [Binding("escape,q", "quit", "Quit", id="database_problem.quit")]
    AUTO_FOCUS = "#database-quit"

    def __init__(self, services: AppServices, problem: StoreError) -> None:
        super().__init__()
        self.services = services
        self.problem = problem

    @property
    def can_move_aside(self) -> bool:
        """Only a damaged file is offered to be moved; a newer or unwritable one is never touched."""
        return isinstance(self.problem, CorruptDatabaseError)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.problem.title), id="database-problem-title")
            yield Static(Content(self.problem.message), id="database-problem-detail")
            with Horizontal():
                yield Button(Content("Quit"), id="database-quit")
                if self.can_move_aside:
                    yield Button(Content("Move aside and start fresh"), variant="warning", id="database-move-aside")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "database-move-aside":
            self.move_aside()
        else:
            self.action_quit()

    def action_quit(self) -> None:
        """Leave tui-chat with the file as it is."""
        self.app.exit(return_code=1)

    @work(exclusive=True, group="move-aside", exit_on_error=False)
    async def move_aside(self) -> None:
        """Rename the damaged file, open a fresh database and show the (now empty) chat."""
        try:
            moved = await self.services.move_database_aside()
            await self.services.repository()
        except TuiChatError as exc:
            self.query_one("#database-problem-title", Static).update(Content(exc.title))
            self.query_one("#database-problem-detail", Static).update(Content(exc.message))
            self.query_one("#database-quit", Button).focus()
            return
        self.dismiss(None)
        self.app.notify(
            f"The damaged file is kept as {moved}. A fresh database was started.",
            title="Database moved aside",
            timeout=10,
            markup=False,
        )
        from tui_chat.screens.chat import ChatScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, ChatScreen):
                screen.load_last_conversation()


async def open_database_or_explain(app: App, services: AppServices) -> None:
    """Open the database at start-up; if it cannot be used, say why in a modal instead of failing quietly."""
    try:
        await services.repository()
    except StoreError as exc:
        await app.push_screen(DatabaseProblemScreen(services, exc))
