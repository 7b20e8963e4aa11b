"""Cases in `hotline report`: opened, closed, SLA met and reopen rate, by category and by agent.

- opened            cases opened in the period
- closed / reopened / confirmed   close, reopen and confirm moves logged in the period (case_event)
- response_met_pct  of the cases opened in the period whose first-response deadline is decided
                    (answered, or the deadline passed by the report's end), the share answered in time
- resolution_met_pct  the same for the resolution deadline
- reopen_rate_pct   reopened / closed in the period (a reopened case's deadlines are re-armed, so
                    the SLA figures describe its latest cycle)
By agent: the case's current owner agent ("-" when a queue owns it). Percentages are 0-100, None
when nothing was decided. The section is None on a database without the case tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, inspect, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports.options import ReportOptions
from cti.store.case_schema import case_event, support_case

C, EV = support_case.c, case_event.c
COLUMNS = ("key", "opened", "closed", "reopened", "confirmed", "response_met_pct", "resolution_met_pct",
           "reopen_rate_pct")


async def cases_section(conn: AsyncConnection, opts: ReportOptions) -> dict[str, list[dict[str, Any]]] | None:
    if not await conn.run_sync(lambda sync: inspect(sync).has_table(support_case.name)):
        return None
    return {"by_category": await _rows(conn, opts, C.category), "by_agent": await _rows(conn, opts, C.agent)}


async def _rows(conn: AsyncConnection, opts: ReportOptions, key) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for row in (await conn.execute(_sla(opts, key))).mappings():
        found[_name(row["key"])] = dict(row)
    for row in (await conn.execute(_moves(opts, key))).mappings():
        found.setdefault(_name(row["key"]), {}).update({k: v for k, v in row.items() if k != "key"})
    return [_figures(name, row) for name, row in sorted(found.items())]


def _period(column, opts: ReportOptions):
    return and_(true(), *([column >= opts.start] if opts.start else []), *([column < opts.end] if opts.end else []))


def _sla(opts: ReportOptions, key):
    end = opts.until
    response_decided = or_(C.first_response_at.is_not(None), C.response_due < end)
    resolution_decided = or_(C.resolved_at.is_not(None), C.resolution_due < end)
    return select(
        key.label("key"), func.count().label("opened"),
        func.sum(case((response_decided, 1), else_=0)).label("response_decided"),
        func.sum(case((C.first_response_at <= C.response_due, 1), else_=0)).label("response_met"),
        func.sum(case((resolution_decided, 1), else_=0)).label("resolution_decided"),
        func.sum(case((C.resolved_at <= C.resolution_due, 1), else_=0)).label("resolution_met"),
    ).where(_period(C.opened_at, opts)).group_by(key)


def _moves(opts: ReportOptions, key):
    joined = case_event.join(support_case, support_case.c.id == EV.case_id)
    counts = [func.sum(case((EV.kind == kind, 1), else_=0)).label(label)
              for kind, label in (("close", "closed"), ("reopen", "reopened"), ("confirm", "confirmed"))]
    return select(key.label("key"), *counts).select_from(joined) \
        .where(_period(EV.at, opts), EV.kind.in_(["close", "reopen", "confirm"])).group_by(key)


def _name(value: Any) -> str:
    return "-" if value is None else str(value)


def _pct(part: Any, whole: Any) -> float | None:
    return round(100.0 * int(part or 0) / int(whole), 1) if whole else None


def _figures(name: str, row: dict[str, Any]) -> dict[str, Any]:
    closed = int(row.get("closed") or 0)
    reopened = int(row.get("reopened") or 0)
    return {"key": name, "opened": int(row.get("opened") or 0), "closed": closed, "reopened": reopened,
            "confirmed": int(row.get("confirmed") or 0),
            "response_met_pct": _pct(row.get("response_met"), row.get("response_decided")),
            "resolution_met_pct": _pct(row.get("resolution_met"), row.get("resolution_decided")),
            "reopen_rate_pct": _pct(reopened, closed)}


def case_sections(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The CSV sections (`cases_by_category`, `cases_by_agent`), none without case tables."""
    cases = report.get("cases")
    return [(f"cases_{name}", rows) for name, rows in cases.items()] if cases else []


def case_blocks(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], tuple[str, ...]]]:
    """The table blocks of the plain-text report."""
    return [(f"Cases {name.replace('_', ' ')}", rows, COLUMNS) for name, rows in (report.get("cases") or {}).items()]


