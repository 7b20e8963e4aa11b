"""Time buckets of the rollups (pure): epoch microseconds, three grains, spans split, periods covered.

Every rollup row belongs to one bucket [bucket, bucket + span) of one grain: 15 minutes, one
hour or one day, UTC, aligned on the epoch (so 30- and 60-minute report intervals are unions of
quarters). Figures are booked per quarter (durations, i.e. agent time, cut at quarter edges by
`split`) and written at all three grains, an hour or a day being the sum of its quarters; a
report reads its period as the fewest aligned buckets (`cover`): quarters up to the first whole
hour, hours up to the first whole day, days, then hours and quarters again. A 30-day report
reads 30 day rows per key, not 2,880.

Times are integer microseconds since the epoch: a difference of two datetimes is exact, so sums
of durations do not depend on the order in which they were added and subtracted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

QUARTER, HOUR, DAY = 900, 3600, 86400
GRAINS = (QUARTER, HOUR, DAY)  # seconds, finest first
GRAINS_OF = {"rollup_caller_gap": (DAY,)}  # tables kept at fewer grains (a report reads their days only)
US = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)

Range = tuple[int, int | None, int | None]  # (span, first bucket, end bucket exclusive); None = unbounded


def to_us(t: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact)."""
    return (t - EPOCH) // _ONE_US


def from_us(t_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=t_us)


def seconds_to_us(seconds: float) -> int:
    """A duration given in float seconds (queue_log.wait_s, talk_s), to the nearest microsecond."""
    return round(seconds * US)


def from_epoch(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def floor(t_us: int, span: int) -> int:
    """Start (epoch seconds) of the `span`-second bucket holding the instant `t_us`."""
    return t_us // (span * US) * span


def split(start_us: int, end_us: int) -> Iterator[tuple[int, int]]:
    """(quarter, microseconds) pieces of [start, end) cut at quarter-hour edges; nothing if empty."""
    quarter, size = floor(start_us, QUARTER), QUARTER * US
    while quarter * US < end_us:
        piece = min(end_us, quarter * US + size) - max(start_us, quarter * US)
        if piece > 0:
            yield quarter, piece
        quarter += QUARTER


def on_grid(t: datetime | None) -> bool:
    """Whether a period bound falls on a quarter-hour (None, an open bound, always does)."""
    return t is None or to_us(t) % (QUARTER * US) == 0


def cover(start: int | None, end: int | None, grains: tuple[int, ...] = GRAINS[::-1]) -> list[Range]:
    """The fewest aligned bucket ranges, coarsest grain first, whose union is [start, end).

    `start` and `end` are epoch seconds on the quarter-hour grid, or None for an open side.
    """
    span, finer = grains[0], grains[1:]
    if not finer:
        return [(span, start, end)] if start is None or end is None or start < end else []
    lo = None if start is None else -(-start // span) * span
    hi = None if end is None else end // span * span
    if lo is not None and hi is not None and lo >= hi:
        return cover(start, end, finer)
    head = [] if start is None else cover(start, lo, finer)
    tail = [] if end is None else cover(hi, end, finer)
    return [(span, lo, hi), *head, *tail]
