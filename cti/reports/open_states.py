"""The open state of each agent: the part of agent time the rollups cannot hold yet.

An agent's latest agent_state_log row (by at, then id) has no end: the rollups hold only closed
segments (cti/store/rollup/timeline.py), so a report adds [max(latest.at, start), until) for it,
labelled like any segment (pause reason, wrap-up queue from the agent's latest answer). The
latest rows are found by index seeks per agent (a recursive skip scan of the agent ids), so this
costs one seek per agent whatever the history's length.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports.options import ReportOptions
from cti.reports.reads import TimeRow
from cti.store.rollup.fetch import agent_ids_cte
from cti.store.schema import agent_state_log, queue_log

NOT_KEPT = "logged_out"


async def latest_rows(conn: AsyncConnection) -> list[tuple[str, datetime, str, str, str | None]]:
    """(agent_id, at, to_state, reason, attributed queue) of each agent's latest row."""
    log, q = agent_state_log.c, queue_log.c
    ids = agent_ids_cte()
    last = select(ids.c.agent_id, select(func.max(log.at)).where(log.agent_id == ids.c.agent_id)
                  .scalar_subquery().label("at")).where(ids.c.agent_id.is_not(None)).subquery("last_at")
    answer = (select(q.queue).where(q.agent_id == log.agent_id, q.event == "answer", q.at <= log.at)
              .order_by(q.at.desc(), q.id.desc()).limit(1).scalar_subquery())
    stmt = (select(log.agent_id, log.at, log.id, log.to_state, log.reason, answer.label("queue"))
            .join_from(agent_state_log, last, and_(log.agent_id == last.c.agent_id, log.at == last.c.at)))
    latest: dict[str, tuple[int, tuple[str, datetime, str, str, str | None]]] = {}
    for r in await conn.execute(stmt):
        if r.agent_id not in latest or r.id > latest[r.agent_id][0]:
            latest[r.agent_id] = (r.id, (r.agent_id, r.at, r.to_state, r.reason or "", r.queue))
    return [row for _, row in latest.values()]


async def open_time_rows(conn: AsyncConnection, opts: ReportOptions) -> list[TimeRow]:
    rows = []
    for agent, at, state, reason, queue in await latest_rows(conn):
        begin = at if opts.start is None else max(at, opts.start)
        seconds = (opts.until - begin).total_seconds()
        if state == NOT_KEPT or seconds <= 0:
            continue
        rows.append(TimeRow(agent, state, reason if state == "paused" else "",
                            queue if state == "wrap_up" else None, seconds, 0))
    return rows
