"""What the command line (cli/) builds and hands to the app or a subcommand: settings, paths, providers, storage."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.config import Settings
from tui_chat.core.errors import TuiChatError
from tui_chat.paths import AppPaths
from tui_chat.services.providers import ProviderRegistry, Target
from tui_chat.services.secrets import KeyStore

if TYPE_CHECKING:
    from tui_chat.services.chat_session import ChatSession
    from tui_chat.services.conversations import ConversationService
    from tui_chat.services.tools.runtime import Approver, ProblemReport
    from tui_chat.store.repository import Repository


@dataclass
class AppServices:
    """The app's collaborators; heavy modules (SQLite, openai) load on first use, not at start-up."""

    settings: Settings
    paths: AppPaths
    registry: ProviderRegistry
    keys: KeyStore
    target: Target
    database_path: Path | None
    startup_problems: list[TuiChatError] = field(default_factory=list)
    offer_setup: bool = False
    target_from_command_line: bool = False
    """Whether --provider, --model or --base-url chose the target: it then wins over a resumed conversation's."""
    tool_approver: Approver | None = None
    """Asks the user about a tool call (the chat screen's dialog, the CLI's question)."""
    tool_problem: ProblemReport | None = None
    """Told of an MCP server that failed to start or died."""
    _repository: Repository | None = None
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)
    _session: ChatSession | None = None
    _conversations: ConversationService | None = None

    def remember_theme(self, name: str) -> None:
        """Use `name` from now on and write it to config.toml."""
        from msgspec.structs import replace

        from tui_chat.config import remember_setting

        try:
            remember_setting(self.paths.config_file, "theme", name)
        except (OSError, TuiChatError) as exc:
            self.startup_problems.append(exc if isinstance(exc, TuiChatError) else TuiChatError(str(exc)))
        self.settings = replace(self.settings, theme=name)

    def use_provider(self, provider: str) -> Target:
        """Make `provider` (with its default model) the target of new conversations and remember it."""
        from msgspec.structs import replace

        from tui_chat.config import remember_setting

        model = self.registry.provider(provider).default_model
        self.target = Target(provider, model)
        try:
            remember_setting(self.paths.config_file, "default_provider", provider)
        except (OSError, TuiChatError) as exc:
            detail = exc.detail if isinstance(exc, TuiChatError) else (exc.strerror or str(exc))
            raise TuiChatError(
                f"Could not save the choice in {self.paths.config_file}: {detail}",
                hint=f"Make {self.paths.config_dir} writable by you, then choose again.",
                title="Choice not saved",
            ) from None
        self.settings = replace(self.settings, default_provider=provider)
        return self.target

    @property
    def first_run(self) -> bool:
        """Whether this looks like the first start: no config file and no database yet."""
        return not self.paths.config_file.exists() and not (self.database_path and self.database_path.exists())

    async def repository(self) -> Repository:
        """The open repository, opening (and migrating) the database once, on first use.

        Replies a crash left streaming are recovered as interrupted ones right after opening; if
        that cannot be written now (a full disk), they stay hidden and are recovered next time.
        """
        if self._repository is None:
            async with self._opening:
                if self._repository is None:
                    from tui_chat.core.errors import StoreError
                    from tui_chat.services.recovery import recover_interrupted_replies
                    from tui_chat.store.db import Database
                    from tui_chat.store.failures import opening_problem
                    from tui_chat.store.repository import Repository

                    repository = Repository(await Database.open(self.database_path))
                    try:
                        await recover_interrupted_replies(repository, self.registry)
                    except StoreError:
                        pass
                    except BaseException as exc:
                        await repository.database.close()
                        if isinstance(exc, sqlite3.DatabaseError):
                            raise opening_problem(exc, self.database_path) from exc
                        raise
                    self._repository = repository
        return self._repository

    async def move_database_aside(self) -> Path:
        """Rename a damaged database (and its -wal/-shm) with a timestamp, so the next open starts fresh.

        A database found damaged after it was opened is closed first; a healthy one is reopened as it was.
        """
        from tui_chat.services.database_repair import NotMovedError, move_aside_if_damaged

        if self.database_path is None:
            raise NotMovedError("The database is in memory, so there is no file to move.")
        async with self._opening:
            self._session = None
            self._conversations = None
            if self._repository is not None:
                await self._repository.database.close()
                self._repository = None
            return await move_aside_if_damaged(self.database_path)

    async def session(self) -> ChatSession:
        """The chat session service."""
        if self._session is None:
            from tui_chat.services.chat_session import ChatSession

            self._session = ChatSession(await self.repository(), self.registry)
            if self.settings.tools.enabled or self.settings.mcp:
                from tui_chat.services.tools.runtime import ToolRuntime

                self._session.tools = ToolRuntime(self.settings, self._session.repository)
                self._session.tools.approver = self.tool_approver
                self._session.tools.on_problem = self.tool_problem
        return self._session

    async def conversations(self) -> ConversationService:
        """The conversation service: every operation on conversations and messages, for the TUI and the CLI."""
        if self._conversations is None:
            from tui_chat.services.conversations import ConversationService

            self._conversations = ConversationService(
                await self.repository(), await self.session(), self.settings.budget
            )
        return self._conversations

    def stop_database(self) -> None:
        """Stop the database thread if it is still running (after the app's loop has ended)."""
        if self._repository is not None:
            self._repository.database.connection.stop()
            self._repository = None

    async def aclose(self) -> None:
        """Close clients, the demo server, the MCP servers and the database."""
        if self._session is not None and self._session.tools is not None:
            await self._session.tools.aclose()
        await self.registry.aclose()
        if self._repository is not None:
            await self._repository.database.close()
            self._repository = None
