"""Pick a model: the provider's list with context windows and prices, fuzzy-filtered as you type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.core.text import one_line

if TYPE_CHECKING:
    from tui_chat.services.models_catalog import ModelInfo, ModelListing

LoadModels = Callable[[], Awaitable["ModelListing"]]


def per_million(price: Decimal | None) -> str:
    """A price per million tokens, exact, or ? when unknown."""
    if price is None:
        return "?"
    return f"${price.normalize():f}" if price else "free"


def model_details(model: ModelInfo) -> str:
    """Context window and prices of a model on one line."""
    window = f"{model.context_window:,} ctx" if model.context_window else "ctx ?"
    prices = f"in {per_million(model.input_per_mtok)} · out {per_million(model.output_per_mtok)} /M"
    note = "" if model.source == "endpoint" else f" · {model.source}"
    return f"{window} · {prices}{note}"


def filter_models(models: list[ModelInfo], query: str) -> list[tuple[ModelInfo, Content]]:
    """The models matching `query` fuzzily, best first, each with its highlighted id."""
    if not query.strip():
        return [(model, Content(one_line(model.id))) for model in models]
    matcher = Matcher(query.strip())
    scored = [(matcher.match(model.id), index, model) for index, model in enumerate(models)]
    ranked = sorted((item for item in scored if item[0] > 0), key=lambda item: (-item[0], item[1]))
    return [(model, matcher.highlight(one_line(model.id))) for _, _, model in ranked]


class ModelPickerScreen(ModalScreen[str | None]):
    """Dismisses with the chosen model id (or a typed one), or None on Esc."""

    DEFAULT_CSS = """
    ModelPickerScreen { align: center middle; }
    ModelPickerScreen > Vertical {
        width: 80; height: 80%; padding: 0 1;
        background: $panel; border: thick $accent 50%;
    }
    ModelPickerScreen #picker-title { text-style: bold; padding: 0 1; }
    ModelPickerScreen #picker-note { color: $text-warning; padding: 0 1; height: auto; }
    ModelPickerScreen OptionList { height: 1fr; border: none; background: $panel; }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel", id="model_picker.cancel"),
        Binding("down", "cursor_down", "Next", show=False, id="model_picker.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="model_picker.up"),
    ]
    AUTO_FOCUS = "Input"

    def __init__(self, load_models: LoadModels, *, provider: str, current_model: str) -> None:
        super().__init__()
        self.load_models = load_models
        self.provider = provider
        self.current_model = current_model
        self.models: list[ModelInfo] = []
        self.shown: list[ModelInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(one_line(f"Model for {self.provider} (now {self.current_model})")), id="picker-title")
            yield Input(placeholder="Filter models, or type any model id and press Enter", id="picker-filter")
            yield Static(Content("Loading models…"), id="picker-note")
            yield OptionList(id="picker-models")

    def on_mount(self) -> None:
        self.call_after_refresh(self.load)

    @work(exclusive=True, group="models", exit_on_error=False)
    async def load(self) -> None:
        """Fetch the models once; the list stays usable with configured ones if the endpoint fails."""
        note = self.query_one("#picker-note", Static)
        try:
            listing = await self.load_models()
        except Exception as exc:  # the loader should not raise, but a picker must never crash the app
            note.update(Content(one_line(f"Could not list models: {exc}")))
            return
        self.models = list(listing.models)
        note.update(Content(one_line(f"Endpoint could not list models ({listing.failure}); showing configured and recent ones.")
                            if listing.failure else ""))
        note.display = bool(listing.failure)
        self.refilter()

    def refilter(self) -> None:
        """Show the models matching the filter text, the current one highlighted when it is shown."""
        options = self.query_one("#picker-models", OptionList)
        matches = filter_models(self.models, self.query_one(Input).value)
        self.shown = [model for model, _ in matches]
        options.set_options(
            Option(Content.assemble(label, ("  ●" if model.id == self.current_model else ""), "\n",
                                    (model_details(model), "dim")), id=model.id)
            for model, label in matches
        )
        if self.shown:
            ids = [model.id for model in self.shown]
            filtering = bool(self.query_one(Input).value.strip())
            options.highlighted = 0 if filtering or self.current_model not in ids else ids.index(self.current_model)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#picker-models", OptionList)
        if options.highlighted is not None and self.shown:
            self.dismiss(self.shown[options.highlighted].id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cursor_down(self) -> None:
        """Move the highlight down while typing in the filter."""
        self.query_one("#picker-models", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Move the highlight up while typing in the filter."""
        self.query_one("#picker-models", OptionList).action_cursor_up()

    def action_dismiss_none(self) -> None:
        """Close without changing the model."""
        self.dismiss(None)
