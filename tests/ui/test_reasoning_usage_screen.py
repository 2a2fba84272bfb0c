"""The usage screen shows reasoning tokens, the share of spend on thinking, and the time to the answer."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.ui.pilot import wait_until
from tests.ui.test_usage_screen import BERLIN, Host
from tests.usage_helpers import record
from tui_chat.core.models import Usage
from tui_chat.widgets.usage_tables import GroupTable
from tui_chat.widgets.usage_totals import UsageTotals


async def seed_reasoning(services) -> None:
    """gpt-4o: $0.0125 for 1,000 in and 1,000 out, 400 of them thinking ($0.004, 32 %); a plain model beside it."""
    repository = await services.repository()
    moment = datetime(2025, 6, 14, 9, tzinfo=BERLIN).astimezone(UTC)
    for answer_ms in (900, 2500, 4000):
        thinking = record(moment, cost="0.0125", input_tokens=1000, output_tokens=1000)
        thinking.usage, thinking.answer_ms = Usage(1000, 1000, 0, 400, False), answer_ms
        await repository.add_usage(thinking)
    plain = record(moment, model="gpt-4o-mini", cost="0.01")
    plain.answer_ms = 50  # answered at once: not counted in the reasoning figure
    await repository.add_usage(plain)


async def test_models_table_and_totals_show_thinking(make_services) -> None:
    services = make_services()
    await seed_reasoning(services)
    app = Host(services)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: app.loads == 1)
        screen = app.screen
        assert "First answer p50 (reasoning) 2.50 s" in str(screen.query_one(UsageTotals).render())
        table = screen.query_one("#usage-models", GroupTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        headers = [str(column.label) for column in table.columns.values()]
        assert headers[-2:] == ["Reasoning", "Thinking"]
        rows = {str(table.get_row_at(index)[0]): [str(cell) for cell in table.get_row_at(index)] for index in (0, 1)}
        assert rows["gpt-4o"][-2:] == ["1,200", "32.0%"]
        assert rows["gpt-4o-mini"][-2:] == ["0", "0.0%"]
