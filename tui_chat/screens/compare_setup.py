"""Set up a comparison: pick 2 to 4 models from the usable providers, and whether names stay hidden until a pick."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, SelectionList, Static

from tui_chat.core.text import one_line

MIN_MODELS = 2
MAX_MODELS = 4


@dataclass(frozen=True, slots=True)
class CompareRequest:
    """The models chosen, as `provider/model`, in list order, and whether the comparison is blind."""

    models: list[str]
    blind: bool


class CompareSetupScreen(ModalScreen[CompareRequest | None]):
    """Dismisses with the models and the blind switch, or None on Esc."""

    DEFAULT_CSS = """
    CompareSetupScreen { align: center middle; }
    CompareSetupScreen > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 90%; padding: 0 1;
        background: $panel; border: thick $accent 50%;
    }
    CompareSetupScreen #compare-setup-title { text-style: bold; padding: 0 1; }
    CompareSetupScreen #compare-setup-prompt { color: $text-muted; padding: 0 1; height: auto; max-height: 2; }
    CompareSetupScreen SelectionList { height: auto; max-height: 14; }
    CompareSetupScreen Button { width: 100%; }
    """

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="compare_setup.cancel"),
        Binding("f6", "start", "Compare", priority=True, id="compare_setup.start"),
    ]
    AUTO_FOCUS = "SelectionList"

    def __init__(self, prompt: str, models: Sequence[str], chosen: Sequence[str] = ()) -> None:
        super().__init__()
        self.prompt = prompt
        self.models = list(dict.fromkeys(models))
        self.chosen = [model for model in chosen if model in self.models][:MAX_MODELS]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content("Compare models: space picks 2 to 4, F6 or the button sends"), id="compare-setup-title"
            )
            yield Static(Content(one_line(f"> {self.prompt}")), id="compare-setup-prompt")
            yield SelectionList[str](
                *((Content(one_line(model)), model, model in self.chosen) for model in self.models),
                id="compare-models",
            )
            yield Input(placeholder="Another model: provider/model, then Enter", id="compare-extra")
            yield Checkbox("Blind: hide the names until I pick", id="compare-blind")
            yield Button("Compare", variant="primary", id="compare-start")

    @on(Input.Submitted, "#compare-extra")
    def _add_model(self, event: Input.Submitted) -> None:
        """Add a typed `provider/model` to the list, chosen."""
        model = event.value.strip()
        event.input.clear()
        if "/" not in model.strip("/"):
            self.notify("Type it as provider/model, e.g. openai/gpt-4o-mini.", markup=False)
            return
        selection = self.query_one(SelectionList)
        if model not in self.models:
            self.models.append(model)
            selection.add_option((Content(one_line(model)), model))
        selection.select(model)

    @on(Button.Pressed, "#compare-start")
    def _start_pressed(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        """Send, when 2 to 4 models are chosen."""
        chosen = [model for model in self.models if model in self.query_one(SelectionList).selected]
        if not MIN_MODELS <= len(chosen) <= MAX_MODELS:
            self.notify(f"Choose {MIN_MODELS} to {MAX_MODELS} models ({len(chosen)} chosen).", markup=False)
            return
        self.dismiss(CompareRequest(chosen, self.query_one(Checkbox).value))
