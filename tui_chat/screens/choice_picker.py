"""Pick one item of a short list (a preset, a code block), fuzzy-filtered as you type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.core.text import strip_control

DETAIL_WIDTH = 70
"""Characters of an item's detail line shown under its label."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One item: a label to match and show, and a dim line of detail under it."""

    label: str
    detail: str = ""


def first_line(text: str, width: int = DETAIL_WIDTH) -> str:
    """The first non-blank line of a text, control characters removed, cut to `width` characters."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    line = strip_control(line)
    return line if len(line) <= width else line[: width - 1] + "…"


def filter_choices(choices: Sequence[Choice], query: str) -> list[tuple[int, Content]]:
    """Indexes of the choices whose label matches `query` fuzzily, best first, with highlighted labels."""
    if not query.strip():
        return [(index, Content(choice.label)) for index, choice in enumerate(choices)]
    matcher = Matcher(query.strip())
    scored = [(matcher.match(choice.label), index) for index, choice in enumerate(choices)]
    ranked = sorted((item for item in scored if item[0] > 0), key=lambda item: (-item[0], item[1]))
    return [(index, matcher.highlight(choices[index].label)) for _, index in ranked]


class ChoicePickerScreen(ModalScreen[int | None]):
    """Dismisses with the index of the chosen item, or None on Esc."""

    DEFAULT_CSS = """
    ChoicePickerScreen { align: center middle; }
    ChoicePickerScreen > Vertical {
        width: 80; height: auto; max-height: 80%; padding: 0 1;
        background: $panel; border: thick $accent 50%;
    }
    ChoicePickerScreen #choice-title { text-style: bold; padding: 0 1; }
    ChoicePickerScreen OptionList { height: auto; max-height: 20; border: none; background: $panel; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "cursor_down", "Next", show=False, id="picker.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="picker.up"),
    ]
    AUTO_FOCUS = "Input"

    def __init__(self, title: str, choices: Sequence[Choice], *, placeholder: str = "Type to filter") -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.placeholder = placeholder
        self.shown: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="choice-title")
            yield Input(placeholder=self.placeholder, id="choice-filter")
            yield OptionList(id="choice-options")

    def on_mount(self) -> None:
        self.refilter()

    def refilter(self) -> None:
        """Show the items matching the filter text, the best one highlighted."""
        options = self.query_one(OptionList)
        matches = filter_choices(self.choices, self.query_one(Input).value)
        self.shown = [index for index, _ in matches]
        options.set_options(Option(self._prompt(index, label)) for index, label in matches)
        if self.shown:
            options.highlighted = 0

    def _prompt(self, index: int, label: Content) -> Content:
        detail = self.choices[index].detail
        return Content.assemble(label, "\n", (detail, "dim")) if detail else label

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and self.shown:
            self.dismiss(self.shown[highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    def action_cursor_down(self) -> None:
        """Move the highlight down while typing in the filter."""
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Move the highlight up while typing in the filter."""
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)
