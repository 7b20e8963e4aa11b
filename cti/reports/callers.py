"""Caller-side queries on `cdr`: first-call resolution and IVR containment / drop-out.

FCR: for each inbound call in the period from a known number (caller not empty), is the same
number's next call (`LEAD(started_at)` over the caller's calls by time, looking up to 7 days past
the period end) within 24 h, within 7 d? fcr_24h = calls without a repeat within 24 h / calls.
Calls near the end of the data have had less time to be repeated, so recent FCR reads high.
IVR: calls that ran a flow (ivr_flow not empty). `contained` = never reached a queue (queue is
NULL) and disposition completed; `drop_out` = never reached a queue and caller_hangup, by exit_node.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement, Select

from cti.reports.options import ReportOptions
from cti.reports.sqlfuncs import seconds_between
from cti.store.models import CALLER_HANGUP, COMPLETED
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


def ivr_totals(opts: ReportOptions) -> Select[Any]:
    c = cdr.c
    no_queue = c.queue.is_(None)

    def count_if(cond: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((cond, 1), else_=0))

    stmt = select(
        func.count().label("calls"),
        count_if(and_(no_queue, c.disposition == COMPLETED)).label("contained"),
        count_if(c.queue.is_not(None)).label("to_queue"),
        count_if(and_(no_queue, c.disposition == CALLER_HANGUP)).label("dropped"),
    ).where(c.ivr_flow != "")
    return _period(stmt, opts)


def ivr_drop_out(opts: ReportOptions) -> Select[Any]:
    c = cdr.c
    stmt = (select(c.exit_node, func.count().label("calls"))
            .where(c.ivr_flow != "", c.queue.is_(None), c.disposition == CALLER_HANGUP)
            .group_by(c.exit_node).order_by(func.count().desc(), c.exit_node))
    return _period(stmt, opts)
