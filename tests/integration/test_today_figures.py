"""The wallboard's "today" per queue (cti/reports/today.py) on the report fixture, with a fixed now.

The fixture (tests/support/report_data.py) is 2026-11-02 09:00-11:00 UTC, plus X0 (08:50) and X1
(11:05). In Pacific/Honolulu (UTC-10) the day of 2026-11-02 12:00 UTC began at 10:00 UTC, so only
the calls queued from 10:00 count. Each queue has its own SL threshold (sales 10 s, support 30 s).
Read from raw rows and from the rollups rebuilt from them: the same figures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports.today import queues_today
from cti.store.rollup.rebuild import rebuild
from tests.support.report_data import seed
from tests.support.rollup_db import database

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
THRESHOLDS = {"sales": 10.0, "support": 30.0, "vip": 20.0}


@pytest.fixture(params=["sqlite-raw", "sqlite-rollups", "postgresql-rollups"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, str]]:
    kind, source = request.param.split("-")
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        if source == "rollups":
            await rebuild(engine)
        yield engine, source


def figures(row: dict) -> tuple:
    return row["offered"], row["answered"], row["service_level"], row["asa_s"], row["abandonment_rate"]


async def test_today_counts_from_local_midnight_each_queue_against_its_own_sl_threshold(db):
    engine, source = db
    today = await queues_today(engine, THRESHOLDS, NOW, ZoneInfo("Pacific/Honolulu"))
    # sales from 10:00: S5 answered after 15 s, S6 abandoned after 12 s, S7 after 25 s (none short).
    # SL 10 s: S5 not in SL; abandoned after 10 s: S6, S7 -> 0 / (1 + 2); abandonment 2 / 3
    assert figures(today["sales"]) == (3, 1, 0.0, 15.0, pytest.approx(66.67))
    # support from 10:00: P2 answered after 25 s, P3 abandoned after 8 s, X1 (11:05, open end) after 10 s.
    # SL 30 s: P2 in SL, no abandon after 30 s -> 1 / 1; abandonment 2 / 3
    assert figures(today["support"]) == (3, 1, 100.0, 25.0, pytest.approx(66.67))
    assert figures(today["vip"]) == (0, 0, None, None, None)  # configured, no call today
    assert {row["since"] for row in today.values()} == {"2026-11-02T10:00:00+00:00"}
    assert (today["sales"]["sl_seconds"], today["support"]["sl_seconds"]) == (10.0, 30.0)
    sources = {row["source"] for row in today.values()}
    assert sources == {"rollups"} if source == "rollups" else all(s.startswith("raw rows") for s in sources)


async def test_in_shanghai_the_whole_utc_day_is_today_and_the_day_before_is_not(db):
    engine, _ = db
    # 2026-11-02 12:00 UTC is 20:00 in Shanghai; that day began 2026-11-01 16:00 UTC: every fixture call
    today = await queues_today(engine, {"sales": 20.0, "support": 20.0}, NOW, ZoneInfo("Asia/Shanghai"))
    assert (today["sales"]["offered"], today["support"]["offered"]) == (8, 4)  # S1..S7 + X0; P1..P3 + X1
    # at 2026-11-03 00:30 Shanghai (16:30 UTC on the 2nd), a new day: nothing yet
    later = await queues_today(engine, {"sales": 20.0}, datetime(2026, 11, 2, 16, 30, tzinfo=UTC),
                               ZoneInfo("Asia/Shanghai"))
    assert figures(later["sales"]) == (0, 0, None, None, None)
