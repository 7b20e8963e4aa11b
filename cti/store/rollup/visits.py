"""Queue visits (pure): what one (call, queue) adds to `rollup_queue`.

The definitions are those of the raw report (cti/reports/traffic.py). A *visit* is the queue_log
rows of one (call_id, queue); it belongs to the bucket of its first `enqueue` (no enqueue: not a
visit). Answered: it has an `answer` (wait = the largest wait_s of its answer rows); abandoned:
an `abandon` and no answer (wait likewise). Talk of an answered visit: its largest queue_log
talk_s, else the CDR's talk_s when the CDR's queue is this queue.

Service level and short abandons depend on thresholds a report chooses, so the rollups keep, for
every threshold T in THRESHOLDS, how many answered / abandoned visits waited <= T s
(`ans_le_T`, `abn_le_T`); a report whose threshold is not in the list reads raw rows. `*_timed`
count the visits whose wait is known (NULL waits satisfy no threshold, as in SQL). Sums are
integer microseconds. `max_wait` is a peak (the largest wait_s of any row), not a sum.

A visit's figures depend on all its rows and on its CDR, which may arrive in any order: the
writer books `figures(after) - figures(before)` for every visit a batch touches (`add_visits`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cti.store.rollup.buckets import seconds_to_us
from cti.store.rollup.deltas import Deltas

TABLE = "rollup_queue"
THRESHOLDS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 40, 45, 60, 90, 120, 180, 240, 300)
COUNTS = ("offered", "answered", "abandoned", "answered_timed", "abandoned_timed")
SUMS_US = ("wait_us", "abandon_wait_us", "talk_us")
ANSWERED_LE = tuple(f"ans_le_{t}" for t in THRESHOLDS)
ABANDONED_LE = tuple(f"abn_le_{t}" for t in THRESHOLDS)
SUM_COLUMNS = COUNTS + SUMS_US + ANSWERED_LE + ABANDONED_LE
PEAK_COLUMN = "max_wait"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """The queue_log columns a visit needs; `key` is the row's event_id."""

    key: str
    call_id: str
    queue: str
    event: str
    at_us: int
    wait_s: float | None = None
    talk_s: float | None = None


@dataclass(frozen=True, slots=True)
class CallTalk:
    """The CDR columns a visit needs: the call's last queue and its talk time."""

    queue: str | None
    talk_s: float | None


@dataclass(frozen=True, slots=True)
class Visit:
    entered_us: int
    sums: dict[str, int]
    max_wait: float | None


def _largest(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def figures(rows: Sequence[QueueRow], call: CallTalk | None) -> Visit | None:
    """One visit's contribution, or None when none of its rows is an enqueue."""
    enqueues = [r.at_us for r in rows if r.event == "enqueue"]
    if not enqueues:
        return None
    answered = any(r.event == "answer" for r in rows)
    abandoned = not answered and any(r.event == "abandon" for r in rows)
    wait = _largest(r.wait_s for r in rows if r.event == ("answer" if answered else "abandon"))
    sums = {"offered": 1, "answered": int(answered), "abandoned": int(abandoned)}
    if answered:
        sums.update(_answered(wait, _talk(rows, call)))
    elif abandoned and wait is not None:
        sums.update(abandoned_timed=1, abandon_wait_us=seconds_to_us(wait),
                    **{f"abn_le_{t}": int(wait <= t) for t in THRESHOLDS})
    return Visit(min(enqueues), sums, _largest(r.wait_s for r in rows))


def _talk(rows: Sequence[QueueRow], call: CallTalk | None) -> float | None:
    logged = _largest(r.talk_s for r in rows)
    if logged is not None or call is None or call.queue != rows[0].queue:
        return logged
    return call.talk_s


def _answered(wait: float | None, talk: float | None) -> dict[str, int]:
    sums = {} if talk is None else {"talk_us": seconds_to_us(talk)}
    if wait is not None:
        sums.update(answered_timed=1, wait_us=seconds_to_us(wait), **{f"ans_le_{t}": int(wait <= t) for t in THRESHOLDS})
    return sums


def group(rows: Iterable[QueueRow]) -> dict[tuple[str, str], list[QueueRow]]:
    visits: dict[tuple[str, str], list[QueueRow]] = {}
    for row in rows:
        visits.setdefault((row.call_id, row.queue), []).append(row)
    return visits


def book(deltas: Deltas, rows: Iterable[QueueRow], calls: Mapping[str, CallTalk], sign: int,
         within: tuple[int, int] | None = None) -> None:
    """Add (sign +1) or take away (-1) the figures of every visit in `rows`; peaks only grow.

    `within` = (lo_us, hi_us) keeps only the visits entered in [lo, hi) (the rebuild of a range).
    """
    for (call_id, queue), visit_rows in group(rows).items():
        visit = figures(visit_rows, calls.get(call_id))
        if visit is None or (within is not None and not within[0] <= visit.entered_us < within[1]):
            continue
        deltas.add_at(TABLE, visit.entered_us, (queue,), visit.sums, sign)
        if sign > 0:
            deltas.peak_at(TABLE, visit.entered_us, (queue,), PEAK_COLUMN, visit.max_wait)


def add_visits(deltas: Deltas, before: Iterable[QueueRow], after: Iterable[QueueRow],
               calls_before: Mapping[str, CallTalk], calls_after: Mapping[str, CallTalk]) -> None:
    """Book what a batch changed: every touched visit's figures after, minus its figures before."""
    book(deltas, before, calls_before, -1)
    book(deltas, after, calls_after, +1)
