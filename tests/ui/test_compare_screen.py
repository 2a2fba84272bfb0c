"""Compare mode as a person uses it: F6, choose models, watch them stream, stop them, pick one (blind or not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import DataTable, SelectionList, TabbedContent

from tests.loopback import LoopbackServer, Script
from tests.ui.pilot import modal, prompt_ready, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.compare import CompareScreen
from tui_chat.screens.compare_setup import CompareSetupScreen
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.screens.usage import UsageScreen
from tui_chat.widgets.compare_column import CompareColumn

NAMES = ("fast", "slow", "broken")


@pytest.fixture
def budget() -> str:
    """Extra config.toml text; a test overrides it to set a budget."""
    return ""


@pytest.fixture
def servers(app_paths, budget) -> Iterator[dict[str, LoopbackServer]]:
    """Three loopback servers, each a provider of its own in config.toml, with prices for the first two."""
    started = {name: LoopbackServer(tokens_per_second={f"{name}-model": None}) for name in NAMES}
    for server in started.values():
        server.start()
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        "".join(
            f'[providers.{name}]\nbase_url = "{server.base_url}"\nneeds_key = false\ndefault_model = "{name}-model"\n'
            for name, server in started.items()
        )
        + '[prices."fast-model"]\ninput = "1"\noutput = "2"\n[prices."slow-model"]\ninput = "3"\noutput = "4"\n'
        + budget
    )
    yield started
    for server in started.values():
        server.stop()


async def open_compare(pilot, prompt: str, extra: list[str], *, blind: bool = False) -> CompareScreen:
    """Type the prompt, press F6, add models by name, maybe switch blind on, and send."""
    box = await prompt_ready(pilot)
    box.focus()
    box.load_text(prompt)
    await pilot.press("f6")
    setup = await modal(pilot, CompareSetupScreen)
    await wait_until(pilot, lambda: "fast/fast-model" in setup.query_one(SelectionList).selected)
    for model in extra:
        setup.query_one("#compare-extra").focus()
        await pilot.press(*model, "enter")
    if blind:
        await pilot.click("#compare-blind")
    await pilot.press("f6")
    return await modal(pilot, CompareScreen)


def column_text(screen: CompareScreen, index: int, part: str) -> str:
    """What a column shows in that part; the reply text is drawn paragraph by paragraph."""
    blocks = screen.query_one(f"#compare-column-{index}").query(f".compare-{part}")
    return "\n\n".join(str(block.render()) for block in blocks)


async def test_compare_three_models_and_pick_one(servers, make_services) -> None:
    servers["fast"].enqueue(Script(text="[bold]fast[/bold] reply", usage={"prompt_tokens": 10, "completion_tokens": 5}))
    servers["slow"].enqueue(Script(text="slow reply", usage={"prompt_tokens": 10, "completion_tokens": 3}))
    servers["broken"].enqueue(Script(status=400))
    app = ChatApp(make_services(provider="fast", model="fast-model"))
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_compare(pilot, "Which one?", ["slow/slow-model", "broken/broken-model"])
        await wait_until(pilot, lambda: not screen.running)
        await pilot.pause(0.2)
        assert len(screen.query(CompareColumn)) == 3
        assert "1 · fast/fast-model" in column_text(screen, 0, "title")
        assert column_text(screen, 0, "text") == "[bold]fast[/bold] reply"
        assert "10 → 5 tok" in column_text(screen, 0, "figures") and "$0.00002" in column_text(screen, 0, "figures")
        assert column_text(screen, 2, "status").startswith("failed: ")
        assert not screen.query_one("#columns").has_class("-stacked")
        assert screen.query_one("#compare-column-2").has_class("-failed")
        await pilot.press("3")  # the failed one cannot be picked
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("2")
        chat = await modal(pilot, ChatScreen)
        await wait_until(pilot, lambda: chat.conversation is not None and chat.conversation.model == "slow-model")
        conversations = await chat.conversations()
        shown = await conversations.messages(chat.conversation.id)
        assert [m.content for m in shown] == ["Which one?", "slow reply"]
        assert chat.query_one("#prompt").text == ""

        await pilot.press("f5")  # the usage screen's comparisons tab: picks per model and the requests
        usage = await modal(pilot, UsageScreen)
        usage.query_one(TabbedContent).active = "tab-comparisons"
        picks = usage.query_one("#comparison-picks", DataTable)
        await wait_until(pilot, lambda: picks.row_count == 3)
        rows = {str(picks.get_row_at(n)[0]): [str(cell) for cell in picks.get_row_at(n)] for n in range(3)}
        assert rows["slow-model"][2:] == ["1", "1", "100%"] and rows["fast-model"][2:] == ["1", "0", "0%"]
        requests = usage.query_one("#comparison-requests", DataTable)
        assert requests.row_count == 3
        picked = [str(requests.get_row_at(n)[2]) for n in range(3) if str(requests.get_row_at(n)[-1]) == "✓"]
        assert picked == ["slow/slow-model"]


async def test_blind_mode_hides_names_until_the_pick(servers, make_services) -> None:
    servers["fast"].enqueue(Script(text="one \x1b[2J\x1b]0;pwned\x07 [red]x[/red]"))
    servers["slow"].enqueue(Script(text="two"))
    app = ChatApp(make_services(provider="fast", model="fast-model"))
    async with app.run_test(size=(90, 40)) as pilot:
        screen = await open_compare(pilot, "Blind test", ["slow/slow-model"], blind=True)
        await wait_until(pilot, lambda: not screen.running)
        await pilot.pause(0.2)
        titles = [column_text(screen, index, "title") for index in range(2)]
        assert titles == ["1 · Model A", "2 · Model B"]
        assert not any("fast" in title or "slow" in title for title in titles)
        assert screen.query_one("#columns").has_class("-stacked")  # 90 columns: stacked
        assert all(column.size.height >= 12 for column in screen.query(CompareColumn))  # room for the text
        shown = column_text(screen, 0, "text")  # server text: escapes made visible, markup left as text
        assert "\x1b" not in shown and "\x07" not in shown and "␛[2J" in shown and "[red]x[/red]" in shown
        await pilot.press("1")
        await modal(pilot, ChatScreen)
        assert any("Model A was fast/fast-model" in str(n.message) for n in app._notifications)


async def test_escape_stops_every_reply_keeping_what_arrived(servers, make_services) -> None:
    servers["fast"].enqueue(Script(text="done quickly"))
    servers["slow"].enqueue(Script(text="word " * 300, stall_after=5, stall_seconds=30))
    app = ChatApp(make_services(provider="fast", model="fast-model"))
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_compare(pilot, "Stop it", ["slow/slow-model"])
        await wait_until(pilot, lambda: column_text(screen, 1, "text").startswith("word word"))
        await wait_until(pilot, lambda: screen.comparison.panes[0].outcome is not None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.running)
        await pilot.pause(0.2)
        assert column_text(screen, 1, "status") == "cancelled"
        assert column_text(screen, 0, "status") == "complete"
        kept = screen.comparison.panes[1]
        assert kept.reply is not None and kept.reply.content.startswith("word word")
        assert kept.outcome.record is not None and kept.outcome.record.status == "cancelled"
        await pilot.press("escape")  # nothing streams now: close without picking
        chat = await modal(pilot, ChatScreen)
        await wait_until(pilot, lambda: chat.conversation is not None)
        shown = await (await chat.conversations()).messages(chat.conversation.id)
        assert [m.content for m in shown] == ["Stop it", "done quickly"]


async def answer_budget_question(pilot, key: str) -> None:
    """Compare the box's text with slow-model too, and answer the budget question with `key`."""
    await pilot.press("f6")
    setup = await modal(pilot, CompareSetupScreen)
    setup.query_one(SelectionList).select("slow/slow-model")
    await pilot.press("f6")
    await modal(pilot, ConfirmScreen)
    await pilot.press(key)


