"""First-call resolution (pure): what inbound calls add to `rollup_caller` and `rollup_caller_gap`.

The definitions are those of the raw report (cti/reports/callers.py): an inbound call from a
known number (caller not '') is a *repeat within 24 h* (7 d) when the same number's next call,
ordered by (started_at, id), starts within 24 h (7 d) of it. `calls`, `repeat_24h` and
`repeat_7d` are counted in the bucket of the call's start, under the call's queue ('' when it
reached none).

Distinct callers are not additive over buckets. A period's callers are its calls whose number's
previous call is before the period (or none); so `rollup_caller_gap` counts, per day and queue,
calls by how many UTC days back their number's previous call is: `n_all` over all the number's
calls, `n_queue` over its calls to the same queue (for reports of one queue). Gaps of GAP_DAYS or
more, and "no previous call", are one class. For the whole days of a period (at most GAP_DAYS of
them) a report counts the calls whose gap reaches back before the period; its partial first and
last days come from raw rows (cti/reports/callers_distinct.py).

Order-independent and exactly once, as for agent time: a new call changes the flags of the same
number's calls up to 7 d before it, and the gap of the next call after it. So for each number a
batch touches, the writer books `figures(window after) - figures(window before)` over the number's
calls in [earliest new - REACH, latest new + REACH]; any larger contiguous window gives the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cti.store.rollup.buckets import DAY, US
from cti.store.rollup.deltas import Deltas

TABLE = "rollup_caller"
GAP_TABLE = "rollup_caller_gap"
SUM_COLUMNS = ("calls", "repeat_24h", "repeat_7d")
GAP_COLUMNS = ("n_all", "n_queue")
GAP_DAYS = 92  # a previous call this many days back or more, or none: one class
DAY_US, WEEK_US = DAY * US, 7 * DAY * US
REACH_US = (GAP_DAYS + 1) * DAY_US  # how far a call's figures can look, back or ahead


@dataclass(frozen=True, slots=True, order=True)
class Call:
    """The cdr columns first-call resolution needs, ordered by (started_at, id)."""

    started_us: int
    id: int
    queue: str = ""
    key: str = ""


def gap_days(call: Call, previous: Call | None) -> int:
    if previous is None:
        return GAP_DAYS
    return min(GAP_DAYS, call.started_us // DAY_US - previous.started_us // DAY_US)


def book(deltas: Deltas, calls: Sequence[Call], sign: int, within: tuple[int, int] | None = None) -> None:
    """Add (+1) or take away (-1) the figures of one number's `calls` (sorted); `within`: see timeline.book."""
    last_in_queue: dict[str, Call] = {}
    for i, call in enumerate(calls):
        previous, previous_here = calls[i - 1] if i else None, last_in_queue.get(call.queue)
        last_in_queue[call.queue] = call
        if within is not None and not within[0] <= call.started_us < within[1]:
            continue
        gap = calls[i + 1].started_us - call.started_us if i + 1 < len(calls) else None
        flags = {"calls": 1, "repeat_24h": int(gap is not None and gap <= DAY_US),
                 "repeat_7d": int(gap is not None and gap <= WEEK_US)}
        deltas.add_at(TABLE, call.started_us, (call.queue,), flags, sign)
        deltas.add_at(GAP_TABLE, call.started_us, (call.queue, gap_days(call, previous)), {"n_all": 1}, sign)
        deltas.add_at(GAP_TABLE, call.started_us, (call.queue, gap_days(call, previous_here)), {"n_queue": 1}, sign)


def book_window(deltas: Deltas, calls: Sequence[Call], new: set[str]) -> None:
    """Book what the `new` calls (by call_id) change among one number's calls in its window."""
    book(deltas, [c for c in calls if c.key not in new], -1)
    book(deltas, calls, +1)
