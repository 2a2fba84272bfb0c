"""The spend chart's bars: a bar per day up to MAX_BARS days, then per week, month or year."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tui_chat.widgets.chart_bins import MAX_BARS, bar_index, bar_starts, bar_unit


def test_the_finest_unit_that_fits() -> None:
    first = date(2024, 1, 1)
    assert bar_unit(first, first) == "day"
    assert bar_unit(first, first + timedelta(days=MAX_BARS - 1)) == "day"
    assert bar_unit(first, first + timedelta(days=MAX_BARS)) == "week"
    assert bar_unit(first, first + timedelta(days=7 * MAX_BARS - 1)) == "week"
    assert bar_unit(first, first + timedelta(days=7 * MAX_BARS)) == "month"
    assert bar_unit(first, date(2028, 12, 31)) == "month"  # 60 months
    assert bar_unit(first, date(2030, 1, 1)) == "year"


@given(st.dates(date(2000, 1, 1), date(2040, 1, 1)), st.integers(0, 30 * 365))
def test_every_day_falls_in_the_bar_that_starts_at_or_before_it(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    unit = bar_unit(first, last)
    starts = bar_starts(unit, first, last)
    assert len(starts) <= MAX_BARS or unit == "year"
    for day in (first, last, first + timedelta(days=length // 2), first + timedelta(days=length // 3)):
        index = bar_index(unit, first, day)
        assert 0 <= index < len(starts)
        assert starts[index] <= day
        assert index + 1 == len(starts) or day < starts[index + 1]
