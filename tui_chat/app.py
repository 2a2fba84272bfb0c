"""ChatApp: receives its services, sets up screens, themes and global bindings; does no I/O itself."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding

from tui_chat.core.errors import ConfigError, TuiChatError
from tui_chat.screens.chat import ChatScreen
from tui_chat.theming import DEFAULT_THEME, load_themes, theme_variable_defaults

CHAT_COMMANDS = [
    ("New conversation", "Start an empty conversation, from a preset when there are any (ctrl+n)", "new_chat"),
    ("New chat from preset", "Start a conversation with one of the [presets] as its system prompt", "new_from_preset"),
    ("Conversations", "Show or hide the conversation list (ctrl+o)", "toggle_conversations"),
    ("Show archived conversations", "Switch the list between active and archived ones", "toggle_archived"),
    ("Search messages", "Full-text search over every message (ctrl+f)", "search"),
    ("Choose model", "Pick the model for this conversation (ctrl+l)", "pick_model"),
    ("Compare models", "Send the prompt to 2 to 4 models side by side, with speed and cost (F6)", "compare_models"),
    ("Conversation settings", "System prompt, temperature, max tokens (F2)", "conversation_settings"),
    ("Retry reply", "Ask again for a reply to the last prompt (ctrl+r)", "retry_reply"),
    ("Continue reply", "Carry on from a truncated or cut-off reply (ctrl+g)", "continue_reply"),
    ("Select a message", "Move from the prompt into the messages; ↑/↓ choose, Esc returns (alt+up)", "select_message"),
    ("Copy message", "Copy the selected message, or the last reply (F9, c)", "copy_message"),
    ("Copy code block", "Copy a code block of the selected message or the last reply (F4, k)", "copy_code"),
    ("Edit prompt", "Edit the selected prompt, or the last one, and send it again (F3, e)", "edit_prompt"),
    ("Delete message", "Delete the selected message, or the last one (F8, d)", "delete_message"),
    ("Toggle sidebar", "Show or hide the usage sidebar (ctrl+b)", "toggle_sidebar"),
    ("Tools", "Every tool, by server, with a switch for this conversation (ctrl+t)", "tools_panel"),
]

WELCOME = (
    "Type a message and press Enter: the offline demo model answers, no key needed. "
    "Press ctrl+k to add an API key, ctrl+l to pick a model."
)
"""The first start's invitation: a toast, so the keyboard stays in the prompt."""
TOAST_LIMIT = 2_000
"""Characters of a toast's text shown; a longer one (a server's megabyte error page) is cut."""

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
        Binding(
            "ctrl+k", "setup_keys", "Keys", show=True, priority=True, id="app.keys"
        ),  # before the prompt's kill-line
        Binding("f5", "usage", "Usage", show=True, id="app.usage"),
        Binding("f1", "help", "Help", show=True, id="app.help"),
    ]

    def __init__(
        self,
        services: AppServices,
        themes: Sequence[Theme] | None = None,
        *,
        open_usage: bool = False,
        freeze_gc: bool = False,
    ) -> None:
        """`themes` comes from theming.load_themes (the command line reads the user's folder); None means the built-ins.

        `freeze_gc` (set by the command line, not by tests that build many apps in one process)
        moves what is alive now, and again once the SDK, prices and tokenizer are imported, out of
        the garbage collector's full passes: those objects live as long as the app, and a full
        collection that visits them cost about 20 ms before the first frame and 70 ms later on.
        """
        if freeze_gc:
            gc.freeze()
        super().__init__()
        self.services = services
        self.freeze_gc = freeze_gc
        for theme in load_themes(None)[0] if themes is None else themes:
            self.register_theme(theme)
        self.theme = self._starting_theme(services.settings.theme)
        self.open_usage = open_usage
        if services.settings.keymap:
            self.set_keymap(dict(services.settings.keymap))

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

    def get_default_screen(self) -> ChatScreen:
        """The chat is the bottom of the screen stack, built with the app.

        Pushing it from on_mount instead would render its first frame inside Textual's start-up
        batch, where nothing is written, and the terminal would wait for a later full repaint.
        """
        return ChatScreen(self.services)

    def on_mount(self) -> None:
        from tui_chat.screens.database_problem import open_database_or_explain

        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.call_after_refresh(
            lambda: self.run_worker(
                open_database_or_explain(self, self.services), group="database", exit_on_error=False
            )
        )
        for problem in self.services.startup_problems:
            self.show_error(problem)
        if self.services.offer_setup:
            self.notify(WELCOME, title="Welcome to tui-chat", timeout=20, markup=False)
        if self.open_usage:
            self.action_usage()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every palette command; the palette reads help texts as markup, so theirs are escaped."""
        from textual.markup import escape

        for command in self._palette_commands(screen):
            yield command._replace(help=escape(command.help))

    def _palette_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("API keys", "Set, check or delete a provider's API key (ctrl+k)", self.action_setup_keys)
        yield SystemCommand("Usage history", "Spending by day, model and conversation (F5)", self.action_usage)
        yield SystemCommand(
            "Keyboard help", "Every binding as it is now, with its id for [keymap] (F1)", self.action_help
        )
        chat = self._chat_screen()
        if chat is not None:
            for title, help_text, action in CHAT_COMMANDS:
                yield SystemCommand(title, help_text, getattr(chat, f"action_{action}"))

    def _chat_screen(self) -> ChatScreen | None:
        return next((screen for screen in self.screen_stack if isinstance(screen, ChatScreen)), None)

    def action_usage(self) -> None:
        """Open the usage-history screen."""
        from tui_chat.screens.usage import UsageScreen

        if not isinstance(self.screen, UsageScreen):
            self.push_screen(UsageScreen(self.services))

    def action_help(self) -> None:
        """List the bindings of the current screen."""
        from tui_chat.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    async def on_usage_screen_open_conversation(self, message) -> None:
        """Leave the usage history for the chat, at the chosen conversation."""
        from tui_chat.screens.usage import UsageScreen

        if isinstance(self.screen, UsageScreen):
            self.pop_screen()
        chat = self._chat_screen()
        if chat is not None:
            await chat.open_conversation(message.conversation_id)

    def on_reply_stored(self) -> None:
        """Refresh any open usage-history screen after each reply."""
        from tui_chat.screens.usage import UsageScreen

        for screen in self.screen_stack:
            if isinstance(screen, UsageScreen):
                screen.refresh_data()

    def action_setup_keys(self, provider: str | None = None) -> None:
        """Open the key setup screen."""
        from tui_chat.screens.setup import SetupScreen

        if not isinstance(self.screen, SetupScreen):
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

    def notify(self, message: str, *, title: str = "", **options) -> None:
        """Every toast: keys redacted; escape and control characters in the text or title are shown, never sent."""
        from tui_chat.core.redaction import redact
        from tui_chat.core.text import one_line, show_controls

        message, title = redact(message), redact(title)
        if len(message) > TOAST_LIMIT:
            message = message[: TOAST_LIMIT - 1] + "…"
        super().notify(show_controls(message), title=one_line(title[:TOAST_LIMIT]), **options)

    def show_error(self, error: BaseException) -> None:
        """The one place an error becomes a toast: a title, the detail and the next step, never markup.

        A damaged database file is the exception: it opens the database dialog, which offers to
        move the file aside, since nothing can be saved until then.
        """
        from tui_chat.screens.database_problem import DatabaseProblemScreen
        from tui_chat.store.failures import CorruptDatabaseError

        if isinstance(error, CorruptDatabaseError):
            if not any(isinstance(screen, DatabaseProblemScreen) for screen in self.screen_stack):
                self.push_screen(DatabaseProblemScreen(self.services, error))
            return
        if isinstance(error, TuiChatError):
            title, body = error.title, error.message
        else:
            title, body = "Unexpected error", f"{type(error).__name__}: {error}"
        self.notify(body or title, title=title, severity="error", timeout=10, markup=False)

    async def on_unmount(self) -> None:
        await self.services.aclose()
