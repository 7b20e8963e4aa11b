"""Agent time queries: how long each agent spent in each state within the period.

A *segment* is one agent_state_log row's `to_state`, from its `at` until the agent's next row
(`LEAD(at)` over the agent's rows by time); the last one stays open until the period end (or
now). Segments are clipped to [start, end). So that an agent who logged in before the period
counts from its start, each agent's last row before the start is read too.
Self-transitions (a pause remembered during a call: on_call -[pause]-> on_call) just split a
segment; `calls` therefore counts `accept` rows (reserved -> on_call), not on_call segments.
Wrap-up is attributed to a queue through the agent's latest `answer` in queue_log at or before
the wrap-up began (the state log does not carry the queue); of two answers at the same time, the
later written (higher id), as the rollups take it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement, Select, Subquery

from cti.reports.options import ReportOptions
from cti.reports.sqlfuncs import seconds_between
from cti.store.rollup.fetch import agent_ids_cte
from cti.store.schema import UtcDateTime, agent_state_log, queue_log


def _rows(opts: ReportOptions) -> Subquery:
    log = agent_state_log
    cols = (log.c.agent_id, log.c.at, log.c.id, log.c.event, log.c.to_state, log.c.reason)
    inside = select(*cols).where(log.c.at < opts.until)
    if opts.start is None:
        return inside.subquery("state_row")
    inside = inside.where(log.c.at >= opts.start)
    last = _last_row_before(opts.start)
    before = select(*cols).join_from(log, last, and_(log.c.agent_id == last.c.agent_id, log.c.at == last.c.at))
    return union_all(inside, before).subquery("state_row")


def _last_row_before(start: datetime) -> Subquery:
    """(agent_id, at) of each agent's last row before `start`, by index seeks, not a scan.

    A recursive CTE walks the distinct agent ids through the (agent_id, at) index (a "skip
    scan": one seek per agent), then one seek per agent finds its last row before `start`.
    A plain GROUP BY would read every row of the log's history before the period.
    """
    log = agent_state_log
    ids = agent_ids_cte()
    last_at = (select(func.max(log.c.at)).where(log.c.agent_id == ids.c.agent_id, log.c.at < start)
               .scalar_subquery())
    return select(ids.c.agent_id, last_at.label("at")).where(ids.c.agent_id.is_not(None)).subquery("last_before")


def segments(opts: ReportOptions) -> Subquery:
    """Each state row (of every agent) with its duration in seconds, clipped to the period."""
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
    in_period = raw.c.at >= opts.start if opts.start is not None else literal(True)
    stmt = select(
        raw.c.agent_id, raw.c.at, raw.c.event, raw.c.to_state, raw.c.reason,
        seconds_between(begin, end).label("seconds"),
        in_period.label("in_period"),
    )
    if opts.start is not None:  # the row before the period may have ended before it
        stmt = stmt.where(or_(raw.c.next_at.is_(None), raw.c.next_at > start))
    return stmt.subquery("segment")


def per_agent_state(opts: ReportOptions) -> Select[Any]:
    """Rows (agent_id, to_state, reason, queue, seconds, calls), one LEAD pass for both sections.

    `reason` is the pause reason of paused rows ('' otherwise); `queue` is the queue a wrap-up
    is attributed to (NULL for other states). The agent filter is left to the caller because
    the queue section needs every agent's wrap-up.
    """
    s = segments(opts)
    q = queue_log.c
    last_queue = (
        select(q.queue)
        .where(q.agent_id == s.c.agent_id, q.event == "answer", q.at <= s.c.at)
        .order_by(q.at.desc(), q.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = select(
        s.c.agent_id, s.c.to_state, s.c.seconds,
        case((s.c.to_state == "paused", func.coalesce(s.c.reason, "")), else_="").label("reason"),
        # CASE first: the lookup runs for wrap-up rows only
        case((s.c.to_state == "wrap_up", last_queue)).label("queue"),
        case((and_(s.c.event == "accept", s.c.in_period), 1), else_=0).label("accepted"),
    ).subquery("attributed")
    keys = (rows.c.agent_id, rows.c.to_state, rows.c.reason, rows.c.queue)
    return (select(*keys, func.sum(rows.c.seconds).label("seconds"), func.sum(rows.c.accepted).label("calls"))
            .group_by(*keys))
