"""Where tui-chat keeps its files: one place, platformdirs, XDG variables honoured."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "tui-chat"


@dataclass(frozen=True)
class AppPaths:
    """The directories and files the app reads and writes."""

    config_dir: Path
    data_dir: Path
    state_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        """The per-user locations for this platform."""
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            state_dir=Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)),
        )

    @property
    def config_file(self) -> Path:
        """The user's settings file."""
        return self.config_dir / "config.toml"

    @property
    def database(self) -> Path:
        """The SQLite file holding conversations and usage."""
        return self.data_dir / "tui-chat.db"

    @property
    def user_themes_dir(self) -> Path:
        """Where users drop their own theme files."""
        return self.config_dir / "themes"

    @property
    def log_file(self) -> Path:
        """The debug log, written only when debugging is on."""
        return self.state_dir / "tui-chat.log"


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by its owner, and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path
