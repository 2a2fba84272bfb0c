"""The chat screen's shape holds: one Screen class, no storage calls from the UI, modules that stay readable."""

from __future__ import annotations

import re
from pathlib import Path

from textual.screen import Screen

from tui_chat.screens.chat import ChatScreen

PACKAGE = Path(__file__).resolve().parents[2] / "tui_chat"
MODULE_LIMIT = 400
"""Lines a module may have."""


def test_chat_screen_is_one_class_on_textuals_screen() -> None:
    assert ChatScreen.__mro__[1] is Screen


def test_the_ui_never_calls_the_repository() -> None:
    calls = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for folder in ("screens", "widgets")
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"repository\.", line)
    ]
    assert calls == []


def test_no_handler_mixins_typed_by_their_host() -> None:
    hits = [path.name for path in sorted((PACKAGE / "screens").glob("*.py")) if "self: ChatScreen" in path.read_text()]
    assert hits == []


def test_every_module_stays_under_the_limit() -> None:
    paths = sorted(PACKAGE.rglob("*.py"))
    too_long = {path.name: count for path in paths if (count := len(path.read_text().splitlines())) > MODULE_LIMIT}
    assert too_long == {}
