"""`hotline report` figures against hand-computed values, on SQLite and on PostgreSQL.

The fixture is two hours (09:00-11:00 UTC, 2026-11-02) of a small call centre, written as data:
queues sales and support, agents a1 and a2, 10 queued calls in the period (plus 2 outside it),
6 IVR-only calls, one call with no IVR, callers who call back, and 13 dial attempts.
Thresholds: SL 20 s, short abandon <= 5 s, 30-minute intervals. Every expected value below
carries its arithmetic.

PostgreSQL cases FAIL when the server is unreachable, unless HOTLINE_SKIP_PG=1. They run in a
schema of their own (search_path), so other tests dropping tables in `public` do not interfere.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cti.cli.main import main
from cti.reports import ReportOptions, build_report
from cti.reports.indexes import ensure_report_indexes
from cti.store import create_schema, make_engine
from cti.store.schema import agent_state_log, cdr, dial_attempt, queue_log
from tests.support.pg import PG_URL, require_postgres

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
T_END = T0 + timedelta(hours=2)


def at(hms: str, day: int = 2) -> datetime:
    """'09:05:10' on 2026-11-<day> UTC."""
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2026, 11, day, h, m, s, tzinfo=UTC)


# -- queued calls: (call_id, caller, queue, enqueued, outcome, wait_s, agent, talk_s) ------------------
# The CDR starts 30 s before the enqueue (time in the IVR); answered calls end completed,
# abandoned ones caller_hangup.
QUEUED = [
    ("S1", "5550001", "sales", "09:05:00", "answer", 10, "a1", 120),
    ("S2", "5550002", "sales", "09:20:00", "answer", 30, "a2", 200),   # a1 did not answer first
    ("S3", "5550003", "sales", "09:40:00", "abandon", 3, None, None),  # short abandon
    ("S4", "5550001", "sales", "09:50:00", "abandon", 40, None, None),  # abandoned after SL
    ("S5", "5550004", "sales", "10:10:00", "answer", 15, "a1", 180),
    ("S6", "5550003", "sales", "10:35:00", "abandon", 12, None, None),
    ("S7", "5550005", "sales", "10:59:50", "abandon", 25, None, None),  # abandons at 11:00:15, after --to
    ("P1", "5550006", "support", "09:10:00", "answer", 5, "a2", 300),
    ("P2", "5550007", "support", "10:20:00", "answer", 25, "a1", 60),
    ("P3", "5550008", "support", "10:50:00", "abandon", 8, None, None),
    ("X0", "5550006", "sales", "08:50:00", "abandon", 30, None, None),   # before the period
    ("X1", "5550007", "support", "11:05:00", "abandon", 10, None, None),  # after the period
]

# -- IVR and other calls: (call_id, caller, started, ivr_flow, exit_node, disposition, day) ----------
OTHER_CALLS = [
    ("I1", "5550009", "09:12:00", "main", "hours", "completed", 2),       # contained
    ("I2", "5550010", "09:45:00", "main", "menu", "caller_hangup", 2),    # drop-out at menu
    ("I3", "5550011", "10:05:00", "main", "menu", "caller_hangup", 2),    # drop-out at menu
    ("I4", "5550003", "10:30:00", "main", "account", "caller_hangup", 2),  # drop-out at account
    ("I5", "5550012", "10:40:00", "main", "balance", "completed", 2),     # contained
    ("I6", "5550013", "10:55:00", "main", "lookup", "error", 2),          # neither
    ("N1", "", "09:50:00", "", "", "fallback", 2),                         # no IVR, no caller number
    ("Y0", "5550002", "12:00:00", "main", "hours", "completed", 1),       # the day before
    ("Y1", "5550001", "09:00:00", "main", "hours", "completed", 5),       # 3 days later
    ("Y2", "5550004", "09:00:00", "main", "hours", "completed", 12),      # 10 days later
]

# -- agent state rows: (agent, at, from_state, event, to_state, reason) -----------------------------
STATES = [
    ("a1", "08:30:00", "logged_out", "login", "ready", None),  # logged in before the period
    ("a1", "09:05:08", "ready", "reserve", "reserved", None),
    ("a1", "09:05:10", "reserved", "accept", "on_call", None),  # S1
    ("a1", "09:07:10", "on_call", "hangup", "wrap_up", None),
    ("a1", "09:07:40", "wrap_up", "wrapup_done", "ready", None),
    ("a1", "09:20:05", "ready", "reserve", "reserved", None),   # S2 rings at a1...
    ("a1", "09:20:25", "reserved", "reject", "paused", "no_answer"),  # ...who does not answer
    ("a1", "09:25:00", "paused", "ready", "ready", None),
    ("a1", "09:30:00", "ready", "pause", "paused", "lunch"),
    ("a1", "10:00:00", "paused", "ready", "ready", None),
    ("a1", "10:10:13", "ready", "reserve", "reserved", None),
    ("a1", "10:10:15", "reserved", "accept", "on_call", None),  # S5
    ("a1", "10:13:15", "on_call", "hangup", "wrap_up", None),
    ("a1", "10:14:00", "wrap_up", "wrapup_done", "ready", None),
    ("a1", "10:20:23", "ready", "reserve", "reserved", None),
    ("a1", "10:20:25", "reserved", "accept", "on_call", None),  # P2
    ("a1", "10:21:25", "on_call", "hangup", "wrap_up", None),
    ("a1", "10:21:45", "wrap_up", "wrapup_done", "ready", None),
    ("a1", "10:45:00", "ready", "logout", "logged_out", None),
    ("a2", "09:00:00", "logged_out", "login", "ready", None),
    ("a2", "09:10:03", "ready", "reserve", "reserved", None),
    ("a2", "09:10:05", "reserved", "accept", "on_call", None),  # P1
    ("a2", "09:15:05", "on_call", "hangup", "wrap_up", None),
    ("a2", "09:16:05", "wrap_up", "wrapup_done", "ready", None),
    ("a2", "09:20:28", "ready", "reserve", "reserved", None),
    ("a2", "09:20:30", "reserved", "accept", "on_call", None),  # S2
    ("a2", "09:22:00", "on_call", "pause", "on_call", "break"),  # remembered pause splits the call
    ("a2", "09:23:50", "on_call", "hangup", "wrap_up", None),
    ("a2", "09:24:30", "wrap_up", "wrapup_done", "paused", "break"),
    ("a2", "09:34:30", "paused", "ready", "ready", None),        # ...still ready at 11:00
]

# -- dial attempts: (campaign, outcome, count); one more "human" the day after is outside the period
DIALS = [("renewals", "human", 4), ("renewals", "machine", 2), ("renewals", "busy", 1),
         ("renewals", "no_answer", 2), ("renewals", "dropped", 1), ("winback", "human", 1),
         ("winback", "no_answer", 1)]


def _cdr_row(call_id, caller, started, *, ivr_flow="main", exit_node="queue", queue=None, agent=None,
             wait_s=None, talk_s=None, disposition="completed"):
    return dict(call_id=call_id, linked_id=None, direction="inbound", caller=caller, caller_name="",
                dialed="10000", started_at=started, answered_at=started, ended_at=started + timedelta(minutes=5),
                duration_s=300.0, ivr_flow=ivr_flow, ivr_path=f"welcome>{exit_node}" if ivr_flow else "",
                exit_node=exit_node, queue=queue, agent=agent, wait_s=wait_s, talk_s=talk_s,
                disposition=disposition, hangup_cause=16, hangup_cause_txt="Normal Clearing", digits=None,
                engine_node=None)


def _queue_rows(call_id, queue, entered, outcome, wait_s, agent):
    rows = [dict(call_id=call_id, queue=queue, event="enqueue", at=entered, priority=0)]
    done = entered + timedelta(seconds=wait_s)
    if call_id == "S2":  # offered to a1 first, who did not answer
        rows += [dict(call_id=call_id, queue=queue, event="offer", at=at("09:20:05"), agent_id="a1"),
                 dict(call_id=call_id, queue=queue, event="no_answer", at=at("09:20:25"), agent_id="a1",
                      reason="no_answer")]
    if outcome == "answer":
        rows.append(dict(call_id=call_id, queue=queue, event="offer", at=done - timedelta(seconds=2), agent_id=agent))
    rows.append(dict(call_id=call_id, queue=queue, event=outcome, at=done, wait_s=float(wait_s), agent_id=agent))
    return rows


def fixture_rows() -> dict:
    cdrs, queue_events = [], []
    for call_id, caller, queue, hms, outcome, wait_s, agent, talk_s in QUEUED:
        entered = at(hms)
        cdrs.append(_cdr_row(call_id, caller, entered - timedelta(seconds=30), queue=queue, agent=agent,
                             wait_s=float(wait_s), talk_s=None if talk_s is None else float(talk_s),
                             disposition="completed" if outcome == "answer" else "caller_hangup"))
        queue_events += _queue_rows(call_id, queue, entered, outcome, wait_s, agent)
    for call_id, caller, hms, flow, node, disposition, day in OTHER_CALLS:
        cdrs.append(_cdr_row(call_id, caller, at(hms, day), ivr_flow=flow, exit_node=node, disposition=disposition))
    defaults = dict(agent_id=None, priority=None, position=None, wait_s=None, talk_s=None, reason=None, data=None)
    queue_events = [{**defaults, **row, "event_id": f"q{i}"} for i, row in enumerate(queue_events)]
    states = [dict(event_id=f"s{i}", agent_id=a, at=at(hms), from_state=f, event=e, to_state=t, reason=r,
                   queue=None, call_id=None) for i, (a, hms, f, e, t, r) in enumerate(STATES)]
    dials, n = [], 0
    for campaign, outcome, count in DIALS + [("renewals", "human", 1)]:
        for _ in range(count):
            day = 3 if n == 12 else 2  # the 13th attempt is outside the period
            start = at("09:30:00", day) + timedelta(minutes=n)
            dials.append(dict(attempt_id=f"d{n}", campaign=campaign, lead_id=f"l{n}", number=f"555{n:04d}",
                              started_at=start, ended_at=start + timedelta(seconds=40), outcome=outcome))
            n += 1
    return {cdr: cdrs, queue_log: queue_events, agent_state_log: states, dial_attempt: dials}


# -- databases ----------------------------------------------------------------------------------------
async def _seed(engine: AsyncEngine) -> None:
    await create_schema(engine)
    async with engine.begin() as conn:
        for table, rows in fixture_rows().items():
            await conn.execute(insert(table), rows)
    await ensure_report_indexes(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/report.db")
        await _seed(engine)
        yield engine
        await engine.dispose()
        return
    await require_postgres()
    schema = f"report_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        await _seed(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


OPTS = ReportOptions(start=T0, end=T_END, interval_min=30, sl_seconds=20, short_abandon_s=5,
                     now=T0 + timedelta(days=30))


def by(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows}


# -- the figures ----------------------------------------------------------------------------------------
async def test_queue_kpis_match_hand_computed_values(db):
    queues = by((await build_report(db, OPTS))["queues"], "queue")
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
    agents = by((await build_report(db, OPTS))["agents"], "agent")
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
    rows = (await build_report(db, OPTS))["intervals"]
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
    hourly = (await build_report(db, ReportOptions(start=T0, end=T_END, interval_min=60, now=OPTS.now)))["intervals"]
    # 09:00: answered 3 (2 in SL) + S4 late -> 2/4; 10:00: answered 2 (1 in SL) + S7 late -> 1/3
    assert [(r["offered"], r["service_level"]) for r in hourly] == [(5, 0.5), (5, pytest.approx(0.3333))]
    support = await build_report(db, ReportOptions(start=T0, end=T_END, queue="support", agent="a1", now=OPTS.now))
    assert [q["queue"] for q in support["queues"]] == ["support"]
    assert [r["offered"] for r in support["intervals"]] == [1, 0, 1, 1]  # P1, -, P2, P3
    assert [a["agent"] for a in support["agents"]] == ["a1"]
    assert support["fcr"]["calls"] == 3  # P1, P2, P3 (P2 repeated by X1 within 24 h)
    assert support["fcr"]["repeat_24h"] == 1


async def test_fcr_ivr_and_dialer_match_hand_computed_values(db):
    report = await build_report(db, OPTS)
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


# -- the command ------------------------------------------------------------------------------------------
@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"

    async def seed() -> None:
        engine = make_engine(url)
        await _seed(engine)
        await engine.dispose()

    asyncio.run(seed())
    return url


PERIOD = ["--from", "2026-11-02T09:00", "--to", "2026-11-02T11:00:00+00:00"]


def test_cli_json_gives_one_object_per_queue_and_agent(sqlite_url, capsys):
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"queues", "agents", "intervals", "fcr", "ivr", "dialer"} <= set(report)
    assert set(report["queues"][0]) >= {"queue", "offered", "answered", "abandoned", "short_abandons",
                                        "service_level", "asa_s", "aht_s", "abandonment_rate", "max_wait_s"}
    assert set(report["agents"][0]) >= {"agent", "calls", "talk_s", "wrapup_s", "logged_in_s", "occupancy",
                                        "utilisation", "aht_s", "pause_s"}
    assert [a["agent"] for a in report["agents"]] == ["a1", "a2"]


def test_cli_csv_has_one_block_per_section(sqlite_url, tmp_path):
    out = tmp_path / "report.csv"
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "csv", "-o", str(out)]) == 0
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in out.read_text().strip().split("\n\n")}
    assert list(blocks) == ["# queues", "# agents", "# intervals", "# fcr", "# ivr", "# ivr_drop_out", "# ivr_struggle",
                           "# dialer"]
    agents = list(csv.DictReader(io.StringIO("\n".join(blocks["# agents"]))))
    assert agents[0]["pause_s.lunch"] == "1800.0" and agents[1]["pause_s.lunch"] == "0.0"


def test_cli_table_and_png(sqlite_url, tmp_path, capsys):
    assert main(["report", "--db", sqlite_url, *PERIOD, "--interval", "15"]) == 0
    table = capsys.readouterr().out
    assert "Queues" in table and "sales" in table and "40.0%" in table  # sales SL
    png = tmp_path / "report.png"
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "png", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_a_database_without_the_tables(tmp_path, capsys):
    assert main(["report", "--db", f"sqlite+aiosqlite:///{tmp_path}/empty.db"]) == 2
    assert "no cdr/queue_log/agent_state_log tables" in capsys.readouterr().err


def test_cli_rejects_a_bad_period(sqlite_url, capsys):
    assert main(["report", "--db", sqlite_url, "--from", "2026-11-02T11:00", "--to", "2026-11-02T09:00"]) == 2
    assert "must be after" in capsys.readouterr().err
