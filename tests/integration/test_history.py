"""`interval_history` on the report fixture against hand-computed figures, on SQLite and PostgreSQL.

The fixture (tests/support/report_data.py): 09:00-11:00 UTC on 2026-11-02, queues sales and
support. Handle = talk (cdr.talk_s) + the agent's wrap-up after the answer (agent_state_log).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports.history import IntervalTraffic, interval_history
from tests.support.report_data import T0, T_END
from tests.support.report_db import seeded_db


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with seeded_db(request.param, tmp_path) as engine:
        yield engine


def at(hm: str) -> datetime:
    h, m = (int(x) for x in hm.split(":"))
    return datetime(2026, 11, 2, h, m, tzinfo=UTC)


# (queue, interval, offered, answered, abandoned, handle_s, answered_wait_s, abandoned_wait_s)
EXPECTED = [
    ("sales", "09:00", 1, 1, 0, 120 + 30, 10, 0),    # S1: talk 120, a1 wrap-up 09:07:10-09:07:40
    ("sales", "09:15", 1, 1, 0, 200 + 40, 30, 0),    # S2: talk 200, a2 wrap-up 09:23:50-09:24:30 (a1 rang, no wrap)
    ("sales", "09:30", 1, 0, 1, 0, 0, 3),            # S3: short abandon still an arrival
    ("sales", "09:45", 1, 0, 1, 0, 0, 40),           # S4
    ("sales", "10:00", 1, 1, 0, 180 + 45, 15, 0),    # S5: talk 180, a1 wrap-up 10:13:15-10:14:00
    ("sales", "10:30", 1, 0, 1, 0, 0, 12),           # S6
    ("sales", "10:45", 1, 0, 1, 0, 0, 25),           # S7: queued 10:59:50, abandoned after the period
    ("support", "09:00", 1, 1, 0, 300 + 60, 5, 0),   # P1: talk 300, a2 wrap-up 09:15:05-09:16:05
    ("support", "10:15", 1, 1, 0, 60 + 20, 25, 0),   # P2: talk 60, a1 wrap-up 10:21:25-10:21:45
    ("support", "10:45", 1, 0, 1, 0, 0, 8),          # P3
]


def as_tuple(row: IntervalTraffic) -> tuple:
    return (row.queue, row.start.strftime("%H:%M"), row.offered, row.answered, row.abandoned,
            round(row.handle_s, 2), round(row.answered_wait_s, 2), round(row.abandoned_wait_s, 2))


async def test_interval_history_gives_the_hand_computed_figures(db):
    rows = await interval_history(db, T0, T_END, source="raw")
    assert [as_tuple(r) for r in rows] == EXPECTED  # X0 (08:50) and X1 (11:05) are outside
    assert all(r.start.tzinfo is not None for r in rows)


async def test_one_queue_and_30_minute_intervals(db):
    rows = await interval_history(db, T0, T_END, queue="sales", interval_min=30)
    assert [(r.start, r.offered, r.answered, round(r.handle_s, 2)) for r in rows] == [
        (at("09:00"), 2, 2, 150 + 240), (at("09:30"), 2, 0, 0), (at("10:00"), 1, 1, 225), (at("10:30"), 2, 0, 0)]


async def test_a_period_with_no_visits_is_empty(db):
    assert await interval_history(db, T_END + timedelta(days=3), T_END + timedelta(days=4)) == []
