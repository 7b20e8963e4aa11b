"""Caller-side queries on `cdr`: first-call resolution.

FCR: for each inbound call in the period from a known number (caller not empty), is the same
number's next call (`LEAD(started_at)` over the caller's calls by time, looking up to 7 days past
the period end) within 24 h, within 7 d? fcr_24h = calls without a repeat within 24 h / calls.
Calls near the end of the data have had less time to be repeated, so recent FCR reads high.
The IVR's figures are in `cti.reports.ivr`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement, Select

from cti.reports.options import ReportOptions
from cti.reports.sqlfuncs import seconds_between
from cti.store.schema import cdr

DAY_S, WEEK_S = 86400.0, 7 * 86400.0


def _period(stmt: Select[Any], opts: ReportOptions) -> Select[Any]:
    if opts.start is not None:
        stmt = stmt.where(cdr.c.started_at >= opts.start)
    if opts.end is not None:
        stmt = stmt.where(cdr.c.started_at < opts.end)
    return stmt


def fcr(opts: ReportOptions) -> Select[Any]:
    c = cdr.c
    nxt = func.lead(c.started_at).over(partition_by=c.caller, order_by=(c.started_at, c.id))
    calls = select(c.caller, c.started_at, c.queue, nxt.label("next_at")).where(
        c.direction == "inbound", c.caller != "")
    if opts.start is not None:
        calls = calls.where(c.started_at >= opts.start)
    if opts.end is not None:
        calls = calls.where(c.started_at < opts.end + timedelta(days=7))
    s = calls.subquery("caller_call")
    gap = seconds_between(s.c.started_at, s.c.next_at)

    def repeats(within: float) -> ColumnElement[Any]:
        return func.sum(case((and_(s.c.next_at.is_not(None), gap <= within), 1), else_=0))

    stmt = select(func.count().label("calls"), func.count(s.c.caller.distinct()).label("callers"),
                  repeats(DAY_S).label("repeat_24h"), repeats(WEEK_S).label("repeat_7d"))
    if opts.start is not None:
        stmt = stmt.where(s.c.started_at >= opts.start)
    if opts.end is not None:
        stmt = stmt.where(s.c.started_at < opts.end)
    if opts.queue is not None:
        stmt = stmt.where(s.c.queue == opts.queue)
    return stmt
