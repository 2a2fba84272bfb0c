"""A stacked bar chart of spend per local day, one colour per model (textual-plotext).

A period of up to MAX_BARS days gets a bar per day; a longer one a bar per week, month or year,
whichever first fits (chart_bins.py). Plotext's cost grows with every bar of every series, so
binning keeps a paint of two years as cheap as one of a month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from textual_plotext import PlotextPlot

from tui_chat.core.text import one_line
from tui_chat.widgets.chart_bins import bar_index, bar_starts, bar_unit

MAX_SERIES = 5
OTHER_MODELS = "other models"
MAX_TICKS = 8
TICK_FORMATS = {"day": "%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def chart_series(
    first_day: date, last_day: date, spend: list[tuple[date, str, Decimal]]
) -> tuple[str, list[date], dict[str, list[Decimal]]]:
    """The bar unit, each bar's first day, and per series the spend of each bar; leaders first."""
    unit = bar_unit(first_day, last_day)
    starts = bar_starts(unit, first_day, last_day)
    by_model: dict[str, Decimal] = defaultdict(Decimal)
    for _, model, cost in spend:
        by_model[model] += cost
    leaders = sorted(by_model, key=lambda model: (-by_model[model], model))[:MAX_SERIES]
    series: dict[str, list[Decimal]] = {name: [Decimal(0)] * len(starts) for name in leaders}
    for day, model, cost in spend:
        if first_day <= day <= last_day:
            name = model if model in series else OTHER_MODELS
            series.setdefault(name, [Decimal(0)] * len(starts))[bar_index(unit, first_day, day)] += cost
    return unit, starts, series


class SpendChart(PlotextPlot):
    """Spend per day split by model; `show` replaces the data and redraws."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.has_data = False
        self.unit = "day"
        self.title = ""
        self.starts: list[date] = []
        self.series: dict[str, list[Decimal]] = {}
        self._shown = False

    def render(self):
        """Nothing until the first `show`: plotting an empty figure on first paint costs ~100 ms."""
        return super().render() if self._shown else ""

    def show(self, first_day: date, last_day: date, spend: list[tuple[date, str, Decimal]]) -> None:
        """Chart every day from `first_day` to `last_day`; the costliest models get their own colour."""
        self._shown = True
        plot = self.plt
        plot.clear_data()
        plot.clear_figure()
        self.has_data = bool(spend) and first_day <= last_day
        self.series, self.starts = {}, []
        if not self.has_data:
            self.title = "No spending in this period"
            plot.title(self.title)
            self.refresh()
            return
        self.unit, self.starts, self.series = chart_series(first_day, last_day, spend)
        self.title = f"Spend per {self.unit}"
        positions = list(range(len(self.starts)))
        labels = [one_line(name) for name in self.series]  # plotext draws names as they are
        bar_heights = [[float(value) for value in values] for values in self.series.values()]
        # textual-plotext's stub calls the keyword `label`; plotext's stacked_bar takes `labels`.
        plot.stacked_bar(positions, bar_heights, labels=labels)  # type: ignore[call-arg]
        step = max(1, -(-len(positions) // MAX_TICKS))
        ticks = positions[::step]
        tick_positions: list[float] = list(ticks)
        plot.xticks(tick_positions, [self.starts[index].strftime(TICK_FORMATS[self.unit]) for index in ticks])
        peak = max((sum(values) for values in zip(*self.series.values())), default=Decimal(0))
        plot.ylim(0, float(peak) * 1.05 if peak > 0 else 1.0)  # never a negative axis, even with nothing spent
        plot.ylabel("USD")
        plot.title(self.title)
        self.refresh()
