"""Pick a model: every usable provider's list, grouped, with context windows and prices, fuzzy-filtered as you type."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
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

LoadModels = Callable[[], AsyncIterator["ModelListing"]]
"""Yields one listing per usable provider, in any order, as each arrives."""


@dataclass(frozen=True)
class ModelChoice:
    """A model and the provider that serves it."""

    provider: str
    model: str


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


class ModelPickerScreen(ModalScreen[ModelChoice | None]):
    """Dismisses with the chosen provider and model (or a typed model id for the current provider), or None on Esc."""

    DEFAULT_CSS = """
    ModelPickerScreen { align: center middle; }
    ModelPickerScreen > Vertical {
        width: 80; height: 80%; padding: 0 1;
        background: $panel; border: thick $accent 50%;
    }
    ModelPickerScreen #picker-title { text-style: bold; padding: 0 1; }
    ModelPickerScreen #picker-note { color: $text-warning; padding: 0 1; height: auto; }
    ModelPickerScreen OptionList { height: 1fr; border: none; background: $panel; }
    ModelPickerScreen OptionList > .option-list--option-disabled { color: $text-accent; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel", id="model_picker.cancel"),
        Binding("down", "cursor_down", "Next", show=False, id="model_picker.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="model_picker.up"),
    ]
    AUTO_FOCUS = "Input"

    def __init__(
        self, load_models: LoadModels, *, provider: str, current_model: str, provider_order: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.load_models = load_models
        self.provider = provider
        self.current_model = current_model
        self.provider_order = [provider, *(name for name in provider_order if name != provider)]
        self.listings: dict[str, ModelListing] = {}
        self.rows: list[ModelChoice | None] = []
        """What each option of the list stands for; None for a provider's heading."""
        self._default_highlight: ModelChoice | None = None

    @property
    def models(self) -> list[ModelInfo]:
        """Every model listed so far, of every provider."""
        return [model for listing in self.listings.values() for model in listing.models]

    @property
    def shown(self) -> list[ModelChoice]:
        """The models shown now, in list order."""
        return [row for row in self.rows if row is not None]

    def compose(self) -> ComposeResult:
        with Vertical():
            title = f"Model (now {self.provider} · {self.current_model})"
            yield Static(Content(one_line(title)), id="picker-title")
            yield Input(placeholder="Filter models, or type any model id and press Enter", id="picker-filter")
            yield Static(Content("Loading models…"), id="picker-note")
            yield OptionList(id="picker-models")

    def on_mount(self) -> None:
        self.call_after_refresh(self.load)

    @work(exclusive=True, group="models", exit_on_error=False)
    async def load(self) -> None:
        """Show each provider's models as they arrive; one that cannot list them shows configured ones."""
        note = self.query_one("#picker-note", Static)
        try:
            async for listing in self.load_models():
                self.listings[listing.provider] = listing
                self.refilter(keep_highlight=True)
        except Exception as exc:  # the loader should not raise, but a picker must never crash the app
            note.update(Content(one_line(f"Could not list models: {exc}")))
            return
        asleep = sorted(name for name, listing in self.listings.items() if self._hidden(listing))
        note.update(Content(one_line(f"Not running: {', '.join(asleep)}.") if asleep else ""))
        note.display = bool(asleep)

    def _hidden(self, listing: ModelListing) -> bool:
        """A local provider that is not running is left out, unless it is the one in use."""
        return listing.not_running and listing.provider != self.provider

    def _ordered_listings(self) -> list[ModelListing]:
        order = {name: index for index, name in enumerate(self.provider_order)}
        listings = [listing for listing in self.listings.values() if not self._hidden(listing)]
        return sorted(listings, key=lambda listing: order.get(listing.provider, len(order)))

    def refilter(self, *, keep_highlight: bool = False) -> None:
        """Show the models matching the filter, grouped by provider; the current one highlighted when shown."""
        options = self.query_one("#picker-models", OptionList)
        before = self.rows[options.highlighted] if keep_highlight and options.highlighted is not None else None
        if before == self._default_highlight:
            before = None  # not the reader's choice: the current model may have arrived since
        query = self.query_one(Input).value
        rows: list[ModelChoice | None] = []
        prompts: list[Option] = []
        for listing in self._ordered_listings():
            matches = filter_models(listing.models, query)
            if not matches and query.strip():
                continue
            heading = listing.provider + (
                f" · {listing.failure}; showing configured and recent models" if listing.failure else ""
            )
            rows.append(None)
            prompts.append(Option(Content(one_line(heading)), disabled=True))
            for model, label in matches:
                is_current = listing.provider == self.provider and model.id == self.current_model
                rows.append(ModelChoice(listing.provider, model.id))
                prompts.append(
                    Option(Content.assemble(label, ("  ●" if is_current else ""), "\n", (model_details(model), "dim")))
                )
        self.rows = rows
        options.set_options(prompts)
        current = ModelChoice(self.provider, self.current_model)
        wanted = before if before is not None and before in rows else (None if query.strip() else current)
        if wanted is not None and wanted in rows:
            options.highlighted = rows.index(wanted)
        elif self.shown:
            options.highlighted = rows.index(self.shown[0])
        if before is None and options.highlighted is not None:
            self._default_highlight = rows[options.highlighted]

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one("#picker-models", OptionList).highlighted
        if highlighted is not None and self.rows[highlighted] is not None:
            self.dismiss(self.rows[highlighted])
        elif event.value.strip():
            self.dismiss(ModelChoice(self.provider, event.value.strip()))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = self.rows[event.option_index]
        if choice is not None:
            self.dismiss(choice)

    def action_cursor_down(self) -> None:
        """Move the highlight down while typing in the filter."""
        self.query_one("#picker-models", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Move the highlight up while typing in the filter."""
        self.query_one("#picker-models", OptionList).action_cursor_up()

    def action_dismiss_none(self) -> None:
        """Close without changing the model."""
        self.dismiss(None)
