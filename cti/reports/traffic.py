"""Queue traffic queries: per queue and per interval, aggregated by the database.

One *queue visit* = the queue_log rows of one (call_id, queue): entered at its `enqueue`,
answered if it has an `answer` (wait from that row), abandoned if an `abandon` and no answer.
A visit belongs to the period its enqueue falls in; rows up to a day after the period end are
read so a call queued at 10:59 and answered at 11:01 still counts as answered.
Talk per answered visit: queue_log.talk_s when logged, else cdr.talk_s when the CDR's queue is
this queue (a CDR carries the talk of its last queue).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, select
from sqlalchemy.sql import ColumnElement, Select, Subquery

from cti.reports.options import ReportOptions, day_after
from cti.reports.sqlfuncs import epoch_s
from cti.store.schema import UtcDateTime, cdr, queue_log


def visits(opts: ReportOptions) -> Subquery:
    q = queue_log.c
    event = q.event

    def when(name: str, value: Any) -> ColumnElement[Any]:
        return case((event == name, value))

    stmt = (
        select(
            q.call_id, q.queue,
            func.min(when("enqueue", q.at)).label("entered"),
            func.max(when("answer", 1)).label("is_answered"),
            func.max(when("answer", q.wait_s)).label("answer_wait"),
            func.max(when("abandon", 1)).label("is_abandoned"),
            func.max(when("abandon", q.wait_s)).label("abandon_wait"),
            func.max(q.wait_s).label("max_wait"),
            func.max(q.talk_s).label("logged_talk"),
        )
        .group_by(q.call_id, q.queue)
    )
    if opts.start is not None:
        stmt = stmt.where(q.at >= opts.start)
    if opts.end is not None:
        stmt = stmt.where(q.at < day_after(opts.end))
    if opts.queue is not None:
        stmt = stmt.where(q.queue == opts.queue)
    entered = func.min(when("enqueue", q.at))
    stmt = stmt.having(entered.is_not(None))
    if opts.start is not None:
        stmt = stmt.having(entered >= literal(opts.start, UtcDateTime))
    if opts.end is not None:
        stmt = stmt.having(entered < literal(opts.end, UtcDateTime))
    return stmt.subquery("visit")


def _counts(v: Subquery, opts: ReportOptions) -> list[ColumnElement[Any]]:
    answered = v.c.is_answered == 1
    abandoned = and_(v.c.is_abandoned == 1, v.c.is_answered.is_(None))

    def count_if(cond: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((cond, 1), else_=0))

    short = and_(abandoned, v.c.abandon_wait <= opts.short_abandon_s)
    return [
        func.count().label("offered"),
        count_if(answered).label("answered"),
        count_if(abandoned).label("abandoned"),
        count_if(short).label("short_abandons"),
        count_if(and_(abandoned, v.c.abandon_wait > opts.sl_seconds,
                      v.c.abandon_wait > opts.short_abandon_s)).label("late_abandons"),
        count_if(and_(answered, v.c.answer_wait <= opts.sl_seconds)).label("answered_in_sl"),
        func.sum(case((answered, v.c.answer_wait))).label("wait_sum"),
        func.max(v.c.max_wait).label("max_wait"),
    ]


def per_queue(opts: ReportOptions) -> Select[Any]:
    v = visits(opts)
    talk = func.coalesce(v.c.logged_talk, case((cdr.c.queue == v.c.queue, cdr.c.talk_s)))
    return (
        select(v.c.queue, *_counts(v, opts),
               func.sum(case((v.c.is_answered == 1, talk))).label("talk_sum"))
        .select_from(v.outerjoin(cdr, cdr.c.call_id == v.c.call_id))
        .group_by(v.c.queue)
        .order_by(v.c.queue)
    )


def per_interval(opts: ReportOptions) -> Select[Any]:
    v = visits(opts)
    step = opts.interval_min * 60
    t = epoch_s(v.c.entered)
    bucket = (t - t % step).label("bucket")
    inner = select(bucket, v).subquery("bucketed")
    counts = _counts(inner, opts)
    return select(inner.c.bucket.cast(Integer).label("bucket"), *counts).group_by(inner.c.bucket).order_by(inner.c.bucket)
