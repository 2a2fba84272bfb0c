"""F1 help: every binding of the screen underneath, with the keys as they are now (keymap applied).

Each binding is a row of its own whose description wraps, so keys, descriptions and ids stay whole at any width.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingsMap
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

KEYS_WIDTH_LIMIT = 22
"""Most columns the keys take beside the description; longer key lists wrap within them."""


@dataclass(frozen=True, slots=True)
class BindingRow:
    """One action of the help table: its keys, what it does and its id for [keymap]."""

    keys: str
    description: str
    binding_id: str


def binding_rows(screen: Screen) -> list[BindingRow]:
    """The screen's active bindings grouped by action, keys shown as the app displays them."""
    app = screen.app
    by_action: dict[tuple[str, str], tuple[list[str], Binding]] = {}
    active: dict[str, ActiveBinding] = screen.active_bindings
    for key, found in active.items():
        binding = found.binding
        if binding.system:
            continue
        identity = (binding.id or "", binding.action)
        keys, _ = by_action.setdefault(identity, ([], binding))
        display = app.get_key_display(binding.with_key(key))
        if display not in keys:
            keys.append(display)
    rows = [
        BindingRow(", ".join(keys), binding.description or binding.action, binding.id or "")
        for keys, binding in by_action.values()
    ]
    shown = {row.binding_id for row in rows if row.binding_id}
    for widget_class, note in getattr(screen, "HELP_SECTIONS", ()):
        rows += [row for row in widget_binding_rows(screen, widget_class, note) if row.binding_id not in shown]
    return sorted(rows, key=lambda row: (row.binding_id == "", row.binding_id, row.description))


def widget_binding_rows(screen: Screen, widget_class: type[DOMNode], note: str) -> list[BindingRow]:
    """The bindings a kind of widget has when focused, keymap applied, each description followed by `note`."""
    app = screen.app
    bindings = BindingsMap(widget_class.BINDINGS)
    keymap = getattr(app, "_keymap", None)
    if keymap:
        bindings.apply_keymap(keymap)
    by_id: dict[str, tuple[list[str], Binding]] = {}
    for key, binding in bindings:
        keys, _ = by_id.setdefault(binding.id or binding.action, ([], binding))
        display = app.get_key_display(binding.with_key(key))
        if display not in keys:
            keys.append(display)
    return [
        BindingRow(", ".join(keys), f"{binding.description or binding.action} ({note})", binding.id or "")
        for keys, binding in by_id.values()
    ]


def row_table(row: BindingRow, keys_width: int) -> Table:
    """One binding as two columns: its keys, then its description with its id on a dim line below; all literal text."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(width=keys_width)
    table.add_column(ratio=1)
    action = Text(row.description)
    if row.binding_id:
        action.append("\n")
        action.append(row.binding_id, style="dim")
    table.add_row(Text(row.keys, style="bold"), action)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the screen it was opened over; any of Esc, F1 or q closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 100%; max-width: 110; height: 90%; padding: 0 1;
        background: $panel; border: thick $accent 50%;
    }
    HelpScreen #help-title { text-style: bold; padding: 0 1; }
    HelpScreen #help-hint { color: $text-muted; padding: 0 1; }
    HelpScreen #help-bindings { height: 1fr; padding: 0 1; }
    HelpScreen .help-row:odd { background: $boost; }
    """

    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help.close")]

    def __init__(self, source: Screen | None = None) -> None:
        super().__init__()
        self.source = source
        self.rows: list[BindingRow] = []
        """The bindings listed, in order."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Keys", id="help-title")
            yield VerticalScroll(id="help-bindings")
            yield Static(
                Content('Change a key in config.toml under [keymap], e.g. "chat.new" = "ctrl+t"'), id="help-hint"
            )

    def on_mount(self) -> None:
        source = self.source
        if source is None:
            stack = self.app.screen_stack
            source = stack[-2] if len(stack) > 1 else stack[-1]
        self.rows = binding_rows(source)
        keys_width = min(max((len(row.keys) for row in self.rows), default=1), KEYS_WIDTH_LIMIT)
        listing = self.query_one("#help-bindings", VerticalScroll)
        listing.mount_all(Static(row_table(row, keys_width), classes="help-row") for row in self.rows)
        listing.focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
