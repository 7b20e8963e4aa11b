"""`hotline report` figures against hand-computed values, on SQLite and on PostgreSQL.

The fixture (tests/support/report_data.py) is two hours (09:00-11:00 UTC, 2026-11-02) of a small
call centre, written as data: queues sales and support, agents a1 and a2, 10 queued calls in the
period (plus 2 outside it), 6 IVR-only calls, one call with no IVR, callers who call back, and 13
dial attempts. Thresholds: SL 20 s, short abandon <= 5 s, 30-minute intervals. Every expected
value below carries its arithmetic.

Each figure is checked twice: read from the raw rows, and from the interval rollups rebuilt from
them (`hotline rollup rebuild`); the period is on the 15-minute grid, so both must give these values.
PostgreSQL cases FAIL when the server is unreachable, unless HOTLINE_SKIP_PG=1. They run in a
schema of their own (search_path), so other tests dropping tables in `public` do not interfere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports import ReportOptions, build_report
from cti.store.rollup.rebuild import rebuild
from tests.support.report_data import T0, T_END, seed
from tests.support.rollup_db import database


class Seeded:
    """The fixture in a database; `report` reads raw rows, or the rollups (rebuilt from those rows)."""

    def __init__(self, engine: AsyncEngine, source: str) -> None:
        self.engine, self.source = engine, source

    async def report(self, opts: ReportOptions) -> dict:
        report = await build_report(self.engine, opts)
        rolled_up = [section for section, source in report["source"].items() if source == "rollups"]
        assert rolled_up == (list(report["source"]) if self.source == "rollups" else []), report["source"]
        return report


@pytest.fixture(params=["sqlite-raw", "sqlite-rollups", "postgresql-raw", "postgresql-rollups"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Seeded]:
    kind, source = request.param.split("-")
    async with database(kind, tmp_path) as engine:
        await seed(engine)  # raw rows only: the rollups lack them, reports read raw rows
        if source == "rollups":
            await rebuild(engine)
        yield Seeded(engine, source)


OPTS = ReportOptions(start=T0, end=T_END, interval_min=30, sl_seconds=20, short_abandon_s=5,
                     now=T0 + timedelta(days=30))


def by(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows}


# -- the figures ----------------------------------------------------------------------------------------
async def test_queue_kpis_match_hand_computed_values(db):
    queues = by((await db.report(OPTS))["queues"], "queue")
    assert set(queues) == {"sales", "support"}  # X0 (08:50) and X1 (11:05) are outside the period
    sales = queues["sales"]
    # offered S1..S7 = 7 (S7 queued 10:59:50 counts though it abandoned at 11:00:15);
    # answered S1, S2, S5 = 3; abandoned S3, S4, S6, S7 = 4; short: S3 (3 s <= 5) = 1
    assert (sales["offered"], sales["answered"], sales["abandoned"], sales["short_abandons"]) == (7, 3, 4, 1)
    # in SL: S1 (10 s), S5 (15 s) = 2; abandoned after 20 s: S4 (40), S7 (25) = 2 -> 2 / (3 + 2)
    assert sales["service_level"] == pytest.approx(0.4)
    assert sales["asa_s"] == pytest.approx(18.3)  # (10 + 30 + 15) / 3 = 18.33
    assert sales["abandonment_rate"] == pytest.approx(0.5)  # (4 - 1) / (7 - 1)
    assert sales["max_wait_s"] == pytest.approx(40.0)  # S4
    # talk (cdr.talk_s) 120 + 200 + 180 = 500; wrap-ups after a sales answer: a1 30 (S1) + 45 (S5),
    # a2 40 (S2) = 115 -> (500 + 115) / 3 = 205
    assert (sales["talk_s"], sales["wrapup_s"], sales["aht_s"]) == pytest.approx((500.0, 115.0, 205.0))

    support = queues["support"]
    assert (support["offered"], support["answered"], support["abandoned"], support["short_abandons"]) == (3, 2, 1, 0)
    assert support["service_level"] == pytest.approx(0.5)  # P1 (5 s) in SL, P2 (25 s) not; P3 (8 s) not late
    assert support["asa_s"] == pytest.approx(15.0)  # (5 + 25) / 2
    assert support["abandonment_rate"] == pytest.approx(0.3333)  # 1 / 3
    assert support["max_wait_s"] == pytest.approx(25.0)
    # talk 300 (P1) + 60 (P2); wrap-up a2 60 (P1) + a1 20 (P2) -> (360 + 80) / 2 = 220
    assert (support["talk_s"], support["wrapup_s"], support["aht_s"]) == pytest.approx((360.0, 80.0, 220.0))


async def test_agent_kpis_match_hand_computed_values(db):
    agents = by((await db.report(OPTS))["agents"], "agent")
    a1 = agents["a1"]
    # logged in 08:30, counted from 09:00; logout 10:45 -> 105 min = 6300 s
    # talk 120 (S1) + 180 (S5) + 60 (P2) = 360; wrap 30 + 45 + 20 = 95; calls = 3 accepts
    # paused: no_answer 09:20:25-09:25:00 = 275, lunch 09:30-10:00 = 1800 -> 2075
    assert (a1["calls"], a1["talk_s"], a1["wrapup_s"], a1["logged_in_s"], a1["paused_s"]) == pytest.approx(
        (3, 360.0, 95.0, 6300.0, 2075.0))
    assert a1["pause_s"] == pytest.approx({"lunch": 1800.0, "no_answer": 275.0})
    assert a1["occupancy"] == pytest.approx(0.1077)    # 455 / (6300 - 2075) = 0.10769
    assert a1["utilisation"] == pytest.approx(0.0722)  # 455 / 6300 = 0.07222
    assert a1["aht_s"] == pytest.approx(151.7)         # 455 / 3
    a2 = agents["a2"]
    # logged in 09:00 and never out: open until --to 11:00 -> 7200 s
    # talk 300 (P1) + 90 + 110 (S2, split by the remembered pause at 09:22) = 500; wrap 60 + 40 = 100
    # paused (break) 09:24:30-09:34:30 = 600
    assert (a2["calls"], a2["talk_s"], a2["wrapup_s"], a2["logged_in_s"], a2["paused_s"]) == pytest.approx(
        (2, 500.0, 100.0, 7200.0, 600.0))
    assert a2["pause_s"] == pytest.approx({"break": 600.0})
    assert a2["occupancy"] == pytest.approx(0.0909)    # 600 / (7200 - 600)
    assert a2["utilisation"] == pytest.approx(0.0833)  # 600 / 7200
    assert a2["aht_s"] == pytest.approx(300.0)         # 600 / 2


async def test_intervals_match_hand_computed_values(db):
    rows = (await db.report(OPTS))["intervals"]
    got = [(r["start"][11:16], r["offered"], r["answered"], r["abandoned"], r["short_abandons"], r["service_level"],
            r["asa_s"], r["abandonment_rate"]) for r in rows]
    assert got == [
        # S1 (10 s), P1 (5 s), S2 (30 s): SL 2/3, ASA 45/3
        ("09:00", 3, 3, 0, 0, pytest.approx(0.6667), pytest.approx(15.0), 0.0),
        # S3 short (3 s), S4 late (40 s): SL 0 / (0 + 1); abandonment (2 - 1) / (2 - 1)
        ("09:30", 2, 0, 2, 1, 0.0, None, 1.0),
        # S5 (15 s) in SL, P2 (25 s) not: SL 1/2, ASA 40/2
        ("10:00", 2, 2, 0, 0, 0.5, pytest.approx(20.0), 0.0),
        # S6 (12 s), P3 (8 s), S7 (25 s, late): SL 0 / (0 + 1); abandonment 3/3
        ("10:30", 3, 0, 3, 0, 0.0, None, 1.0),
    ]


async def test_hourly_intervals_and_queue_filter(db):
    hourly = (await db.report(ReportOptions(start=T0, end=T_END, interval_min=60, now=OPTS.now)))["intervals"]
    # 09:00: answered 3 (2 in SL) + S4 late -> 2/4; 10:00: answered 2 (1 in SL) + S7 late -> 1/3
    assert [(r["offered"], r["service_level"]) for r in hourly] == [(5, 0.5), (5, pytest.approx(0.3333))]
    support = await db.report(ReportOptions(start=T0, end=T_END, queue="support", agent="a1", now=OPTS.now))
    assert [q["queue"] for q in support["queues"]] == ["support"]
    assert [r["offered"] for r in support["intervals"]] == [1, 0, 1, 1]  # P1, -, P2, P3
    assert [a["agent"] for a in support["agents"]] == ["a1"]
    assert support["fcr"]["calls"] == 3  # P1, P2, P3 (P2 repeated by X1 within 24 h)
    assert support["fcr"]["repeat_24h"] == 1


async def test_fcr_ivr_and_dialer_match_hand_computed_values(db):
    report = await db.report(OPTS)
    # calls in the period with a number: 10 queued + I1..I6 = 16 (N1 has no number)
    # repeats within 24 h: S1 -> S4, S3 -> I4, I4 -> S6, P2 -> X1 (11:04:30, after --to) = 4
    # within 7 d: those + S4 -> Y1 (3 days later) = 5; S5 -> Y2 is 10 days later; S2's Y0 was before
    assert report["fcr"] == {"calls": 16, "callers": 13, "repeat_24h": 4, "repeat_7d": 5,
                             "fcr_24h": 0.75, "fcr_7d": 0.6875}  # 12/16, 11/16
    ivr = report["ivr"]
    # IVR calls: 10 queued + I1..I6 = 16; contained I1, I5 = 2; dropped I2, I3 (menu), I4 (account)
    assert (ivr["calls"], ivr["contained"], ivr["to_queue"], ivr["dropped"]) == (16, 2, 10, 3)
    assert (ivr["containment_rate"], ivr["drop_out_rate"]) == (0.125, 0.1875)  # 2/16, 3/16
    assert ivr["drop_out"] == [{"exit_node": "menu", "calls": 2, "share": 0.125},
                               {"exit_node": "account", "calls": 1, "share": 0.0625}]
    # renewals: 10 attempts (the 11th is the next day); live = human 4 + dropped 1 = 5
    # contact 5/10, abandonment 1/5, AMD 2 machines / (5 + 2)
    assert report["dialer"] == [
        {"campaign": "renewals", "attempts": 10, "contacts": 5, "machines": 2, "dropped": 1,
         "contact_rate": 0.5, "abandonment_rate": 0.2, "amd_rate": 0.2857},
        {"campaign": "winback", "attempts": 2, "contacts": 1, "machines": 0, "dropped": 0,
         "contact_rate": 0.5, "abandonment_rate": 0.0, "amd_rate": 0.0},
    ]


async def test_ivr_struggle_per_question_matches_hand_computed_values(db):
    struggle = by((await db.report(OPTS))["ivr"]["struggle"], "node")
    # menu visits in the period: S1, S3, P1, I2, I3 (Y1's is 3 days later); retried: S3, P1, I2 (wrong
    # keys), I3 (silences) = 4; wrong keys 7 (P1, I2), 8 (I2), 9 (S3): 7 first, then 8 and 9 in key order
    assert struggle["menu"] == {"flow": "main", "node": "menu", "visits": 5, "retried": 4, "retry_rate": 0.8,
                                "failed": 0, "silent": 1, "to_agent": 1, "hung_up": 1, "wrong_keys": "7x2 8x1 9x1"}
    assert struggle["account"] == {"flow": "main", "node": "account", "visits": 1, "retried": 1, "retry_rate": 1.0,
                                   "failed": 1, "silent": 0, "to_agent": 0, "hung_up": 0, "wrong_keys": "12x1"}
