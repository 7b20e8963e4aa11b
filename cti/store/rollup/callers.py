"""First-call resolution (pure): what inbound calls add to `rollup_caller`.

The definitions are those of the raw report (cti/reports/callers.py): an inbound call from a
known number (caller not '') is a *repeat within 24 h* (7 d) when the same number's next call,
ordered by (started_at, id), starts within 24 h (7 d) of it. `calls`, `repeat_24h` and
`repeat_7d` are counted in the bucket of the call's start, under the call's queue ('' when it
reached none). The number of distinct callers of a period is not additive over buckets: reports
count it from the raw rows (one index range scan, see cti/reports/from_rollups.py).

Order-independent and exactly once, as for agent time: a new call changes only the flags of the
same number's calls up to 7 d before it, and can only be the next of those. So for each number a
batch touches, the writer books `flags(window after) - flags(window before)` over the number's
calls in [earliest new - 7 d, latest new + 7 d]; any larger contiguous window gives the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cti.store.rollup.buckets import US
from cti.store.rollup.deltas import Deltas

TABLE = "rollup_caller"
SUM_COLUMNS = ("calls", "repeat_24h", "repeat_7d")
DAY_US, WEEK_US = 86400 * US, 7 * 86400 * US
REACH_US = WEEK_US  # how far a call's flags can look


@dataclass(frozen=True, slots=True, order=True)
class Call:
    """The cdr columns first-call resolution needs, ordered by (started_at, id)."""

    started_us: int
    id: int
    queue: str = ""
    key: str = ""


def book(deltas: Deltas, calls: Sequence[Call], sign: int, within: tuple[int, int] | None = None) -> None:
    """Add (+1) or take away (-1) the flags of one number's `calls` (sorted); `within`: see timeline.book."""
    for i, call in enumerate(calls):
        if within is not None and not within[0] <= call.started_us < within[1]:
            continue
        gap = calls[i + 1].started_us - call.started_us if i + 1 < len(calls) else None
        flags = {"calls": 1, "repeat_24h": int(gap is not None and gap <= DAY_US),
                 "repeat_7d": int(gap is not None and gap <= WEEK_US)}
        deltas.add_at(TABLE, call.started_us, (call.queue,), flags, sign)


def book_window(deltas: Deltas, calls: Sequence[Call], new: set[str]) -> None:
    """Book what the `new` calls (by call_id) change among one number's calls in its window."""
    book(deltas, [c for c in calls if c.key not in new], -1)
    book(deltas, calls, +1)
