"""A stacked bar chart of spend per local day, one colour per model (textual-plotext)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from textual_plotext import PlotextPlot

MAX_SERIES = 5
OTHER_MODELS = "other models"
MAX_TICKS = 8


class SpendChart(PlotextPlot):
    """Spend per day split by model; `show` replaces the data and redraws."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.has_data = False
        self._shown = False

    def render(self):
        """Nothing until the first `show`: plotting an empty figure on first paint costs ~100 ms."""
        if not self._shown:
            return ""
        return super().render()

    def show(self, first_day: date, last_day: date, spend: list[tuple[date, str, Decimal]]) -> None:
        """Draw every day from `first_day` to `last_day`; the costliest models get their own colour."""
        self._shown = True
        plot = self.plt
        plot.clear_data()
        plot.clear_figure()
        days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
        self.has_data = bool(spend)
        if not spend or not days:
            plot.title("No spending in this period")
            self.refresh()
            return
        by_model: dict[str, Decimal] = defaultdict(Decimal)
        for _, model, cost in spend:
            by_model[model] += cost
        leaders = sorted(by_model, key=lambda model: (-by_model[model], model))[:MAX_SERIES]
        series: dict[str, dict[date, float]] = {name: defaultdict(float) for name in leaders}
        for day, model, cost in spend:
            name = model if model in series else OTHER_MODELS
            series.setdefault(name, defaultdict(float))[day] += float(cost)
        positions = list(range(len(days)))
        names = list(series)
        plot.stacked_bar(positions, [[series[name][day] for day in days] for name in names], labels=names)
        step = max(1, len(days) // MAX_TICKS)
        ticks = positions[::step]
        plot.xticks(ticks, [days[index].strftime("%m-%d") for index in ticks])
        plot.ylabel("USD")
        plot.title("Spend per day")
        self.refresh()
