"""Screenshots of the conversation list and the model picker in the tui-chat-dark theme."""

from __future__ import annotations

from decimal import Decimal

from textual.app import App, ComposeResult
from textual.widgets import OptionList, Static

from tests.ui.pilot import wait_until
from tests.ui.test_conversation_widgets import MODELS, SUMMARIES
from tui_chat.screens.model_picker import ModelPickerScreen
from tui_chat.services.models_catalog import ModelInfo, ModelListing
from tui_chat.theming import DEFAULT_THEME, load_themes
from tui_chat.widgets.conversation_list import ConversationList


class ThemedApp(App):
    """A bare app in the default tui-chat theme."""

    def __init__(self) -> None:
        super().__init__()
        for theme in load_themes(None)[0]:
            self.register_theme(theme)
        self.theme = DEFAULT_THEME


class ListSnapshotApp(ThemedApp):
    CSS = "Horizontal { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield ConversationList()
        yield Static("chat pane")

    def on_mount(self) -> None:
        self.query_one(ConversationList).show(SUMMARIES, current_id=2)
        self.query_one(ConversationList).focus()


class PickerSnapshotApp(ThemedApp):
    def on_mount(self) -> None:
        async def load():
            yield ModelListing("openai", MODELS, failure="Cannot reach the server: connection refused")
            yield ModelListing("demo", [ModelInfo("demo", None, Decimal(0), Decimal(0), "endpoint")])

        self.push_screen(
            ModelPickerScreen(load, provider="openai", current_model="gpt-4o-mini", provider_order=["demo"])
        )


def test_conversation_list(snap_compare) -> None:
    """You should see three conversations newest first, each with its title on one line (the first shows
    "[bold]trip[/bold]" literally) and model · date · cost below; the second, "Rust lifetimes, explained",
    is highlighted; the untitled one shows "(untitled)" and a cost of "$0.00+"."""
    assert snap_compare(ListSnapshotApp(), terminal_size=(70, 14))


def test_model_picker(snap_compare) -> None:
    """You should see the model picker over the app: a filter box, then two groups. The "openai" heading
    says the server could not be reached and that configured and recent models are shown; below it four
    models with context windows and per-million prices, gpt-4o-mini marked ● and highlighted, my-finetune
    with "ctx ? · in ? · out ? /M · recently used". Then the "demo" heading and its free demo model."""

    async def run_before(pilot) -> None:
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.query_one(OptionList).option_count == 7)
        await wait_until(pilot, lambda: not screen.query_one("#picker-note").display)
        screen.query_one("#picker-filter").cursor_blink = False
        await pilot.pause()

    assert snap_compare(PickerSnapshotApp(), terminal_size=(100, 30), run_before=run_before)
