"""The reasoning-effort block of the conversation settings dialog (F2): a choice from default to high."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Label, Select

from tui_chat.services.reasoning import EFFORTS

DEFAULT = "default"
"""The choice that sends no effort at all, leaving the provider's own."""


def effort_fields(current: str | None) -> ComposeResult:
    """A label and a choice of effort, set to `current` (None: default)."""
    options = [(Content("default (the provider's own)"), DEFAULT)] + [(Content(effort), effort) for effort in EFFORTS]
    yield Label("Reasoning effort (for reasoning models: how long they think before answering)")
    yield Select(
        options, value=current if current in EFFORTS else DEFAULT, allow_blank=False, id="settings-reasoning-effort"
    )


def chosen_effort(select: Select[str]) -> str | None:
    """The effort chosen, None for the provider's default."""
    value = select.value
    return value if isinstance(value, str) and value in EFFORTS else None
