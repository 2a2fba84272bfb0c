"""The conversation list, confirm, settings, search, model picker and help, each in a tiny app with Pilot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList, TextArea

from tests.ui.pilot import wait_until
from tui_chat.core.models import Conversation, ConversationSummary, Role, SearchHit
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.screens.conversation_settings import ConversationSettings, ConversationSettingsScreen
from tui_chat.screens.help import HelpScreen, binding_rows
from tui_chat.screens.model_picker import ModelChoice, ModelPickerScreen
from tui_chat.screens.search import SearchScreen
from tui_chat.services.models_catalog import ModelInfo, ModelListing
from tui_chat.widgets.conversation_list import ConversationList

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def summary(
    conversation_id: int, title: str, model: str, cost: str, days_ago: int = 0, unpriced: int = 0
) -> ConversationSummary:
    moment = NOW - timedelta(days=days_ago)
    conversation = Conversation(conversation_id, title, "openai", model, created_at=moment, updated_at=moment)
    return ConversationSummary(conversation, 4, Decimal(cost), unpriced)


SUMMARIES = [
    summary(3, "Plan the [bold]trip[/bold] to Lisbon", "gpt-4o", "0.0123"),
    summary(2, "Rust lifetimes, explained", "gpt-4o-mini", "0.000456", days_ago=1),
    summary(1, "", "demo", "0", days_ago=40, unpriced=1),
]


class ListApp(App):
    """A conversation list alone, recording what it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[object] = []

    def compose(self) -> ComposeResult:
        yield ConversationList()

    def on_mount(self) -> None:
        conversation_list = self.query_one(ConversationList)
        conversation_list.show(SUMMARIES, current_id=2)
        conversation_list.focus()

    def on_conversation_list_selected(self, message) -> None:
        self.posted.append(("selected", message.conversation_id))

    def on_conversation_list_new_requested(self, message) -> None:
        self.posted.append(("new",))

    def on_conversation_list_rename_requested(self, message) -> None:
        self.posted.append(("rename", message.conversation_id))

    def on_conversation_list_archive_toggled(self, message) -> None:
        self.posted.append(("archive", message.conversation_id, message.archive))

    def on_conversation_list_archived_view_toggled(self, message) -> None:
        self.posted.append(("archived view",))

    def on_conversation_list_delete_requested(self, message) -> None:
        self.posted.append(("delete", message.conversation_id))


async def test_conversation_list_shows_titles_literally_and_posts_each_action() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        conversation_list = app.query_one(ConversationList)
        assert conversation_list.highlighted == 1
        first = conversation_list.get_option_at_index(0).prompt
        assert "[bold]trip[/bold]" in first.plain and "gpt-4o · " in first.plain and "$0.0123" in first.plain
        assert "(untitled)" in conversation_list.get_option_at_index(2).prompt.plain
        assert "$0.00+" in conversation_list.get_option_at_index(2).prompt.plain
        await pilot.press("enter", "r", "a", "d", "n", "up", "delete", "v")
        await pilot.pause()
    assert app.posted == [
        ("selected", 2),
        ("rename", 2),
        ("archive", 2, True),
        ("delete", 2),
        ("new",),
        ("delete", 3),
        ("archived view",),
    ]


class HostApp(App):
    """An empty app that pushes one modal and keeps its result."""

    BINDINGS = [Binding("ctrl+t", "noop", "Do nothing", id="host.noop")]

    def __init__(self, screen) -> None:
        super().__init__()
        self.modal = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)

    def action_noop(self) -> None:
        pass


async def test_confirm_answers_yes_only_when_asked() -> None:
    app = HostApp(ConfirmScreen("Delete “[red]x[/red]”?"))
    async with app.run_test() as pilot:
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [False]
    app = HostApp(ConfirmScreen("Delete it?"))
    async with app.run_test() as pilot:
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [True]


async def test_settings_validate_and_return_the_values() -> None:
    start = ConversationSettings("Be brief.", 0.7, None)
    modal = ConversationSettingsScreen(
        start, model="gpt-4o", max_tokens_limit=16384, presets={"Pirate": "Talk like a pirate."}
    )
    app = HostApp(modal)
    async with app.run_test(size=(100, 40)) as pilot:
        modal.query_one("#settings-temperature", Input).value = "2.5"
        modal.query_one("#settings-max-tokens", Input).value = "20000"
        await pilot.press("ctrl+s")
        errors = str(modal.query_one("#settings-errors").render())
        assert "Temperature must be from 0 to 2" in errors and "at most 16,384" in errors
        assert app.results == []
        modal.query_one("#settings-temperature", Input).value = "abc"
        modal.query_one("#settings-max-tokens", Input).value = "0"
        await pilot.press("ctrl+s")
        errors = str(modal.query_one("#settings-errors").render())
        assert "must be a number" in errors and "at least 1" in errors
        modal.query_one("#settings-temperature", Input).value = "0.2"
        modal.query_one("#settings-max-tokens", Input).value = "512"
        modal.query_one("#settings-preset").value = "Pirate"
        await pilot.pause()
        assert modal.query_one(TextArea).text == "Talk like a pirate."
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [ConversationSettings("Talk like a pirate.", 0.2, 512)]


