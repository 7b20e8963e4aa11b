"""The shared business calendar: open/closed/holiday, and business minutes across nights, weekends,
holidays and a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")
WEEK = {day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = BusinessCalendar.of("Asia/Shanghai", WEEK, [date(2026, 10, 1)])  # a Thursday holiday


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_states_read_on_the_calendars_own_clock() -> None:
    assert OFFICE.state(sh(2026, 9, 28, 9, 0)) == "open"           # Monday 09:00
    assert OFFICE.state(sh(2026, 9, 28, 12, 30)) == "closed"       # lunch
    assert OFFICE.state(sh(2026, 9, 28, 18, 0)) == "closed"        # end is exclusive
    assert OFFICE.state(sh(2026, 10, 1, 10, 0)) == "holiday"
    assert OFFICE.state(datetime(2026, 9, 28, 1, 30, tzinfo=UTC)) == "open"  # 09:30 in Shanghai


def test_deadline_inside_one_opening_is_plain_addition() -> None:
    assert OFFICE.add(sh(2026, 9, 28, 9, 0), 60) == sh(2026, 9, 28, 10, 0)


def test_deadline_skips_lunch_and_the_night() -> None:
    assert OFFICE.add(sh(2026, 9, 28, 11, 30), 60) == sh(2026, 9, 28, 13, 30)
    assert OFFICE.add(sh(2026, 9, 28, 17, 30), 60) == sh(2026, 9, 29, 9, 30)


def test_deadline_skips_the_weekend() -> None:
    assert OFFICE.add(sh(2026, 9, 25, 17, 0), 120) == sh(2026, 9, 28, 10, 0)  # Friday -> Monday


def test_deadline_skips_a_holiday() -> None:
    assert OFFICE.add(sh(2026, 9, 30, 17, 0), 120) == sh(2026, 10, 2, 10, 0)  # Wed -> (Thu holiday) -> Fri


def test_opened_at_night_the_clock_starts_at_the_next_opening() -> None:
    assert OFFICE.add(sh(2026, 9, 26, 3, 0), 0) == sh(2026, 9, 28, 9, 0)  # Saturday night -> Monday 09:00
    assert OFFICE.add(sh(2026, 9, 26, 3, 0), 8 * 60) == sh(2026, 9, 28, 18, 0)  # one whole business day
    assert OFFICE.add(sh(2026, 9, 26, 3, 0), 8 * 60 + 1) == sh(2026, 9, 29, 9, 1)


def test_a_dst_night_counts_real_minutes() -> None:
    paris = BusinessCalendar.of("Europe/Paris", {"sun": ["00:00-24:00"]})
    start = datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo("Europe/Paris"))  # clocks go 02:00 -> 03:00
    assert paris.between(start, start + timedelta(days=1)) == 23 * 60
    assert paris.add(start, 180).astimezone(ZoneInfo("Europe/Paris")).hour == 4


def test_overlapping_ranges_do_not_count_twice() -> None:
    cal = BusinessCalendar.of("UTC", {"mon": ["09:00-12:00", "11:00-13:00"]})
    monday = datetime(2026, 9, 28, tzinfo=UTC)
    assert cal.between(monday, monday + timedelta(days=1)) == 240


def test_a_calendar_that_is_never_open_cannot_give_a_deadline() -> None:
    with pytest.raises(ValueError, match="not open"):
        BusinessCalendar.of("UTC", {}).add(datetime(2026, 1, 1, tzinfo=UTC), 1)


@pytest.mark.parametrize("zone, weekly, message", [
    ("Mars/Olympus", {}, "unknown time zone"), ("UTC", {"mon": ["18:00-09:00"]}, "not an opening range"),
    ("UTC", {"monday": ["09:00-10:00"]}, "unknown weekday")])
def test_malformed_calendars_are_refused_with_the_reason(zone, weekly, message) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.of(zone, weekly)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        OFFICE.state(datetime(2026, 9, 28, 9, 0))


@settings(max_examples=200, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
       minutes=st.integers(0, 5000))
def test_add_and_between_agree_and_deadlines_land_in_opening_hours(start, minutes) -> None:
    start = start.replace(tzinfo=UTC)
    due = OFFICE.add(start, minutes)
    assert due >= start
    assert abs(OFFICE.between(start, due) - minutes) < 1e-6
    if minutes:
        assert OFFICE.state(due - timedelta(seconds=1)) == "open"
