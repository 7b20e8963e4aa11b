"""Agent time by state (pure): what a window of one agent's state log adds to `rollup_agent`.

The definitions are those of the raw report (cti/reports/agents.py). Each agent_state_log row
starts a *segment* that lasts until the agent's next row, ordered by (at, id); it is labelled
(to_state, pause reason for `paused` rows else '', queue for `wrap_up` rows else ''). A wrap-up's
queue is that of the agent's latest queue_log `answer` at or before the row (ties by id): the
state log does not carry it. The agent's last row is *open*: it is not in the rollups, a report
adds it from the raw latest row (until the period end). `logged_out` time is not kept: no report
figure uses it. `accepts` counts `accept` rows in the bucket of their time (an agent's calls).

Theory of operation (order-independent, exactly once). The rollup is a function of the rows
present. A batch adding rows to an agent changes only the segments and labels inside a *window*:
from P, the agent's last old row before the earliest new row (or the first row), to S, the first
old row after every row whose segment or label may change (or the end: the open row). Rows whose
label may change are the new rows and the old wrap-ups between a new answer and the next old
answer. So the writer books `contribution(window after) - contribution(window before)`: the
segments outside the window and the rows P and S themselves are the same on both sides and
cancel. Any contiguous window containing that one is as good (the rebuild uses whole days).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from cti.store.rollup.deltas import Deltas

TABLE = "rollup_agent"
SUM_COLUMNS = ("us", "accepts")
NOT_KEPT = "logged_out"

Label = tuple[str, str, str]  # (state, reason, queue)


@dataclass(frozen=True, slots=True, order=True)
class StateRow:
    """The agent_state_log columns a segment needs; ordered by (at, id) like the raw report."""

    at_us: int
    id: int
    event: str = ""
    to_state: str = ""
    reason: str | None = None
    key: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Answer:
    """An `answer` row of the agent in queue_log, ordered by (at, id)."""

    at_us: int
    id: int
    queue: str = ""
    key: str = ""


def label(row: StateRow, queue: str) -> Label:
    """The segment's label; `queue` is the row's attributed queue (used for wrap-ups only)."""
    reason = (row.reason or "") if row.to_state == "paused" else ""
    return row.to_state, reason, queue if row.to_state == "wrap_up" else ""


def attributed_queue(at_us: int, answers: Sequence[Answer], times: Sequence[int]) -> str:
    """Queue of the latest answer at or before `at_us` ('' when none); `times` = the answers' at_us."""
    index = bisect_right(times, at_us)
    return answers[index - 1].queue if index else ""


def book(deltas: Deltas, agent: str, rows: Sequence[StateRow], answers: Sequence[Answer], sign: int,
         within: tuple[int, int] | None = None) -> None:
    """Add (+1) or take away (-1) the closed segments between consecutive `rows` and their accepts.

    `rows` and `answers` are one agent's, sorted; `within` = (lo_us, hi_us) keeps only what falls
    in [lo, hi) (the rebuild of a range), else everything is booked.
    """
    times = [a.at_us for a in answers]
    for i, row in enumerate(rows):
        rest = (agent, *label(row, attributed_queue(row.at_us, answers, times)))
        if row.event == "accept" and _inside(row.at_us, within):
            deltas.add_at(TABLE, row.at_us, rest, {"accepts": 1}, sign)
        if i + 1 < len(rows) and row.to_state != NOT_KEPT:
            start, end = _clip(row.at_us, rows[i + 1].at_us, within)
            deltas.add_span(TABLE, start, end, rest, "us", sign)


def _inside(t_us: int, within: tuple[int, int] | None) -> bool:
    return within is None or within[0] <= t_us < within[1]


def _clip(start: int, end: int, within: tuple[int, int] | None) -> tuple[int, int]:
    return (start, end) if within is None else (max(start, within[0]), min(end, within[1]))


def book_window(deltas: Deltas, agent: str, rows: Sequence[StateRow], answers: Sequence[Answer],
                new_rows: set[str], new_answers: set[str]) -> None:
    """Book what new rows and answers change inside one agent's window (all rows, sorted)."""
    old_rows = [r for r in rows if r.key not in new_rows]
    old_answers = [a for a in answers if a.key not in new_answers]
    book(deltas, agent, old_rows, old_answers, -1)
    book(deltas, agent, rows, answers, +1)


@dataclass(frozen=True, slots=True)
class WindowNeed:
    """What a batch brings for one agent: where its new rows and new answers lie (µs)."""

    lo_us: int  # the earliest new row or answer
    last_row_us: int | None  # the latest new state row
    last_answer_us: int | None  # the latest new answer

    @classmethod
    def of(cls, rows: Sequence[int], answers: Sequence[int]) -> WindowNeed:
        return cls(min([*rows, *answers]), max(rows, default=None), max(answers, default=None))


def bounds(need: WindowNeed, old_rows: Sequence[int], old_answers: Sequence[int]) -> tuple[int | None, int | None]:
    """(P, S) of the theory of operation, from the agent's old row and answer times (sorted).

    The window is every row with P <= at <= S (None: unbounded), labelled by every answer from A0
    to S, A0 being the latest answer at or before the window's first row *and* before `lo_us` (an old
    answer: the labels before the batch need it as much as those after). Written in SQL by the
    writer (cti/store/rollup/fetch.py); here for the model the property tests check it against.
    """
    p = max((t for t in old_rows if t < need.lo_us), default=None)
    floor = None
    if need.last_answer_us is not None:
        floor = min((t for t in old_answers if t > need.last_answer_us), default=None)
        if floor is None:
            return p, None  # every later wrap-up may change: the window runs to the end
    after = [t for t in old_rows if (need.last_row_us is None or t > need.last_row_us)
             and (floor is None or t >= floor)]
    return p, min(after, default=None)
