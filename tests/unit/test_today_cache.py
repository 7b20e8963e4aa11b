"""Today's queue figures for the wallboard: where the day starts, and the cache that reads them
(at most once per interval, bounded, keeping the last figures when the database fails)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import OperationalError

from cti.reports.today import day_start
from cti.services.today import TodayFigures
from tests.support.clock import FakeClock
from tests.support.until import until

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("zone, start", [
    (ZoneInfo("UTC"), "2026-11-02T00:00:00+00:00"),
    (ZoneInfo("Asia/Shanghai"), "2026-11-01T16:00:00+00:00"),  # 20:00 in Shanghai
    (ZoneInfo("Pacific/Honolulu"), "2026-11-02T10:00:00+00:00"),  # 02:00 in Honolulu
    (ZoneInfo("Asia/Kathmandu"), "2026-11-01T18:15:00+00:00"),  # UTC+5:45: still on the grid
    (timezone(timedelta(minutes=7)), "2026-11-01T23:45:00+00:00"),  # off the grid: floored
])
def test_the_day_starts_at_local_midnight_on_the_quarter_hour_grid(zone, start):
    assert day_start(NOW, zone).isoformat() == start


class Reader:
    def __init__(self) -> None:
        self.calls: list[datetime] = []
        self.fail: Exception | None = None
        self.figures = {"billing": {"offered": 2, "answered": 1}}

    async def __call__(self, now: datetime) -> dict:
        self.calls.append(now)
        if self.fail is not None:
            raise self.fail
        return self.figures


async def test_the_last_figures_stay_with_their_age_while_the_database_fails(caplog):
    clock, reader = FakeClock(), Reader()
    today = TodayFigures(reader, wall=clock.wall, clock=clock)
    assert today.current() == {"queues": {}, "as_of": None, "age_s": None, "error": None}
    assert await today.refresh()
    as_of = clock.wall().isoformat()
    clock.advance(40)
    reader.fail = OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))
    with caplog.at_level(logging.INFO, "hotline.today"):
        assert not await today.refresh() and not await today.refresh()
        shown = today.current()
        assert shown["queues"] == reader.figures and shown["as_of"] == as_of and shown["age_s"] == 40.0
        assert "OperationalError" in shown["error"]
        reader.fail = None
        clock.advance(5)
        assert await today.refresh()
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]  # once down, once back
    assert today.current() == {"queues": reader.figures, "as_of": clock.wall().isoformat(), "age_s": 0.0,
                               "error": None}


async def test_a_read_that_hangs_is_cut_at_the_timeout_and_the_board_keeps_going():
    async def hangs(now: datetime) -> dict:
        await asyncio.Event().wait()
        return {}

    today = TodayFigures(hangs, timeout=0.01)
    assert not await today.refresh()
    assert today.current()["error"] == "database did not answer in time"


async def test_many_boards_asking_make_one_read_per_interval_and_none_while_nobody_asks():
    reader, rests, go_on = Reader(), [], asyncio.Event()

    async def rest(seconds: float) -> None:
        rests.append(seconds)
        await go_on.wait()
        go_on.clear()

    today = TodayFigures(reader, interval=30.0, rest=rest)
    task = asyncio.create_task(today.run())
    try:
        await asyncio.sleep(0)
        assert reader.calls == []  # nobody asked
        for _ in range(5):
            today.current()
        await until(lambda: rests == [30.0], 2, 0.001, "one read, then the rest of the interval")
        assert len(reader.calls) == 1
        today.current()
        go_on.set()
        await until(lambda: len(rests) == 2, 2, 0.001, "the next ask, after the rest")
        assert len(reader.calls) == 2
        go_on.set()
        await until(lambda: not go_on.is_set(), 2, 0.001, "rest over")
        assert len(reader.calls) == 2  # nobody asked during the rest: no read
    finally:
        task.cancel()
