"""Reporting periods in the user's local days, turned into UTC epoch-millisecond bounds for SQL.

Usage rows store UTC milliseconds.  A local day is found in SQL by adding the UTC offset in force
at each row's instant, then dividing by the length of a day.  The offset changes only at
daylight-saving transitions, so a period is cut into a few segments of constant offset
(`offset_segments`) that SQL applies with one CASE expression.  This is exact across DST changes
and needs no per-row date functions (SQLite's 'localtime' modifier costs a C library call per row).
Passing `zone=None` means the process's local time zone (the TZ variable, honoured after
`time.tzset()`); tests pass a `zoneinfo.ZoneInfo` or set TZ.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

DAY_MS = 86_400_000
EPOCH_DAY = date(1970, 1, 1)
_SAMPLE_STEP_MS = 6 * 3_600_000


class PeriodKind(str, enum.Enum):
    """The periods the usage screen and `tui-chat usage` offer."""

    TODAY = "today"
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    THIS_MONTH = "month"
    LAST_MONTH = "last-month"
    ALL = "all"
    CUSTOM = "custom"


PERIOD_LABELS: dict[PeriodKind, str] = {
    PeriodKind.TODAY: "Today",
    PeriodKind.LAST_7_DAYS: "7 days",
    PeriodKind.LAST_30_DAYS: "30 days",
    PeriodKind.THIS_MONTH: "This month",
    PeriodKind.LAST_MONTH: "Last month",
    PeriodKind.ALL: "All",
    PeriodKind.CUSTOM: "Custom range",
}


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days from `first_day` to `last_day` inclusive; None on a side means unbounded."""

    kind: PeriodKind
    first_day: date | None
    last_day: date | None

    def bounds(self, zone: tzinfo | None = None) -> tuple[int | None, int | None]:
        """The UTC millisecond range [start, end) covering the period's local days."""
        start = local_midnight_ms(self.first_day, zone) if self.first_day else None
        end = local_midnight_ms(self.last_day + timedelta(days=1), zone) if self.last_day else None
        return start, end

    @property
    def label(self) -> str:
        """A short description, e.g. "30 days (2024-05-02 – 2024-05-31)"."""
        name = PERIOD_LABELS[self.kind]
        if self.first_day is None and self.last_day is None:
            return name
        first = self.first_day.isoformat() if self.first_day else "…"
        last = self.last_day.isoformat() if self.last_day else "…"
        return f"{name} ({first} – {last})"


def period_for(kind: PeriodKind, today: date, since: date | None = None, until: date | None = None) -> Period:
    """The period of a kind as seen on local day `today`; `since`/`until` apply to CUSTOM."""
    if kind is PeriodKind.TODAY:
        return Period(kind, today, today)
    if kind is PeriodKind.LAST_7_DAYS:
        return Period(kind, today - timedelta(days=6), today)
    if kind is PeriodKind.LAST_30_DAYS:
        return Period(kind, today - timedelta(days=29), today)
    if kind is PeriodKind.THIS_MONTH:
        return Period(kind, today.replace(day=1), today)
    if kind is PeriodKind.LAST_MONTH:
        last_day = today.replace(day=1) - timedelta(days=1)
        return Period(kind, last_day.replace(day=1), last_day)
    if kind is PeriodKind.CUSTOM:
        if since and until and since > until:
            raise ValueError(f"the range starts ({since}) after it ends ({until})")
        return Period(kind, since, until)
    return Period(PeriodKind.ALL, None, None)


def local_midnight_ms(day: date, zone: tzinfo | None = None) -> int:
    """UTC milliseconds of the first instant of a local day."""
    naive = datetime(day.year, day.month, day.day)
    moment = naive.astimezone() if zone is None else naive.replace(tzinfo=zone)
    return int(moment.timestamp()) * 1000


def utc_offset_ms(millis: int, zone: tzinfo | None = None) -> int:
    """The local UTC offset in force at an instant, in milliseconds."""
    seconds = millis // 1000
    if zone is None:
        return time.localtime(seconds).tm_gmtoff * 1000
    offset = datetime.fromtimestamp(seconds, zone).utcoffset()
    return int(offset.total_seconds() * 1000) if offset else 0


def local_date(millis: int, zone: tzinfo | None = None) -> date:
    """The local calendar day an instant falls on."""
    return day_from_number((millis + utc_offset_ms(millis, zone)) // DAY_MS)


def day_from_number(number: int) -> date:
    """The date of a local day number (days since 1970-01-01)."""
    return EPOCH_DAY + timedelta(days=number)


@dataclass(frozen=True, slots=True)
class OffsetSegment:
    """Instants before `until_ms` (None: all later ones) have the UTC offset `offset_ms`."""

    until_ms: int | None
    offset_ms: int


def offset_segments(start_ms: int, end_ms: int, zone: tzinfo | None = None) -> list[OffsetSegment]:
    """The UTC offsets in force from `start_ms` to `end_ms`, with the exact instants they change."""
    segments: list[OffsetSegment] = []
    previous_ms, previous_offset = start_ms, utc_offset_ms(start_ms, zone)
    sample_ms = start_ms
    while sample_ms < end_ms:
        sample_ms = min(sample_ms + _SAMPLE_STEP_MS, end_ms)
        offset = utc_offset_ms(sample_ms, zone)
        if offset != previous_offset:
            change_ms = _first_instant_with_offset(previous_ms, sample_ms, offset, zone)
            segments.append(OffsetSegment(change_ms, previous_offset))
            previous_offset = offset
        previous_ms = sample_ms
    segments.append(OffsetSegment(None, previous_offset))
    return segments


def _first_instant_with_offset(low_ms: int, high_ms: int, offset: int, zone: tzinfo | None) -> int:
    """Binary search, to the second, for the first instant after `low_ms` with the new offset."""
    low, high = low_ms // 1000, high_ms // 1000
    while high - low > 1:
        middle = (low + high) // 2
        if utc_offset_ms(middle * 1000, zone) == offset:
            high = middle
        else:
            low = middle
    return high * 1000


def local_day_sql(segments: list[OffsetSegment], column: str = "created_at") -> tuple[str, list[int]]:
    """An SQL expression giving the local day number of `column`, and its parameters."""
    if len(segments) == 1:
        return f"(({column} + ?) / {DAY_MS})", [segments[0].offset_ms]
    cases: list[str] = []
    params: list[int] = []
    for segment in segments[:-1]:
        assert segment.until_ms is not None, "only the last segment runs on without end"
        cases.append(f"WHEN {column} < ? THEN ?")
        params += [segment.until_ms, segment.offset_ms]
    params.append(segments[-1].offset_ms)
    return f"(({column} + CASE {' '.join(cases)} ELSE ? END) / {DAY_MS})", params


def parse_day(text: str) -> date:
    """A local date from YYYY-MM-DD text."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date like 2025-01-31") from None
