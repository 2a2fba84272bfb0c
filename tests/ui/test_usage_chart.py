"""The spend chart bins days into bars, stacks models in order of spend, and labels them as plain text."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from textual.app import App, ComposeResult

from tui_chat.widgets.usage_chart import MAX_SERIES, OTHER_MODELS, SpendChart, chart_series

FIRST = date(2025, 6, 1)


class ChartApp(App):
    def compose(self) -> ComposeResult:
        yield SpendChart(id="chart")


def test_series_put_the_costliest_models_first_and_fold_the_rest() -> None:
    spend = [(FIRST, f"model-{index}", Decimal(index + 1)) for index in range(MAX_SERIES + 2)]
    spend.append((FIRST + timedelta(days=1), "model-6", Decimal("0.25")))
    unit, starts, series = chart_series(FIRST, FIRST + timedelta(days=2), spend)
    assert unit == "day" and starts == [FIRST + timedelta(days=day) for day in range(3)]
    assert list(series)[:MAX_SERIES] == [f"model-{index}" for index in (6, 5, 4, 3, 2)]
    assert series["model-6"] == [Decimal(7), Decimal("0.25"), Decimal(0)]
    assert series[OTHER_MODELS] == [Decimal(2) + Decimal(1), Decimal(0), Decimal(0)]
    total = sum(cost for _, _, cost in spend)
    assert sum(sum(values) for values in series.values()) == total


async def test_chart_draws_bars_with_plain_text_labels() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 20)) as pilot:
        chart = app.query_one(SpendChart)
        chart.show(
            FIRST,
            FIRST + timedelta(days=2),
            [
                (FIRST, "[bold]big\x1b]0;evil\x07", Decimal("1.00")),
                (FIRST + timedelta(days=1), "small", Decimal("0.50")),
            ],
        )
        await pilot.pause()
        drawn = chart.render()
        text = drawn.plain if hasattr(drawn, "plain") else str(drawn)
        assert "Spend per day" in text
        assert "[bold]big" in text  # never read as markup
        assert "\x1b" not in text and "\x07" not in text
        assert "small" in text and "06-01" in text
        assert any(character in text for character in "█▄▌")


async def test_long_periods_get_coarser_bars_and_no_data_says_so() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 16)) as pilot:
        chart = app.query_one(SpendChart)
        chart.show(
            FIRST, FIRST + timedelta(days=729), [(FIRST + timedelta(days=day), "m", Decimal(1)) for day in range(730)]
        )
        await pilot.pause()
        assert (chart.unit, len(chart.starts), chart.has_data) == ("month", 24, True)
        assert "Spend per month" in chart.render().plain
        assert sum(chart.series["m"]) == 730
        chart.show(FIRST, FIRST + timedelta(days=29), [])
        await pilot.pause()
        assert not chart.has_data
        assert "No spending in this period" in chart.render().plain
