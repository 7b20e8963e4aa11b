"""`RollupReads`: every section summed from the interval rollups (cti/store/rollup).

A period [start, end) on the quarter-hour grid is read as the fewest aligned buckets
(`buckets.cover`: day rows for whole days, hours, quarters at the edges), so a 30-day report reads
about 30 rows per queue, agent state or node. Two figures still touch raw rows, both bounded by
the period's edges, never by the history: an agent's *open* state (the latest row of each agent,
by index seeks) and the distinct callers of the partial first and last days of the period
(cti/reports/callers_distinct.py).
Thresholds come from the kept columns (`ans_le_T`, `abn_le_T`); cti/reports/plan.py sends a
report to raw rows when a threshold or a period bound is not one the rollups keep.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cti.reports.callers_distinct import distinct_callers
from cti.reports.open_states import open_time_rows
from cti.reports.options import ReportOptions
from cti.reports.reads import Counts, IvrFigures, TimeRow
from cti.store.rollup.buckets import QUARTER, US, cover
from cti.store.rollup.tables import (
    rollup_agent,
    rollup_caller,
    rollup_dial,
    rollup_ivr_exit,
    rollup_ivr_key,
    rollup_ivr_node,
    rollup_queue,
)

TRAFFIC_SUMS = ("offered", "answered", "abandoned", "answered_timed", "abandoned_timed", "wait_us", "talk_us")


def _epoch(t: datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


def in_period(table: Table, opts: ReportOptions) -> ColumnElement[bool]:
    """The table's rows whose buckets make up [start, end), at the coarsest grain that fits."""
    ranges = []
    for span, lo, hi in cover(_epoch(opts.start), _epoch(opts.end)):
        bounds = [table.c.span == span]
        bounds += [] if lo is None else [table.c.bucket >= lo]
        bounds += [] if hi is None else [table.c.bucket < hi]
        ranges.append(and_(*bounds))
    return or_(*ranges)


def _sums(table: Table, names: tuple[str, ...]) -> list[Any]:
    return [func.sum(table.c[n]).label(n) for n in names]


def _traffic_columns(opts: ReportOptions) -> list[Any]:
    t = rollup_queue.c
    sl, short = int(opts.sl_seconds), int(opts.short_abandon_s)
    return [*_sums(rollup_queue, TRAFFIC_SUMS), func.sum(t[f"ans_le_{sl}"]).label("answered_in_sl"),
            func.sum(t[f"abn_le_{short}"]).label("short_abandons"),
            func.sum(t[f"abn_le_{max(sl, short)}"]).label("early_abandons"), func.max(t.max_wait).label("max_wait")]


def _traffic(row: Any) -> dict[str, Any]:
    """Summed rollup columns -> the counts raw traffic queries give (kpis.traffic's input)."""
    r = row._mapping
    return {"offered": int(r["offered"] or 0), "answered": int(r["answered"] or 0),
            "abandoned": int(r["abandoned"] or 0), "short_abandons": int(r["short_abandons"] or 0),
            "late_abandons": int(r["abandoned_timed"] or 0) - int(r["early_abandons"] or 0),
            "answered_in_sl": int(r["answered_in_sl"] or 0),
            "wait_sum": int(r["wait_us"]) / US if r["answered_timed"] else None,
            "talk_sum": int(r["talk_us"] or 0) / US, "max_wait": r["max_wait"]}


def _queue_filter(table: Table, opts: ReportOptions) -> list[ColumnElement[bool]]:
    return [] if opts.queue is None else [table.c.queue == opts.queue]


