"""Cases in the database: the case row (its current state) and its log, saved together in one
transaction per change; the calls linked to a case; the reads the CLI, service and reports use.

A case is small and changes rarely (minutes apart), so each change is its own unit of work
instead of going through the batching record writer: the service must know the row is there
before it books the follow-up that refers to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.case_state import CaseState
from acd.cases import Case
from cti.store.case_schema import case_call, case_event, support_case

_TIMES = ("opened_at", "first_response_at", "resolved_at", "closed_at", "response_due", "resolution_due",
          "response_warn_at", "resolution_warn_at")
_PLAIN = ("id", "kind", "category", "priority", "customer", "customer_name", "description", "opened_by",
          "level", "queue", "agent", "reopened", "score")


@dataclass(frozen=True)
class CaseLog:
    """One line of a case's log."""

    case_id: str
    at: datetime
    kind: str
    actor: str
    from_state: str | None = None
    to_state: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _row(case: Case) -> dict[str, Any]:
    row = {name: getattr(case, name) for name in _PLAIN + _TIMES}
    row.update(state=str(case.state), alarms=",".join(sorted(case.alarms)))
    return row


def _case(row, calls: Sequence[str] = ()) -> Case:
    m = row._mapping
    case = Case(**{name: m[name] for name in _PLAIN + _TIMES})
    case.state = CaseState(m["state"])
    case.alarms = set(filter(None, m["alarms"].split(",")))
    case.calls = list(calls)
    return case


def _log_row(log: CaseLog) -> dict[str, Any]:
    return {"case_id": log.case_id, "at": log.at, "kind": log.kind, "actor": log.actor, "from_state": log.from_state,
            "to_state": log.to_state, "detail": json.dumps(log.detail, ensure_ascii=False) if log.detail else None}


async def save_case(engine: AsyncEngine, case: Case, logs: Iterable[CaseLog] = ()) -> None:
    """Insert or update the case row and append its new log lines, atomically."""
    row = _row(case)
    async with engine.begin() as conn:
        result = await conn.execute(update(support_case).where(support_case.c.id == case.id).values(row))
        if result.rowcount == 0:
            await conn.execute(support_case.insert(), [row])
        rows = [_log_row(log) for log in logs]
        if rows:
            await conn.execute(case_event.insert(), rows)


async def link_call(engine: AsyncEngine, case_id: str, call_id: str, role: str, at: datetime) -> None:
    """Link a call to a case (once: linking it again is ignored)."""
    async with engine.begin() as conn:
        stmt = select(case_call.c.id).where(case_call.c.case_id == case_id, case_call.c.call_id == call_id)
        if (await conn.execute(stmt)).first() is None:
            await conn.execute(case_call.insert(), [{"case_id": case_id, "call_id": call_id, "role": role, "at": at}])


async def fetch_cases(engine: AsyncEngine, *, states: Iterable[str] | None = None, customer: str | None = None,
                      case_id: str | None = None, limit: int = 1000) -> list[Case]:
    """Cases, newest first, with their linked call ids."""
    query = select(support_case).order_by(support_case.c.opened_at.desc(), support_case.c.id).limit(limit)
    if states is not None:
        query = query.where(support_case.c.state.in_(list(states)))
    if customer is not None:
        query = query.where(support_case.c.customer == customer)
    if case_id is not None:
        query = query.where(support_case.c.id == case_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        calls = await _calls(conn, [row.id for row in rows])
    return [_case(row, calls.get(row.id, [])) for row in rows]


async def _calls(conn, case_ids: list[str]) -> dict[str, list[str]]:
    if not case_ids:
        return {}
    found: dict[str, list[str]] = {}
    query = select(case_call.c.case_id, case_call.c.call_id).where(case_call.c.case_id.in_(case_ids)) \
        .order_by(case_call.c.at, case_call.c.id)
    for case_id, call_id in await conn.execute(query):
        found.setdefault(case_id, []).append(call_id)
    return found


async def fetch_case_log(engine: AsyncEngine, case_id: str) -> list[CaseLog]:
    query = select(case_event).where(case_event.c.case_id == case_id).order_by(case_event.c.at, case_event.c.id)
    async with engine.connect() as conn:
        return [CaseLog(r.case_id, r.at, r.kind, r.actor, r.from_state, r.to_state,
                        json.loads(r.detail) if r.detail else {}) for r in await conn.execute(query)]


async def next_case_number(engine: AsyncEngine, prefix: str) -> int:
    """1 + the highest number among ids `prefix-N` (ids read C-20260928-0001: day and counter)."""
    query = select(support_case.c.id).where(support_case.c.id.like(f"{prefix}-%"))
    async with engine.connect() as conn:
        numbers = [int(i.rsplit("-", 1)[1]) for (i,) in await conn.execute(query) if i.rsplit("-", 1)[1].isdigit()]
    return max(numbers, default=0) + 1