@pytest.mark.parametrize("budget", ['[budget]\ndaily = "0.0001"\nover_budget = "confirm"\n'])
async def test_over_budget_asks_first_and_sends_nothing_on_no(servers, make_services) -> None:
    spend = {"prompt_tokens": 100, "completion_tokens": 100}
    servers["fast"].enqueue(Script(text="costly", usage=spend))
    servers["slow"].enqueue(Script(text="costly too", usage=spend))
    app = ChatApp(make_services(provider="fast", model="fast-model"))
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_compare(pilot, "Spend", ["slow/slow-model"])
        await wait_until(pilot, lambda: not screen.running)
        await pilot.press("1")
        chat = await modal(pilot, ChatScreen)
        conversations = await chat.conversations()
        before = len(await conversations.messages(chat.conversation.id))

        box = await prompt_ready(pilot)
        box.load_text("Over the limit")
        await answer_budget_question(pilot, "n")
        await modal(pilot, ChatScreen)
        assert len(await conversations.messages(chat.conversation.id)) == before
        assert box.text == "Over the limit"

        servers["fast"].enqueue(Script(text="anyway"))
        servers["slow"].enqueue(Script(text="anyway too"))
        await answer_budget_question(pilot, "y")
        second = await modal(pilot, CompareScreen)
        await wait_until(pilot, lambda: not second.running)
        assert [pane.text for pane in second.comparison.panes] == ["anyway", "anyway too"]


def test_three_way_comparison_snapshot(snap_compare, servers, make_services) -> None:
    """You should see the prompt "> Which is cheapest?", the hint to pick, and three columns side by side:
    "1 · fast/fast-model" and "2 · slow/slow-model" with their replies, each with TTFT, tok/s, tokens in → out
    and cost ($0.00003 and $0.000042), and "3 · broken/broken-model" in a red border saying "failed: " with the
    server's reason. Timings are fixed before the picture so it is stable."""
    servers["fast"].enqueue(
        Script(text="Fast answer: use the small model.", usage={"prompt_tokens": 10, "completion_tokens": 10})
    )
    servers["slow"].enqueue(
        Script(text="Slow answer:\n\n- think\n- then answer", usage={"prompt_tokens": 10, "completion_tokens": 3})
    )
    servers["broken"].enqueue(Script(status=400, body={"error": {"message": "Model overloaded for this key tier"}}))

    async def run_before(pilot) -> None:
        screen = await open_compare(pilot, "Which is cheapest?", ["slow/slow-model", "broken/broken-model"])
        await wait_until(pilot, lambda: not screen.running)
        for index, pane in enumerate(screen.comparison.panes):
            if pane.outcome.record is not None and pane.first_token_at is not None:
                pane.outcome.record.ttft_ms = 250 * (index + 1)
                pane.first_token_at, pane.last_token_at = 0.0, pane.usage.output_tokens / (40.0 * (index + 1))
        screen.refresh_columns()
        await pilot.pause(0.2)

    app = ChatApp(make_services(provider="fast", model="fast-model"))
    assert snap_compare(app, terminal_size=(120, 24), run_before=run_before)
