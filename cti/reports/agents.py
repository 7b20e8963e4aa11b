"""Agent time queries: how long each agent spent in each state within the period.

A *segment* is one agent_state_log row's `to_state`, from its `at` until the agent's next row
(`LEAD(at)` over the agent's rows by time); the last one stays open until the period end (or
now). Segments are clipped to [start, end). So that an agent who logged in before the period
counts from its start, each agent's last row before the start is read too.
Self-transitions (a pause remembered during a call: on_call -[pause]-> on_call) just split a
segment; `calls` therefore counts `accept` rows (reserved -> on_call), not on_call segments.
Wrap-up is attributed to a queue through the agent's latest `answer` in queue_log at or before
the wrap-up began (the state log does not carry the queue).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.sql import ColumnElement, Select, Subquery

from cti.reports.options import ReportOptions
from cti.reports.sqlfuncs import seconds_between
from cti.store.schema import UtcDateTime, agent_state_log, queue_log


def _rows(opts: ReportOptions) -> Subquery:
    log = agent_state_log
    cols = (log.c.agent_id, log.c.at, log.c.id, log.c.event, log.c.to_state, log.c.reason)

    def scoped(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(log.c.agent_id == opts.agent) if opts.agent is not None else stmt

    inside = scoped(select(*cols).where(log.c.at < opts.until))
    if opts.start is None:
        return inside.subquery("state_row")
    inside = inside.where(log.c.at >= opts.start)
    last = scoped(select(log.c.agent_id, func.max(log.c.at).label("at"))
                  .where(log.c.at < opts.start).group_by(log.c.agent_id)).subquery("last_before")
    before = select(*cols).join_from(log, last, and_(log.c.agent_id == last.c.agent_id, log.c.at == last.c.at))
    return union_all(inside, before).subquery("state_row")


def segments(opts: ReportOptions) -> Subquery:
    """Each state row with its clipped start, clipped end and duration in seconds."""
    r = _rows(opts)
    nxt = func.lead(r.c.at, type_=UtcDateTime).over(partition_by=r.c.agent_id, order_by=(r.c.at, r.c.id))
    raw = select(r, nxt.label("next_at")).subquery("raw_segment")
    until = literal(opts.until, UtcDateTime)
    end: ColumnElement[Any] = case((raw.c.next_at.is_(None), until), (raw.c.next_at > until, until),
                                   else_=raw.c.next_at)
    begin: ColumnElement[Any] = raw.c.at
    if opts.start is not None:
        start = literal(opts.start, UtcDateTime)
        begin = case((raw.c.at < start, start), else_=raw.c.at)
    seconds = seconds_between(begin, end)
    in_period = raw.c.at >= opts.start if opts.start is not None else literal(True)
    return select(
        raw.c.agent_id, raw.c.at, raw.c.event, raw.c.to_state, raw.c.reason,
        case((seconds > 0, seconds), else_=0.0).label("seconds"),
        in_period.label("in_period"),
    ).subquery("segment")


def per_agent_state(opts: ReportOptions) -> Select[Any]:
    """Rows (agent_id, state, pause reason, seconds, accepted calls)."""
    s = segments(opts)
    reason = case((s.c.to_state == "paused", func.coalesce(s.c.reason, "")), else_="")
    accepted = case((and_(s.c.event == "accept", s.c.in_period), 1), else_=0)
    return (
        select(s.c.agent_id, s.c.to_state, reason.label("reason"),
               func.sum(s.c.seconds).label("seconds"), func.sum(accepted).label("calls"))
        .group_by(s.c.agent_id, s.c.to_state, reason)
        .order_by(s.c.agent_id)
    )


def wrapup_per_queue(opts: ReportOptions) -> Select[Any]:
    """Seconds of wrap-up within the period, per queue of the call being wrapped up."""
    s = segments(ReportOptions(start=opts.start, end=opts.end, now=opts.now))
    q = queue_log.c
    last_queue = (
        select(q.queue)
        .where(q.agent_id == s.c.agent_id, q.event == "answer", q.at <= s.c.at)
        .order_by(q.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    wraps = (select(last_queue.label("queue"), s.c.seconds)
             .where(s.c.to_state == "wrap_up", s.c.seconds > 0)).subquery("wrap")
    return select(wraps.c.queue, func.sum(wraps.c.seconds).label("seconds")).group_by(wraps.c.queue)
