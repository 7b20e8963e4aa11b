"""Cases in the database and their report figures, on SQLite and on PostgreSQL (its own schema per
test). Three cases are worked by the real CaseService with a clock the test moves:

- A (billing, agent 1005): taken after 10 min (response met), resolved after 2 h (met), closed,
  follow-up score 1 -> reopened, resolved again, closed, score 5 -> confirmed.
- B (billing): nobody takes it; its 60-minute response deadline passes (missed, escalated).
- C (service, agent 1006): resolved after 20 min (both met), closed, score 4 -> confirmed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports import ReportOptions, build_report
from cti.reports.cases import cases_section
from cti.reports.render import to_csv, to_table
from cti.services.cases import CaseService
from cti.store import create_schema
from cti.store.cases import fetch_case_log, fetch_cases
from tests.support.cases import policy, sh
from tests.support.rollup_db import database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with database(request.param, tmp_path) as engine:
        await create_schema(engine)
        yield engine


async def work_three_cases(db) -> tuple[CaseService, dict[str, str]]:
    now = [sh(2026, 9, 28, 9, 0)]
    booked: list = []

    async def book(*args, **kwargs) -> bool:
        booked.append(args)
        return True

    s = CaseService(policy(), db, book_follow_up=book, clock=lambda: now[0])

    a = await s.open(kind="complaint", category="billing", customer="2001", by="cli", description="twice")
    b = await s.open(kind="complaint", category="billing", customer="2002", by="cli")
    c = await s.open(kind="complaint", category="service", customer="2003", by="1006", call_id="call-c")
    steps = [((9, 10), s.take, a.id, "1005"), ((9, 20), s.resolve, c.id, "1006"), ((9, 20), s.close, c.id, "1006"),
             ((10, 1), s.tick), ((11, 0), s.resolve, a.id, "1005"), ((11, 0), s.close, a.id, "1005"),
             ((13, 0), s.answer, a.id, 1), ((13, 0), s.answer, c.id, 4), ((14, 0), s.resolve, a.id, "1005"),
             ((14, 0), s.close, a.id, "1005"), ((15, 0), s.answer, a.id, 5)]
    for (hour, minute), action, *args in steps:
        now[0] = sh(2026, 9, 28, hour, minute)
        await action(*args)
    assert len(booked) == 3
    return s, {"a": a.id, "b": b.id, "c": c.id}


async def test_cases_and_their_logs_round_trip(db) -> None:
    s, ids = await work_three_cases(db)
    cases = {c.id: c for c in await fetch_cases(db)}
    assert {cases[i].state for i in ids.values()} == {"confirmed", "open"}
    b = cases[ids["b"]]
    assert (b.level, b.queue, b.alarms) == (2, "complaints_l2", {"response:near", "response:missed"})
    assert b.response_due == sh(2026, 9, 28, 10, 0).astimezone(UTC)
    assert cases[ids["c"]].calls == ["call-c"]
    kinds = [e.kind for e in await fetch_case_log(db, ids["a"])]
    assert kinds == ["opened", "take", "resolve", "close", "follow_up_booked", "answer", "reopen", "resolve",
                     "close", "follow_up_booked", "answer", "confirm"]
    assert [c.id for c in await fetch_cases(db, states=["open"])] == [ids["b"]]
    assert await CaseService(policy(), db).load() == 1


async def test_report_counts_cases_sla_and_reopens_by_category_and_agent(db) -> None:
    await work_three_cases(db)
    opts = ReportOptions(start=datetime(2026, 9, 28, tzinfo=UTC), end=datetime(2026, 9, 29, tzinfo=UTC))
    async with db.connect() as conn:
        section = await cases_section(conn, opts)
    by_category = {row["key"]: row for row in section["by_category"]}
    # billing: A and B opened; A closed twice, reopened once, confirmed once. Response (latest cycle):
    # A reopened at 13:00 (deadline 14:00), first answered by the 14:00 resolve: met; B never answered,
    # deadline 10:00 passed: missed -> 1 of 2. Resolution: A's 14:00 is within its re-armed 8 hours:
    # met; B's deadline (18:00) passed before the report's end, unresolved: missed -> 1 of 2.
    assert by_category["billing"] == {"key": "billing", "opened": 2, "closed": 2, "reopened": 1, "confirmed": 1,
                                      "response_met_pct": 50.0, "resolution_met_pct": 50.0, "reopen_rate_pct": 50.0}
    assert by_category["service"] == {"key": "service", "opened": 1, "closed": 1, "reopened": 0, "confirmed": 1,
                                      "response_met_pct": 100.0, "resolution_met_pct": 100.0, "reopen_rate_pct": 0.0}
    by_agent = {row["key"]: row for row in section["by_agent"]}
    assert set(by_agent) == {"1005", "1006", "-"} and by_agent["-"]["opened"] == 1
    report = await build_report(db, opts)
    assert report["cases"] == section
    assert "Cases by category" in to_table(report) and "# cases_by_agent" in to_csv(report)
