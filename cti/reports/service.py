"""Run every report section on one connection and shape the results (the `Report` mapping).

The database aggregates; Python only pivots the handful of grouped rows it gets back
(queues x KPIs, agents x states, intervals) and fills empty intervals with zeros. Each section
reads the interval rollups when they can answer it exactly, else raw rows (cti/reports/plan.py);
`Report["source"]` says which, per section. Both are shaped by the same code below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cti.reports import ivr, kpis
from cti.reports.cases import cases_section
from cti.reports.csat import csat_section
from cti.reports.dialer import dialer_rows
from cti.reports.from_rollups import RollupReads
from cti.reports.options import ReportOptions
from cti.reports.plan import Plan, Source, plan
from cti.reports.qa import qa_section
from cti.reports.raw import RawReads
from cti.reports.reads import Reads

Report = dict[str, Any]
RAW, ROLLUP = RawReads(), RollupReads()


async def build_report(engine: AsyncEngine, opts: ReportOptions, source: Source = "auto") -> Report:
    """The report over `opts`; `source="raw"` reads raw rows only (the reference, and benchmarks)."""
    async with engine.connect() as conn:
        chosen = await plan(conn, opts, source)
        return await sections(conn, opts, chosen)


def reads_for(chosen: Plan, section: str) -> Reads:
    return ROLLUP if chosen.uses_rollups(section) else RAW


async def sections(conn: AsyncConnection, opts: ReportOptions, chosen: Plan) -> Report:
    time_rows = await reads_for(chosen, "agents").agent_time(conn, opts)
    traffic = reads_for(chosen, "traffic")
    return {
        "period": _period(opts),
        "queues": await _queues(conn, opts, time_rows, traffic),
        "agents": _agents(time_rows, opts),
        "intervals": await _intervals(conn, opts, traffic),
        "fcr": _fcr(await reads_for(chosen, "fcr").fcr(conn, opts)),
        "ivr": await _ivr(conn, opts, reads_for(chosen, "ivr")),
        "dialer": _dialer(await reads_for(chosen, "dialer").dialer(conn, opts)),
        "cases": await cases_section(conn, opts),
        "qa": await qa_section(conn, opts),
        "csat": await csat_section(conn, opts),
        "source": chosen.by_report_section(),
    }


def _period(opts: ReportOptions) -> dict[str, Any]:
    iso = lambda t: t.isoformat() if t else None  # noqa: E731
    return {"from": iso(opts.start), "to": iso(opts.end), "queue": opts.queue, "agent": opts.agent,
            "interval_min": opts.interval_min, "sl_seconds": opts.sl_seconds,
            "short_abandon_s": opts.short_abandon_s}


async def _queues(conn: AsyncConnection, opts: ReportOptions, time_rows: Sequence[Any],
                  reads: Reads) -> list[dict[str, Any]]:
    wraps: dict[str, float] = defaultdict(float)
    for row in time_rows:
        if row.queue is not None:
            wraps[row.queue] += float(row.seconds or 0)
    rows = await reads.queue_traffic(conn, opts)
    return [kpis.queue_kpis(row, wraps.get(row["queue"], 0.0)) for row in rows]


def _agents(time_rows: Sequence[Any], opts: ReportOptions) -> list[dict[str, Any]]:
    states: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pauses: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    calls: dict[str, int] = defaultdict(int)
    for row in time_rows:
        if opts.agent is not None and row.agent_id != opts.agent:
            continue
        seconds = float(row.seconds or 0)
        states[row.agent_id][row.to_state] += seconds
        calls[row.agent_id] += int(row.calls or 0)
        if row.to_state == "paused":
            pauses[row.agent_id][row.reason or "unspecified"] += seconds
    return [kpis.agent_kpis(a, calls[a], states[a], pauses[a]) for a in sorted(states)
            if any(s != "logged_out" and v > 0 for s, v in states[a].items())]


async def _intervals(conn: AsyncConnection, opts: ReportOptions, reads: Reads) -> list[dict[str, Any]]:
    found = await reads.interval_traffic(conn, opts)
    step = opts.interval_min * 60
    first = _floor(opts.start, step) if opts.start else min(found, default=None)
    last = _floor(opts.end, step, exclusive=True) if opts.end else max(found, default=None)
    if first is None or last is None:
        return []
    empty = {"offered": 0, "answered": 0, "abandoned": 0, "short_abandons": 0, "late_abandons": 0,
             "answered_in_sl": 0, "wait_sum": None}
    return [{"start": datetime.fromtimestamp(b, UTC).isoformat(), **kpis.traffic(found.get(b, empty))}
            for b in range(first, last + step, step)]


def _floor(t: datetime, step: int, *, exclusive: bool = False) -> int:
    seconds = t.timestamp()
    bucket = int(seconds // step * step)
    return bucket - step if exclusive and bucket == seconds else bucket


def _fcr(row: Any) -> dict[str, Any]:
    calls = int(row["calls"] or 0)
    r24, r7 = int(row["repeat_24h"] or 0), int(row["repeat_7d"] or 0)
    return {"calls": calls, "callers": int(row["callers"] or 0), "repeat_24h": r24, "repeat_7d": r7,
            "fcr_24h": kpis.share_without_repeat(calls, r24), "fcr_7d": kpis.share_without_repeat(calls, r7)}


async def _ivr(conn: AsyncConnection, opts: ReportOptions, reads: Reads) -> dict[str, Any]:
    figures = await reads.ivr(conn, opts)
    row = figures.totals
    calls = int(row["calls"] or 0)
    drops = [{"exit_node": node, "calls": n, "share": kpis.ratio(n, calls)} for node, n in figures.drop_out]
    contained, failed, dropped = int(row["contained"] or 0), int(row["failed"] or 0), int(row["dropped"] or 0)
    return {"calls": calls, "contained": contained, "containment_rate": kpis.ratio(contained, calls),
            "to_queue": int(row["to_queue"] or 0), "dropped": dropped,
            "drop_out_rate": kpis.ratio(dropped, calls), "failed": failed,
            "failed_rate": kpis.ratio(failed, calls),
            "to_agent_after_failures": int(row["to_agent_after_failures"] or 0), "drop_out": drops,
            "struggle": ivr.struggle_rows(figures.nodes, figures.wrong_keys)}


def _dialer(counts: dict[str, dict[str, int]] | None) -> list[dict[str, Any]] | None:
    return None if counts is None else dialer_rows(counts)
