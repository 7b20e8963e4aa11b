"""The IVR's figures: containment, drop-out by exit node, and the struggle at each question.

Calls that ran a flow (`ivr_flow` not empty). A call is `contained` when the flow served it with
no question it could not answer: `ivr_exit` self_service (rows written before `ivr_exit` existed:
no queue and disposition completed). `failed`: left the IVR after a question the caller could not
answer; `to_agent_after_failures`: a person took over after wrong keys or silences. `drop_out`:
never reached a queue and hung up, by exit node.

The struggle view reads `ivr_visit`, one row per menu/collect visit: per node, how many visits
needed more than one try, ended failed (attempts ran out), silent, at an agent (e.g. 0 pressed),
or with the caller hanging up, and the wrong keys pressed most.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from cti.reports.options import ReportOptions
from cti.store.models import CALLER_HANGUP, COMPLETED
from cti.store.schema import cdr, ivr_visit


def _count_if(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((cond, 1), else_=0))


def _period(stmt: Select[Any], column: Any, opts: ReportOptions) -> Select[Any]:
    if opts.start is not None:
        stmt = stmt.where(column >= opts.start)
    if opts.end is not None:
        stmt = stmt.where(column < opts.end)
    return stmt


def totals(opts: ReportOptions) -> Select[Any]:
    c = cdr.c
    no_queue = c.queue.is_(None)
    served = or_(c.ivr_exit == "self_service", and_(c.ivr_exit.is_(None), c.disposition == COMPLETED))
    stmt = select(
        func.count().label("calls"),
        _count_if(and_(no_queue, served)).label("contained"),
        _count_if(c.queue.is_not(None)).label("to_queue"),
        _count_if(and_(no_queue, c.disposition == CALLER_HANGUP)).label("dropped"),
        _count_if(c.ivr_exit == "failed").label("failed"),
        _count_if(c.ivr_exit == "to_agent_after_failures").label("to_agent_after_failures"),
    ).where(c.ivr_flow != "")
    return _period(stmt, c.started_at, opts)


def drop_out(opts: ReportOptions) -> Select[Any]:
    c = cdr.c
    stmt = (select(c.exit_node, func.count().label("calls"))
            .where(c.ivr_flow != "", c.queue.is_(None), c.disposition == CALLER_HANGUP)
            .group_by(c.exit_node).order_by(func.count().desc(), c.exit_node))
    return _period(stmt, c.started_at, opts)


def struggle(opts: ReportOptions) -> Select[Any]:
    v = ivr_visit.c
    stmt = (select(v.flow, v.node, func.count().label("visits"),
                   _count_if(or_(v.no_match != "", v.no_input > 0)).label("retried"),
                   _count_if(v.end == "failed").label("failed"), _count_if(v.end == "silent").label("silent"),
                   _count_if(v.end == "to_agent").label("to_agent"), _count_if(v.end == "hung_up").label("hung_up"))
            .group_by(v.flow, v.node).order_by(v.flow, v.node))
    return _period(stmt, v.at, opts)


def wrong_keys(opts: ReportOptions) -> Select[Any]:
    v = ivr_visit.c
    return _period(select(v.flow, v.node, v.no_match).where(v.no_match != ""), v.at, opts)


def top_keys(keys: Counter[str], n: int = 3) -> str:
    """The `n` wrong entries pressed most, `7x3 8x1`; ties in key order (the same whatever the row order)."""
    ranked = sorted(keys.items(), key=lambda item: (-item[1], item[0]))[:n]
    return " ".join(f"{k}x{count}" for k, count in ranked)


def struggle_rows(rows: list[Any], keys: dict[tuple[str, str], Counter[str]]) -> list[dict[str, Any]]:
    """Per node figures (mappings with flow, node, visits, retried, …) with the three wrong entries pressed most."""
    out = []
    for r in rows:
        visits, retried = int(r["visits"]), int(r["retried"] or 0)
        out.append({"flow": r["flow"], "node": r["node"], "visits": visits, "retried": retried,
                    "retry_rate": retried / visits if visits else None,
                    **{k: int(r[k] or 0) for k in ("failed", "silent", "to_agent", "hung_up")},
                    "wrong_keys": top_keys(keys.get((r["flow"], r["node"]), Counter()))})
    return out
