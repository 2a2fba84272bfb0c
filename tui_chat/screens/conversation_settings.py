"""Edit a conversation's system prompt, temperature and reply length limit, validated before saving."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tui_chat.core.conversation_settings import parse_max_tokens, parse_temperature
from tui_chat.core.text import one_line
from tui_chat.screens.budget_field import budget_block, read_budget


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    """What the modal returns: None for a number means the server's default."""

    system_prompt: str
    temperature: float | None
    max_tokens: int | None
    reasoning_effort: str | None = None
    budget: Decimal | None = None


class ConversationSettingsScreen(ModalScreen[ConversationSettings | None]):
    """The settings form; Ctrl+S or Save validates and returns them, Esc returns None."""

    DEFAULT_CSS = """
    ConversationSettingsScreen { align: center middle; }
    ConversationSettingsScreen > Vertical {
        width: 84; height: auto; max-height: 90%; padding: 1 2;
        background: $panel; border: thick $accent 50%;
    }
    ConversationSettingsScreen TextArea { height: 8; }
    ConversationSettingsScreen Label { margin-top: 1; color: $text-muted; }
    ConversationSettingsScreen #settings-errors { color: $text-error; height: auto; margin-top: 1; }
    ConversationSettingsScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConversationSettingsScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
    ]
    AUTO_FOCUS = "TextArea"

    def __init__(
        self,
        current: ConversationSettings,
        *,
        model: str,
        max_tokens_limit: int | None = None,
        presets: Mapping[str, str] | None = None,
        offer_effort: bool = False,
    ) -> None:
        super().__init__()
        self.offer_effort = offer_effort
        self.current = current
        self.model = model
        self.max_tokens_limit = max_tokens_limit
        self.presets = dict(presets or {})

    def compose(self) -> ComposeResult:
        current = self.current
        limit = f", at most {self.max_tokens_limit:,}" if self.max_tokens_limit else ""
        with Vertical():
            yield Static(Content(one_line(f"Conversation settings · {self.model}")), classes="settings-title")
            if self.presets:
                yield Label("Preset")
                yield Select(
                    [(Content(name), name) for name in self.presets], prompt="Choose a preset", id="settings-preset"
                )
            yield Label("System prompt")
            yield TextArea(current.system_prompt, id="settings-system-prompt")
            yield Label("Temperature (0–2, empty for the server's default)")
            yield Input("" if current.temperature is None else f"{current.temperature:g}", id="settings-temperature")
            yield Label(f"Max tokens per reply (empty for no limit{limit})")
            yield Input("" if current.max_tokens is None else str(current.max_tokens), id="settings-max-tokens")
            if self.offer_effort:
                from tui_chat.screens.reasoning_effort import effort_fields

                yield from effort_fields(current.reasoning_effort)
            yield from budget_block(current.budget)
            yield Static(id="settings-errors")
            with Horizontal():
                yield Button("Cancel", id="settings-cancel")
                yield Button("Save", variant="primary", id="settings-save")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value in self.presets:
            self.query_one(TextArea).load_text(self.presets[event.value])

    def validated(self) -> tuple[ConversationSettings | None, list[str]]:
        """The form's settings, or None and every problem found."""
        problems: list[str] = []
        temperature = max_tokens = None
        try:
            temperature = parse_temperature(self.query_one("#settings-temperature", Input).value)
        except ValueError as exc:
            problems.append(str(exc))
        try:
            max_tokens = parse_max_tokens(self.query_one("#settings-max-tokens", Input).value, self.max_tokens_limit)
        except ValueError as exc:
            problems.append(str(exc))
        budget = read_budget(self, problems)
        if problems:
            return None, problems
        prompt = self.query_one(TextArea).text
        effort = self.current.reasoning_effort
        if self.offer_effort:
            from tui_chat.screens.reasoning_effort import chosen_effort

            effort = chosen_effort(self.query_one("#settings-reasoning-effort", Select))
        return ConversationSettings(prompt, temperature, max_tokens, effort, budget), []

    def action_save(self) -> None:
        """Return the settings when they are valid; otherwise show what is wrong."""
        settings, problems = self.validated()
        errors = self.query_one("#settings-errors", Static)
        errors.update(Content("\n".join(problems)))
        if settings is not None:
            self.dismiss(settings)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "settings-save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()
