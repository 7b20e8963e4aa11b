"""Rollup time buckets and deltas: durations cut at quarter edges, periods covered by the fewest
aligned buckets, and hours and days that are the sums of their quarters."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cti.store.rollup.buckets import DAY, HOUR, QUARTER, US, cover, on_grid, split, to_us
from cti.store.rollup.deltas import Deltas

T = to_us(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))  # a Monday 09:00, on every grid but the day's
MONDAY = T // US - 9 * 3600
quarters = st.integers(0, 4 * 24 * 40)  # quarter-hours over 40 days


@given(st.integers(0, 3 * DAY * US), st.integers(0, 3 * DAY * US))
def test_a_span_is_cut_at_quarter_edges_and_loses_nothing(start, length):
    pieces = list(split(T + start, T + start + length))
    assert sum(us for _, us in pieces) == length
    assert all(0 < us <= QUARTER * US and q % QUARTER == 0 for q, us in pieces)
    assert [q for q, _ in pieces] == sorted({q for q, _ in pieces})


def test_a_call_from_0914_to_0916_is_one_minute_in_each_quarter():
    assert list(split(T + 14 * 60 * US, T + 16 * 60 * US)) == [(MONDAY + 9 * 3600, 60 * US),
                                                               (MONDAY + 9 * 3600 + QUARTER, 60 * US)]


def _cells(ranges):
    """Every quarter the ranges stand for (bounded ranges only), with repetitions."""
    out = []
    for span, lo, hi in ranges:
        assert lo % span == 0 and hi % span == 0  # aligned on their own grain
        for bucket in range(lo, hi, span):
            out += range(bucket, bucket + span, QUARTER)
    return out


@given(quarters, quarters)
def test_a_period_is_covered_once_by_aligned_buckets(a, b):
    start, end = MONDAY + QUARTER * min(a, b), MONDAY + QUARTER * (max(a, b) + 1)
    ranges = cover(start, end)
    assert sorted(_cells(ranges)) == list(range(start, end, QUARTER))
    assert len(ranges) <= 5  # quarters, hours, days, hours, quarters


def test_thirty_days_from_midnight_read_day_rows_only_and_0915_to_1100_reads_quarters_then_an_hour():
    assert cover(MONDAY, MONDAY + 30 * DAY) == [(DAY, MONDAY, MONDAY + 30 * DAY)]
    nine = MONDAY + 9 * HOUR
    assert cover(nine + QUARTER, nine + 2 * HOUR) == [(HOUR, nine + HOUR, nine + 2 * HOUR),
                                                      (QUARTER, nine + QUARTER, nine + HOUR)]


def test_open_bounds_run_to_the_end_of_time_at_the_day_grain():
    assert cover(None, None) == [(DAY, None, None)]
    assert cover(MONDAY + HOUR, None) == [(DAY, MONDAY + DAY, None), (HOUR, MONDAY + HOUR, MONDAY + DAY)]
    assert cover(None, MONDAY + QUARTER) == [(DAY, None, MONDAY), (QUARTER, MONDAY, MONDAY + QUARTER)]


def test_only_quarter_hours_are_on_the_grid():
    assert on_grid(datetime(2026, 11, 2, 9, 15, tzinfo=UTC)) and on_grid(None)
    assert not on_grid(datetime(2026, 11, 2, 9, 10, tzinfo=UTC))
    assert not on_grid(datetime(2026, 11, 2, 9, 15, 0, 1, tzinfo=UTC))


def test_hours_and_days_are_the_sums_and_peaks_of_their_quarters():
    deltas = Deltas()
    deltas.add_at("t", T, ("sales",), {"offered": 1, "answered": 1})
    deltas.add_at("t", T + 20 * 60 * US, ("sales",), {"offered": 1})
    deltas.peak_at("t", T, ("sales",), "max_wait", 12.5)
    deltas.peak_at("t", T + 20 * 60 * US, ("sales",), "max_wait", 30.0)
    rows = deltas.rows("t")
    nine = MONDAY + 9 * HOUR
    assert rows[(QUARTER, nine, "sales")] == ({"offered": 1, "answered": 1}, {"max_wait": 12.5})
    assert rows[(QUARTER, nine + QUARTER, "sales")] == ({"offered": 1}, {"max_wait": 30.0})
    assert rows[(HOUR, nine, "sales")] == rows[(DAY, MONDAY, "sales")] == ({"offered": 2, "answered": 1},
                                                                         {"max_wait": 30.0})


def test_a_figure_that_moves_within_the_hour_changes_two_quarters_and_no_hour():
    deltas = Deltas()
    deltas.add_at("t", T, ("sales",), {"offered": 1}, -1)
    deltas.add_at("t", T + 20 * 60 * US, ("sales",), {"offered": 1})
    assert sorted(deltas.rows("t")) == [(QUARTER, MONDAY + 9 * HOUR, "sales"),
                                        (QUARTER, MONDAY + 9 * HOUR + QUARTER, "sales")]
