"""`interval_history` through the rollups against the raw door, on the report fixture written by the
record writer (rollups complete), on SQLite and PostgreSQL; and its fall-back to raw rows.

The doors differ only in where a wrap-up lands (cti/reports/history.py): P1 (support, 09:10) is
followed by a2's wrap-up 09:15:05-09:16:05, which the raw door gives to 09:00 and the rollups to
09:15, an interval of support with no visit that the rollup door must still return.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports.history import history_source, interval_history
from cti.reports.options import ReportOptions
from cti.store import RecordWriter, create_schema
from cti.store.schema import queue_log
from tests.support.report_data import T0, T_END
from tests.support.rollup_db import database, fixture_records

pytestmark = pytest.mark.integration

PERIODS = [(T0, T_END), (T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1)),
           (T0 - timedelta(days=2), T0 + timedelta(days=12))]


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with database(request.param, tmp_path) as engine:
        await create_schema(engine)
        writer = RecordWriter(engine, tmp_path / "records.spool", batch_size=7, queue_size=10_000)
        for record in fixture_records():
            writer.submit(record)
        task = asyncio.create_task(writer.run())
        await writer.flush(timeout=30)
        await writer.close()
        await task
        yield engine


async def source_of(engine: AsyncEngine, start, end, interval_min: int = 15, source: str = "auto") -> str:
    async with engine.connect() as conn:
        return await history_source(conn, ReportOptions(start=start, end=end, interval_min=interval_min, now=end),
                                    source)


def counts(rows) -> list[tuple]:
    return [(r.queue, r.start, r.offered, r.answered, r.abandoned, round(r.answered_wait_s, 6),
             round(r.abandoned_wait_s, 6)) for r in rows if r.offered]


def handle_by(rows, key) -> dict:
    out: dict = defaultdict(float)
    for r in rows:
        out[r.queue, key(r)] += r.handle_s
    return {k: round(v, 6) for k, v in out.items()}


@pytest.mark.parametrize("start, end", PERIODS)
async def test_rollup_door_gives_the_raw_doors_counts_and_daily_handle(engine, start, end):
    assert await source_of(engine, start, end) == "rollups"
    rolled, raw = await interval_history(engine, start, end), await interval_history(engine, start, end, source="raw")
    assert counts(rolled) == counts(raw) and counts(raw)
    assert handle_by(rolled, lambda r: r.start.date()) == handle_by(raw, lambda r: r.start.date())


async def test_wrap_up_in_an_interval_with_no_visit_is_kept_not_lost(engine):
    rolled = {(r.queue, r.start.strftime("%H:%M")): r for r in await interval_history(engine, T0, T_END)}
    raw = {(r.queue, r.start.strftime("%H:%M")): r for r in await interval_history(engine, T0, T_END, source="raw")}
    assert rolled["support", "09:00"].handle_s == pytest.approx(300) == raw["support", "09:00"].handle_s - 60
    p1_wrap = rolled["support", "09:15"]
    assert (p1_wrap.offered, p1_wrap.answered, p1_wrap.handle_s) == (0, 0, pytest.approx(60))
    assert ("support", "09:15") not in raw
    crossing = {("support", "09:00"), ("support", "09:15")}  # the only wrap-up run past its visit's interval
    assert {k: round(r.handle_s, 6) for k, r in rolled.items() if k not in crossing} == {
        k: round(r.handle_s, 6) for k, r in raw.items() if k not in crossing}


async def test_thirty_minute_intervals_and_one_queue_read_the_rollups_too(engine):
    assert await source_of(engine, T0, T_END, 30) == "rollups"
    rolled = await interval_history(engine, T0, T_END, queue="support", interval_min=30)
    raw = await interval_history(engine, T0, T_END, queue="support", interval_min=30, source="raw")
    assert [(r.start, r.offered, round(r.handle_s, 6)) for r in rolled] == [
        (r.start, r.offered, round(r.handle_s, 6)) for r in raw]  # P1's wrap-up stays within 09:00-09:30


async def test_a_period_off_the_grid_falls_back_to_raw_rows(engine):
    start = T0 + timedelta(minutes=5)
    assert (await source_of(engine, start, T_END)).startswith("raw rows: --from")
    assert await interval_history(engine, start, T_END) == await interval_history(engine, start, T_END, source="raw")


async def test_rollups_lacking_rows_fall_back_to_raw_rows(engine):
    async with engine.begin() as conn:  # a visit written around the writer: the rollups do not hold it
        await conn.execute(insert(queue_log), [{"event_id": "z1-enqueue", "call_id": "Z1", "queue": "sales", "event": "enqueue",
                                                "at": T0 + timedelta(minutes=1)}])
    assert "lack rows of queue_log" in await source_of(engine, T0, T_END)
    rows = await interval_history(engine, T0, T_END)
    assert rows == await interval_history(engine, T0, T_END, source="raw")
    assert rows[0].offered == 2  # S1 and Z1


async def test_asking_for_raw_rows_is_obeyed(engine):
    assert await source_of(engine, T0, T_END, source="raw") == "raw rows: asked for"