class RollupReads:
    async def queue_traffic(self, conn: AsyncConnection, opts: ReportOptions) -> list[Counts]:
        t = rollup_queue
        stmt = (select(t.c.queue, *_traffic_columns(opts)).where(in_period(t, opts), *_queue_filter(t, opts))
                .group_by(t.c.queue).having(func.sum(t.c.offered) > 0).order_by(t.c.queue))
        return [{"queue": row.queue, **_traffic(row)} for row in await conn.execute(stmt)]

    async def interval_traffic(self, conn: AsyncConnection, opts: ReportOptions) -> dict[int, Counts]:
        t, step = rollup_queue, opts.interval_min * 60
        start = (t.c.bucket - t.c.bucket % step).label("start")
        period = [t.c.span == QUARTER, *_queue_filter(t, opts)]
        period += [] if opts.start is None else [t.c.bucket >= _epoch(opts.start)]
        period += [] if opts.end is None else [t.c.bucket < _epoch(opts.end)]
        stmt = (select(start, *_traffic_columns(opts)).where(*period).group_by(start)
                .having(func.sum(t.c.offered) > 0))
        return {int(row.start): _traffic(row) for row in await conn.execute(stmt)}

    async def agent_time(self, conn: AsyncConnection, opts: ReportOptions) -> list[Any]:
        t = rollup_agent.c
        keys = (t.agent_id, t.state, t.reason, t.queue)
        stmt = (select(*keys, func.sum(t.us).label("us"), func.sum(t.accepts).label("calls"))
                .where(in_period(rollup_agent, opts)).group_by(*keys))
        closed = [TimeRow(r.agent_id, r.state, r.reason, r.queue or None, int(r.us or 0) / US, int(r.calls or 0))
                  for r in await conn.execute(stmt)]
        return closed + await open_time_rows(conn, opts)

    async def fcr(self, conn: AsyncConnection, opts: ReportOptions) -> Counts:
        t = rollup_caller
        stmt = select(*_sums(t, ("calls", "repeat_24h", "repeat_7d"))).where(in_period(t, opts), *_queue_filter(t, opts))
        row = (await conn.execute(stmt)).one()._mapping
        return {**row, "callers": await distinct_callers(conn, opts)}

    async def ivr(self, conn: AsyncConnection, opts: ReportOptions) -> IvrFigures:
        e, n, k = rollup_ivr_exit, rollup_ivr_node, rollup_ivr_key
        totals = (await conn.execute(select(*_sums(e, ("calls", "contained", "to_queue", "dropped", "failed",
                                                       "to_agent_after_failures"))).where(in_period(e, opts)))).one()
        dropped = func.sum(e.c.dropped)
        drops = await conn.execute(select(e.c.exit_node, dropped).where(in_period(e, opts)).group_by(e.c.exit_node)
                                   .having(dropped > 0).order_by(dropped.desc(), e.c.exit_node))
        nodes = await conn.execute(select(n.c.flow, n.c.node, *_sums(n, ("visits", "retried", "failed", "silent",
                                                                          "to_agent", "hung_up")))
                                   .where(in_period(n, opts)).group_by(n.c.flow, n.c.node)
                                   .having(func.sum(n.c.visits) > 0).order_by(n.c.flow, n.c.node))
        keys: dict[tuple[str, str], Counter[str]] = {}
        stmt = select(k.c.flow, k.c.node, k.c.key, func.sum(k.c.n).label("n")).where(in_period(k, opts)).group_by(
            k.c.flow, k.c.node, k.c.key).having(func.sum(k.c.n) > 0)
        for row in await conn.execute(stmt):
            keys.setdefault((row.flow, row.node), Counter())[row.key] = int(row.n)
        return IvrFigures(totals._mapping, [(r[0], int(r[1])) for r in drops], list(nodes.mappings()), keys)

    async def dialer(self, conn: AsyncConnection, opts: ReportOptions) -> dict[str, dict[str, int]] | None:
        t = rollup_dial.c
        stmt = (select(t.campaign, t.outcome, func.sum(t.n).label("n")).where(in_period(rollup_dial, opts))
                .group_by(t.campaign, t.outcome).having(func.sum(t.n) > 0))
        counts: dict[str, dict[str, int]] = {}
        for row in await conn.execute(stmt):
            counts.setdefault(row.campaign, {})[row.outcome.lower()] = int(row.n)
        return counts


async def queue_intervals(conn: AsyncConnection, start: datetime, end: datetime, *, queue: str | None = None,
                          interval_min: int = 15) -> list[dict[str, Any]]:
    """Per queue per interval of [start, end) (quarter-hour grid; `interval_min` a multiple of 15), by
    queue then start: offered, answered, abandoned, the summed waits of answered and abandoned visits,
    talk, and the wrap-up time spent in the interval after answers of the queue (by when it happened,
    not by the interval of the visit it followed). Sparse, but an interval with wrap-up and no visit
    is kept (offered 0) so that no handle time is lost. For planning (`interval_history`); the caller
    checks `plan` first."""
    t, a, step = rollup_queue.c, rollup_agent.c, interval_min * 60
    lo, hi = int(start.timestamp()), int(end.timestamp())
    first = (t.bucket - t.bucket % step).label("start")
    sums = [func.sum(t[n]).label(n) for n in ("offered", "answered", "abandoned", "wait_us", "abandon_wait_us",
                                              "talk_us")]
    period = [t.span == QUARTER, t.bucket >= lo, t.bucket < hi] + ([] if queue is None else [t.queue == queue])
    stmt = select(t.queue, first, *sums).where(*period).group_by(t.queue, first).having(func.sum(t.offered) > 0)
    wrap_start = (a.bucket - a.bucket % step).label("start")
    mine = [a.queue != ""] if queue is None else [a.queue == queue]  # "": wrap-up after no answer
    wraps = (select(a.queue, wrap_start, func.sum(a.us)).where(a.span == QUARTER, a.bucket >= lo, a.bucket < hi,
                                                               a.state == "wrap_up", a.queue.is_not(None), *mine)
             .group_by(a.queue, wrap_start).having(func.sum(a.us) > 0))
    wrap = {(q, int(s)): int(us) / US for q, s, us in await conn.execute(wraps)}
    rows = {(r.queue, int(r.start)): _interval(r.queue, int(r.start), r) for r in await conn.execute(stmt)}
    for key, seconds in wrap.items():
        rows.setdefault(key, _interval(*key, None))["wrapup_s"] = seconds
    return [rows[key] for key in sorted(rows)]


def _interval(queue: str, start: int, r: Any) -> dict[str, Any]:
    """One interval's figures from a row of summed rollup_queue columns (None: no visit)."""
    def n(name: str) -> int:
        return 0 if r is None else int(getattr(r, name) or 0)
    return {"queue": queue, "start": start, "offered": n("offered"), "answered": n("answered"),
            "abandoned": n("abandoned"), "answered_wait_s": n("wait_us") / US,
            "abandoned_wait_s": n("abandon_wait_us") / US, "talk_s": n("talk_us") / US, "wrapup_s": 0.0}
