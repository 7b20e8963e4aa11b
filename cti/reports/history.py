"""Traffic history per queue per interval: what `hotline forecast` and `hotline staffing` learn from.

`interval_history` is the ONE door the planning commands read history through. It reads the
15-minute interval rollups (cti/store/rollup, via `from_rollups.queue_intervals`) when
`cti.reports.plan.plan` says they can answer the traffic and agents sections of the period
(rollups complete and of this format, both bounds on the quarter-hour grid) and `interval_min` is a
multiple of 15; otherwise, or with `source="raw"`, it aggregates the raw tables (queue_log for the
visits, cdr for talk, agent_state_log for wrap-up) with the definitions of `hotline report`
(cti/reports/traffic.py). Both give:

- a *visit* is one (call, queue) that was enqueued; it belongs to the interval of its enqueue;
- `offered` = visits; `answered` = visits with an answer; `abandoned` = visits with an abandon
  and no answer (short abandons included: a forecast of arrivals must count every arrival);
- `answered_wait_s` / `abandoned_wait_s` = summed waits (queue_log.wait_s of the answer /
  abandon row); with `abandoned` they give the callers' patience (acd.staffing.measured_patience);
- `handle_s` = talk + wrap-up. Talk of the answered visits: queue_log.talk_s, else cdr.talk_s when
  the CDR's queue is this queue, in the visit's interval. Wrap-up: the agent's `wrap_up` state
  (agent_state_log, until the agent's next state row), given to the queue of the agent's latest
  `answer` at or before it began.

The one difference is *which interval* a wrap-up lands in:
- rollups: the interval(s) in which it happened (a wrap-up crossing a boundary is split); an
  interval with wrap-up but no visit is returned with offered 0, so no handle time is lost;
  the period holds the wrap-ups that happened in [start, end);
- raw rows: the interval of the visit it followed (the answer's visit); the period holds the
  wrap-ups of the visits enqueued in [start, end), even when they happened after `end`.
So offered, answered, abandoned and waits are the same per interval; handle_s is the same per queue
over a period whose edges no wrap-up crosses, and per interval where no wrap-up runs past the
interval of its visit. Planning pools AHT over six weeks per slot of the day
(acd.forecast.aht_profile), where the shift of a wrap-up by one interval is noise.

Intervals are returned sparse (no visit and no wrap-up: absent), ordered by queue then start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select, Subquery

from cti.reports.from_rollups import queue_intervals
from cti.reports.options import ReportOptions
from cti.reports.plan import ROLLUPS, Source, plan
from cti.reports.sqlfuncs import epoch_s, seconds_between
from cti.reports.traffic import visits
from cti.store.schema import UtcDateTime, agent_state_log, cdr, queue_log

INTERVAL_MIN = 15


@dataclass(frozen=True)
class IntervalTraffic:
    """One queue, one interval [start, start + interval)."""

    queue: str
    start: datetime  # UTC
    offered: int
    answered: int
    abandoned: int
    handle_s: float  # talk of the answered visits + wrap-up (see the module docstring for which interval)
    answered_wait_s: float
    abandoned_wait_s: float


async def interval_history(engine: AsyncEngine, start: datetime, end: datetime, *, queue: str | None = None,
                           interval_min: int = INTERVAL_MIN, source: Source = "auto") -> list[IntervalTraffic]:
    """Visits enqueued in [start, end) (aware datetimes), per queue per `interval_min` minutes."""
    opts = ReportOptions(start=start, end=end, queue=queue, interval_min=interval_min, now=end)
    async with engine.connect() as conn:
        if await history_source(conn, opts, source) == ROLLUPS:
            return [_from_rollups(r) for r in await queue_intervals(conn, start, end, queue=queue,
                                                                    interval_min=interval_min)]
        rows = (await conn.execute(_per_interval(opts))).mappings().all()
    return [IntervalTraffic(r["queue"], datetime.fromtimestamp(int(r["bucket"]), UTC), int(r["offered"]),
                            int(r["answered"] or 0), int(r["abandoned"] or 0), float(r["handle_s"] or 0.0),
                            float(r["answered_wait_s"] or 0.0), float(r["abandoned_wait_s"] or 0.0))
            for r in rows]


async def history_source(conn: AsyncConnection, opts: ReportOptions, source: Source = "auto") -> str:
    """"rollups", or "raw rows: <why>" (the rollups must answer both traffic and agents: wrap-up)."""
    if opts.interval_min % INTERVAL_MIN:
        return f"raw rows: {opts.interval_min}-minute intervals are not made of quarter hours"
    sources = (await plan(conn, opts, source)).sources
    return next((sources[s] for s in ("traffic", "agents") if sources[s] != ROLLUPS), ROLLUPS)


def _from_rollups(r: dict[str, Any]) -> IntervalTraffic:
    return IntervalTraffic(r["queue"], datetime.fromtimestamp(r["start"], UTC), r["offered"], r["answered"],
                           r["abandoned"], r["talk_s"] + r["wrapup_s"], r["answered_wait_s"], r["abandoned_wait_s"])


def _per_interval(opts: ReportOptions) -> Select[Any]:
    v, w = visits(opts), _wrapups_per_visit(opts)
    answered = v.c.is_answered == 1
    abandoned = and_(v.c.is_abandoned == 1, v.c.is_answered.is_(None))
    talk = func.coalesce(v.c.logged_talk, case((cdr.c.queue == v.c.queue, cdr.c.talk_s)), 0.0)
    handle = case((answered, talk + func.coalesce(w.c.wrap_s, 0.0)), else_=0.0)
    t = epoch_s(v.c.entered)
    bucket = (t - t % (opts.interval_min * 60)).cast(Integer).label("bucket")
    joined = (v.outerjoin(cdr, cdr.c.call_id == v.c.call_id)
              .outerjoin(w, and_(w.c.call_id == v.c.call_id, w.c.queue == v.c.queue)))
    return (select(v.c.queue, bucket, func.count().label("offered"),
                   func.sum(case((answered, 1), else_=0)).label("answered"),
                   func.sum(case((abandoned, 1), else_=0)).label("abandoned"),
                   func.sum(handle).label("handle_s"),
                   func.sum(case((answered, v.c.answer_wait), else_=0.0)).label("answered_wait_s"),
                   func.sum(case((abandoned, v.c.abandon_wait), else_=0.0)).label("abandoned_wait_s"))
            .select_from(joined).group_by(v.c.queue, bucket).order_by(v.c.queue, bucket))


def _wrapups_per_visit(opts: ReportOptions) -> Subquery:
    """(call_id, queue, wrap_s): each wrap-up given to the answer it followed."""
    log = agent_state_log.c
    # a visit of the period may be answered up to a day after its enqueue; its wrap-up later still
    until = opts.end + timedelta(days=1) if opts.end else None
    rows = select(log.agent_id, log.at, log.to_state,
                  func.lead(log.at, type_=UtcDateTime).over(partition_by=log.agent_id,
                                                            order_by=(log.at, log.id)).label("next_at"))
    if opts.start is not None:
        rows = rows.where(log.at >= opts.start)
    if until is not None:
        rows = rows.where(log.at < until)
    seg = rows.subquery("wrap_segment")
    q = queue_log.c
    last_answer = (select(q.id).where(q.agent_id == seg.c.agent_id, q.event == "answer", q.at <= seg.c.at)
                   .order_by(q.at.desc(), q.id.desc()).limit(1).scalar_subquery())
    wraps = (select(last_answer.label("answer_id"), seconds_between(seg.c.at, seg.c.next_at).label("seconds"))
             .where(seg.c.to_state == "wrap_up", seg.c.next_at.is_not(None)).subquery("wrap"))
    return (select(queue_log.c.call_id, queue_log.c.queue, func.sum(wraps.c.seconds).label("wrap_s"))
            .join_from(wraps, queue_log, queue_log.c.id == wraps.c.answer_id)
            .group_by(queue_log.c.call_id, queue_log.c.queue).subquery("visit_wrap"))
