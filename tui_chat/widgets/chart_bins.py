"""Which days share a bar of the spend chart: a bar per day, week, month or year, whichever first fits.

A terminal has no room for a bar per day over years, so a period longer than MAX_BARS days gets
a bar per week (counted from its first day), then per calendar month, then per year.
"""

from __future__ import annotations

from datetime import date, timedelta

MAX_BARS = 62


def bar_unit(first_day: date, last_day: date) -> str:
    """The span of one bar: "day", "week", "month" or "year", the finest giving at most MAX_BARS bars."""
    days = (last_day - first_day).days + 1
    months = (last_day.year - first_day.year) * 12 + last_day.month - first_day.month + 1
    if days <= MAX_BARS:
        return "day"
    if -(-days // 7) <= MAX_BARS:
        return "week"
    return "month" if months <= MAX_BARS else "year"


def bar_index(unit: str, first_day: date, day: date) -> int:
    """Which bar (0 for the first) a day falls in."""
    if unit == "day":
        return (day - first_day).days
    if unit == "week":
        return (day - first_day).days // 7
    if unit == "month":
        return (day.year - first_day.year) * 12 + day.month - first_day.month
    return day.year - first_day.year


def bar_starts(unit: str, first_day: date, last_day: date) -> list[date]:
    """The first day of every bar from `first_day` to `last_day` (a month or year bar: its first day)."""
    count = bar_index(unit, first_day, last_day) + 1
    if unit in ("day", "week"):
        step = 1 if unit == "day" else 7
        return [first_day + timedelta(days=index * step) for index in range(count)]
    if unit == "month":
        months = (first_day.year * 12 + first_day.month - 1 + index for index in range(count))
        return [date(month // 12, month % 12 + 1, 1) for month in months]
    return [date(first_day.year + index, 1, 1) for index in range(count)]
