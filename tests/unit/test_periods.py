"""Periods become local-day bounds in UTC milliseconds, exact across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tui_chat.core.periods import (
    DAY_MS,
    PeriodKind,
    local_date,
    local_midnight_ms,
    offset_segments,
    parse_day,
    period_for,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_period_days_as_seen_on_a_given_day() -> None:
    today = date(2025, 3, 15)
    only_today = period_for(PeriodKind.TODAY, today)
    assert (only_today.first_day, only_today.last_day) == (today, today)
    assert period_for(PeriodKind.LAST_7_DAYS, today).first_day == date(2025, 3, 9)
    assert period_for(PeriodKind.LAST_30_DAYS, today).first_day == date(2025, 2, 14)
    assert period_for(PeriodKind.THIS_MONTH, today).first_day == date(2025, 3, 1)
    last_month = period_for(PeriodKind.LAST_MONTH, date(2025, 1, 10))
    assert (last_month.first_day, last_month.last_day) == (date(2024, 12, 1), date(2024, 12, 31))
    assert period_for(PeriodKind.ALL, today).bounds(BERLIN) == (None, None)


def test_a_custom_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError):
        period_for(PeriodKind.CUSTOM, date(2025, 1, 1), date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(ValueError):
        parse_day("31/01/2025")


def test_bounds_are_local_midnights() -> None:
    period = period_for(PeriodKind.TODAY, date(2025, 7, 1))
    start, end = period.bounds(BERLIN)
    assert start == ms(datetime(2025, 6, 30, 22, tzinfo=UTC))
    assert end - start == DAY_MS


def test_the_day_clocks_go_forward_is_23_hours_and_back_25() -> None:
    spring = period_for(PeriodKind.TODAY, date(2025, 3, 9)).bounds(NEW_YORK)
    autumn = period_for(PeriodKind.TODAY, date(2025, 11, 2)).bounds(NEW_YORK)
    assert spring[1] - spring[0] == 23 * 3_600_000
    assert autumn[1] - autumn[0] == 25 * 3_600_000


def test_offset_segments_change_at_the_exact_transition() -> None:
    start = local_midnight_ms(date(2025, 3, 1), BERLIN)
    end = local_midnight_ms(date(2025, 4, 1), BERLIN)
    segments = offset_segments(start, end, BERLIN)
    assert [segment.offset_ms for segment in segments] == [3_600_000, 7_200_000]
    assert segments[0].until_ms == ms(datetime(2025, 3, 30, 1, tzinfo=UTC))


def test_local_date_at_midnight_belongs_to_the_new_day() -> None:
    midnight = local_midnight_ms(date(2025, 10, 26), BERLIN)
    assert local_date(midnight, BERLIN) == date(2025, 10, 26)
    assert local_date(midnight - 1, BERLIN) == date(2025, 10, 25)


from tests.usage_helpers import local_zone  # noqa: E402,F401


def test_the_process_zone_is_used_when_none_is_given(local_zone) -> None:
    local_zone("America/New_York")
    assert local_midnight_ms(date(2025, 1, 1)) == ms(datetime(2025, 1, 1, 5, tzinfo=UTC))
    assert local_date(ms(datetime(2025, 1, 1, 4, 59, tzinfo=UTC))) == date(2024, 12, 31)
