"""`hotline forecast` and `hotline staffing`: history from the database -> the pure planning cores.

The database part is `interval_history` (cti/reports/history.py); everything else is arithmetic
in acd/ (forecast, forecast_accuracy, staffing, shifts). This module only reshapes: UTC
intervals into whole local days per queue (`--tz`), and the cores' results into plain rows.
A queue's history starts at its first day with a call, so a database younger than `--history`
is not read as weeks of silence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.forecast import DaySeries, History, HistoryTooShort, Method, TrafficForecast, forecast
from acd.forecast_accuracy import MIN_DAYS, Accuracy, holdout
from acd.shifts import Shift, scheduled
from acd.staffing import Requirement, Target, measured_patience, requirement
from cti.reports.history import IntervalTraffic, interval_history
from cti.reports.plan import Source

SLOT_MIN = 15


@dataclass(frozen=True)
class QueueHistory:
    queue: str
    history: History
    patience_s: float | None  # measured over the whole history (None: nobody abandoned)


@dataclass(frozen=True)
class QueuePlan:
    queue: str
    history: History
    accuracy: Accuracy | None  # None when the history is too short for a held-out week
    forecast: TrafficForecast
    patience_s: float | None


async def load_histories(engine: AsyncEngine, first: date, end: date, tz: ZoneInfo,
                         queue: str | None = None, source: Source = "auto") -> list[QueueHistory]:
    """Whole local days [first, end) per queue, from each queue's first day with a call."""
    start_utc, end_utc = _midnight(first, tz), _midnight(end, tz)
    rows = await interval_history(engine, start_utc, end_utc, queue=queue, interval_min=SLOT_MIN, source=source)
    by_queue: dict[str, list[IntervalTraffic]] = defaultdict(list)
    for row in rows:
        by_queue[row.queue].append(row)
    return [_queue_history(q, rs, end, tz) for q, rs in sorted(by_queue.items())]


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def _queue_history(queue: str, rows: list[IntervalTraffic], end: date, tz: ZoneInfo) -> QueueHistory:
    cells: dict[tuple[date, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in rows:
        local = r.start.astimezone(tz)
        cell = cells[local.date(), (local.hour * 60 + local.minute) // SLOT_MIN]
        cell[0] += r.offered
        cell[1] += r.answered
        cell[2] += r.handle_s
    first = min(day for day, _ in cells)
    days = tuple(_day(first + timedelta(days=i), cells) for i in range((end - first).days))
    patience = measured_patience(sum(r.abandoned for r in rows), sum(r.answered_wait_s for r in rows),
                                 sum(r.abandoned_wait_s for r in rows))
    return QueueHistory(queue, History(days, SLOT_MIN), patience)


def _day(day: date, cells: dict[tuple[date, int], list[float]]) -> DaySeries:
    slots = [cells.get((day, k), (0.0, 0.0, 0.0)) for k in range(24 * 60 // SLOT_MIN)]
    return DaySeries(day, tuple(s[0] for s in slots), tuple(s[1] for s in slots), tuple(s[2] for s in slots))


def plan(qh: QueueHistory, days: int, method: Method, need_holdout: bool) -> QueuePlan:
    """Accuracy on the last week (when the history allows or `need_holdout`), then the forecast
    from the whole history. HistoryTooShort names the queue and what is missing."""
    n = len(qh.history.days)
    try:
        accuracy = holdout(qh.history, method) if need_holdout or n >= MIN_DAYS else None
        fc = forecast(qh.history, days, method)
    except HistoryTooShort as exc:
        span = f"{qh.history.days[0].day} .. {qh.history.days[-1].day}" if n else "nothing"
        raise HistoryTooShort(f"queue {qh.queue}: {exc} (history read: {span}); widen --history/--from, "
                              f"or wait for more days of calls") from None
    if all(a is None for d in fc.days for a in d.aht_s) and any(c > 0 for d in fc.days for c in d.calls):
        raise HistoryTooShort(f"queue {qh.queue}: no answered call in the history, so no handle time to "
                              "staff for; widen --history/--from")
    return QueuePlan(qh.queue, qh.history, accuracy, fc, qh.patience_s)


@dataclass(frozen=True)
class StaffingRow:
    queue: str
    start: datetime  # local
    need: Requirement
    scheduled: float | None


def staffing_rows(p: QueuePlan, target: Target, shifts: list[Shift] | None) -> list[StaffingRow]:
    rows = []
    for day in p.forecast.days:
        planned = scheduled(shifts, day.day, p.queue, SLOT_MIN) if shifts is not None else None
        for k, (calls, aht) in enumerate(zip(day.calls, day.aht_s)):
            start = datetime.combine(day.day, time(0)) + timedelta(minutes=k * SLOT_MIN)
            need = requirement(calls, aht, SLOT_MIN, target)
            rows.append(StaffingRow(p.queue, start, need, planned[k] if planned is not None else None))
    return rows
