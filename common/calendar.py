"""Business hours: weekly opening ranges and holidays in a time zone, and time counted in them.

Theory of operation
-------------------
The IVR's `hours` node asks "open, closed or holiday now?"; a complaint's SLA asks "what instant
is N business minutes after this one?". Both read the same `BusinessCalendar`, so a deadline
never falls in an hour the IVR calls closed. Ranges are read on the calendar's own clock
(``zoneinfo``) and each opening is turned into a UTC interval before it is measured, so a DST
change shortens or lengthens that day's opening by the real hour. Ranges of one day that overlap
are merged, so no minute counts twice. Pure: every instant is handed in, aware.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
MAX_DAYS = 3 * 366  # a deadline further than this is a calendar that is (nearly) never open


def check_zone(name: str) -> str:
    """`name` when it is an IANA time zone, else ValueError saying what to write."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai") from None
    return name


def check_ranges(weekly: Mapping[str, Sequence[str]]) -> Mapping[str, Sequence[str]]:
    """`weekly` when every range reads like '09:00-17:30' (start before end), else ValueError."""
    for day, ranges in weekly.items():
        for text in ranges:
            match = TIME_RANGE.match(text)
            if not match or match.group(1, 2) >= match.group(3, 4) or match.group(3, 4) > ("24", "00"):
                raise ValueError(f"{day}: {text!r} is not an opening range like '09:00-17:30' "
                                 "(24-hour clock, start before end, 24:00 allowed as an end)")
    return weekly


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _merged(ranges: Iterable[str]) -> tuple[tuple[int, int], ...]:
    spans = sorted((_minutes(a), _minutes(b)) for a, b in (text.split("-") for text in ranges))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening minutes per weekday (0..1440, merged) and closed dates, in one time zone."""

    timezone: str
    weekly: Mapping[str, tuple[tuple[int, int], ...]]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, timezone: str, weekly: Mapping[str, Sequence[str]], holidays: Iterable[date] = ()) -> BusinessCalendar:
        """From the YAML shape: {'mon': ['09:00-12:00', '13:00-18:00'], ...}; ValueError when malformed."""
        check_zone(timezone)
        check_ranges(weekly)
        unknown = set(weekly) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday {sorted(unknown)[0]!r}; use one of {', '.join(WEEKDAYS)}")
        return cls(timezone, {day: _merged(weekly[day]) for day in weekly}, frozenset(holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def state(self, now: datetime) -> str:
        """'open', 'closed' or 'holiday' at the aware instant `now`."""
        local = _aware(now).astimezone(self.zone)
        if local.date() in self.holidays:
            return "holiday"
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        spans = self.weekly.get(WEEKDAYS[local.weekday()], ())
        return "open" if any(start <= minute < end for start, end in spans) else "closed"

    def openings(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The UTC opening intervals that end after `since`, in order (clipped to start at `since`)."""
        since = _aware(since).astimezone(UTC)
        day = since.astimezone(self.zone).date() - timedelta(days=1)  # a range may straddle UTC midnight
        for _ in range(MAX_DAYS):
            for start, end in self._day(day):
                if end > since:
                    yield max(start, since), end
            day += timedelta(days=1)

    def _day(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        return [(self._instant(day, start), self._instant(day, end))
                for start, end in self.weekly.get(WEEKDAYS[day.weekday()], ())]

    def _instant(self, day: date, minute: int) -> datetime:
        if minute >= 1440:
            day, minute = day + timedelta(days=1), minute - 1440
        return datetime.combine(day, time(minute // 60, minute % 60), self.zone).astimezone(UTC)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` business minutes after `start` (UTC). 0 minutes outside the hours
        is the next opening. ValueError when the calendar is not open that long within MAX_DAYS."""
        if minutes < 0:
            raise ValueError(f"business minutes must not be negative, got {minutes}")
        left = timedelta(minutes=minutes)
        for begin, end in self.openings(start):
            if left <= end - begin:
                return begin + left
            left -= end - begin
        raise ValueError(f"the calendar is not open for {minutes:g} minutes within {MAX_DAYS} days")

    def between(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (0 when end is not after start)."""
        total = timedelta()
        end = _aware(end).astimezone(UTC)
        for begin, close in self.openings(start):
            if begin >= end:
                break
            total += min(close, end) - begin
        return total.total_seconds() / 60


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business hours need an aware datetime (with a time zone), got a naive one")
    return moment