async def test_settings_escape_returns_none_and_empty_means_server_default() -> None:
    modal = ConversationSettingsScreen(ConversationSettings("", None, None), model="demo")
    app = HostApp(modal)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


HITS = [
    SearchHit(7, 70, "Rust [b]lifetimes[/b]", Role.ASSISTANT, "borrow checker and lifetimes", ((20, 29),), NOW),
    SearchHit(3, 31, "Lisbon", Role.USER, "lifetimes of trams", ((0, 9),), NOW),
]


async def test_search_queries_as_you_type_and_returns_the_chosen_match() -> None:
    asked: list[str] = []

    async def search(text: str):
        asked.append(text)
        return HITS if "life" in text else []

    modal = SearchScreen(search)
    app = HostApp(modal)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"zzz")
        await wait_until(pilot, lambda: asked and "No matches" in str(modal.query_one("#search-status").render()))
        modal.query_one(Input).value = ""
        await pilot.press(*"life")
        results = modal.query_one(OptionList)
        await wait_until(pilot, lambda: results.option_count == 2)
        assert asked[-1] == "life" and len(asked) <= 3
        assert "[b]lifetimes[/b]" in results.get_option_at_index(0).prompt.plain
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.results == [(3, 31)]


MODELS = [
    ModelInfo("gpt-4o", 128_000, Decimal("2.5"), Decimal("10"), "endpoint"),
    ModelInfo("gpt-4o-mini", 128_000, Decimal("0.15"), Decimal("0.6"), "endpoint"),
    ModelInfo("o3-mini", 200_000, Decimal("1.1"), Decimal("4.4"), "endpoint"),
    ModelInfo("my-finetune", None, None, None, "recently used"),
]


async def test_model_picker_filters_fuzzily_and_returns_the_choice() -> None:
    async def load():
        yield ModelListing("openai", MODELS)

    modal = ModelPickerScreen(load, provider="openai", current_model="gpt-4o-mini")
    app = HostApp(modal)
    async with app.run_test(size=(100, 30)) as pilot:
        options = modal.query_one(OptionList)
        await wait_until(pilot, lambda: options.option_count == 5)
        assert options.get_option_at_index(0).prompt.plain == "openai" and options.get_option_at_index(0).disabled
        assert options.highlighted == 2
        assert "128,000 ctx · in $0.15 · out $0.6 /M" in options.get_option_at_index(2).prompt.plain
        assert "ctx ? · in ? · out ? /M · recently used" in options.get_option_at_index(4).prompt.plain
        await pilot.press(*"o3m")
        assert modal.shown[0] == ModelChoice("openai", "o3-mini")
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [ModelChoice("openai", "o3-mini")]


async def test_model_picker_shows_the_failure_and_accepts_a_typed_id() -> None:
    async def load():
        yield ModelListing("openai", MODELS[3:], failure="Cannot reach the server")

    modal = ModelPickerScreen(load, provider="openai", current_model="my-finetune")
    app = HostApp(modal)
    async with app.run_test(size=(100, 30)) as pilot:
        options = modal.query_one(OptionList)
        await wait_until(pilot, lambda: options.option_count == 2)
        assert "Cannot reach the server" in options.get_option_at_index(0).prompt.plain
        await pilot.press(*"zzz-custom", "enter")
        await pilot.pause()
    assert app.results == [ModelChoice("openai", "zzz-custom")]


async def test_model_picker_groups_providers_in_order_and_leaves_out_local_ones_not_running() -> None:
    async def load():
        yield ModelListing("groq", [ModelInfo("llama-3.3-70b", 131_072, Decimal("0.59"), Decimal("0.79"), "endpoint")])
        yield ModelListing(
            "ollama", [ModelInfo("llama3.2", None, None, None, "configured")], "Cannot reach", not_running=True
        )
        yield ModelListing("demo", [ModelInfo("demo", None, Decimal(0), Decimal(0), "endpoint")])

    modal = ModelPickerScreen(load, provider="demo", current_model="demo", provider_order=["demo", "ollama", "groq"])
    app = HostApp(modal)
    async with app.run_test(size=(100, 30)) as pilot:
        options = modal.query_one(OptionList)
        await wait_until(
            pilot,
            lambda: (
                modal.query_one("#picker-note").display and "ollama" in str(modal.query_one("#picker-note").render())
            ),
        )
        headings = [
            options.get_option_at_index(i).prompt.plain
            for i in range(options.option_count)
            if options.get_option_at_index(i).disabled
        ]
        assert headings == ["demo", "groq"]
        assert "Not running: ollama." in str(modal.query_one("#picker-note").render())
        assert options.highlighted == 1
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.results == [ModelChoice("groq", "llama-3.3-70b")]


async def test_help_lists_the_bindings_of_the_screen_below_with_the_keymap_applied() -> None:
    app = HostApp(HelpScreen())
    app.set_keymap({"host.noop": "ctrl+y"})
    async with app.run_test(size=(100, 30)) as pilot:
        rows = binding_rows(app.screen_stack[0])
        noop = next(row for row in rows if row.binding_id == "host.noop")
        assert noop.keys == "^y" and noop.description == "Do nothing"
        assert len(app.screen.query(".help-row")) == len(rows)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
