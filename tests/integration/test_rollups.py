"""Interval rollups on SQLite and PostgreSQL: written by the record writer in any batching, spool
replays included, they equal a rebuild from the raw rows, and reports read from them give the raw
rows' figures for every section (data: tests/support/report_data.py).

PostgreSQL cases FAIL when the server is unreachable, unless HOTLINE_SKIP_PG=1.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports import ReportOptions, build_report
from cti.reports.from_rollups import queue_intervals
from cti.store import AgentStateRecord, CdrRecord, QueueEvent, QueueLogRecord, RecordWriter, Spool, create_schema
from cti.store.rollup.apply import LOCK_CLASS, lock
from cti.store.rollup.marks import FORMAT
from cti.store.rollup.rebuild import rebuild, rebuild_day
from cti.store.rollup.tables import rollup_mark
from cti.store.schema import cdr
from tests.support.report_data import T0, T_END, at
from tests.support.rollup_db import database, fixture_records, rollup_rows

pytestmark = pytest.mark.integration

NOW = T0 + timedelta(days=30)
REPORTS = [  # periods on the 15-minute grid: every one must read the rollups and equal raw rows
    ReportOptions(start=T0, end=T_END, now=NOW),
    ReportOptions(start=T0, end=T_END, interval_min=15, sl_seconds=10, short_abandon_s=3, now=NOW),
    ReportOptions(start=T0 + timedelta(minutes=15), end=T_END + timedelta(hours=2), interval_min=60, queue="sales",
                  agent="a1", now=NOW),
    ReportOptions(start=T0 - timedelta(days=1), end=T0 + timedelta(days=11), sl_seconds=30, now=NOW),
    ReportOptions(start=T0 - timedelta(hours=33), end=T0 + timedelta(days=3, hours=2), queue="sales", now=NOW),
    ReportOptions(start=T0 - timedelta(hours=33), end=T0 + timedelta(days=3, hours=2), now=NOW),
    ReportOptions(start=T0.replace(hour=0), end=T0 + timedelta(days=9, hours=-9), now=NOW),
    ReportOptions(start=T0 + timedelta(minutes=45), now=NOW),
    ReportOptions(now=NOW),
]


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with database(request.param, tmp_path) as engine:
        await create_schema(engine)
        yield engine


async def write(engine: AsyncEngine, tmp_path: Path, records: list, batch_size: int) -> RecordWriter:
    writer = RecordWriter(engine, tmp_path / "records.spool", batch_size=batch_size, queue_size=10_000)
    for record in records:
        writer.submit(record)  # all queued before the task starts: batches of batch_size
    task = asyncio.create_task(writer.run())
    await writer.flush(timeout=30)
    await writer.close()
    await task
    return writer


async def assert_reports_equal_raw_rows(engine: AsyncEngine) -> None:
    for opts in REPORTS:
        rolled, raw = await build_report(engine, opts), await build_report(engine, opts, "raw")
        assert set(rolled.pop("source").values()) == {"rollups"}
        assert set(raw.pop("source").values()) == {"raw rows: asked for"}
        assert rolled == raw, opts


def shuffled_with_repeats(seed: int) -> list:
    """The fixture's records in a random order, a fifth of them submitted twice."""
    rng = random.Random(seed)
    records = fixture_records()
    records += rng.sample(records, len(records) // 5)
    rng.shuffle(records)
    return records


@pytest.mark.parametrize("seed,batch_size", [(1, 1), (2, 7), (3, 40), (4, 500)])
async def test_rollups_the_writer_books_in_any_order_and_batching_equal_a_rebuild(engine, tmp_path, seed,
                                                                                  batch_size):
    await write(engine, tmp_path, shuffled_with_repeats(seed), batch_size)
    booked = await rollup_rows(engine)
    await assert_reports_equal_raw_rows(engine)
    done = await rebuild(engine)
    assert done.days == 12  # 2026-11-01 .. 2026-11-12
    assert await rollup_rows(engine) == booked


async def test_a_spool_replayed_over_rows_already_written_books_each_row_once(engine, tmp_path):
    records = fixture_records()
    random.Random(5).shuffle(records)
    await write(engine, tmp_path, records[: len(records) // 2], 25)
    spool = Spool(tmp_path / "records.spool")  # as an engine leaves it after an outage whose batches
    spool.append_sync(records[len(records) // 3:])  # partly reached the database: every record at least once
    spool.append_sync(records[len(records) // 2:])
    writer = await write(engine, tmp_path, [], 25)  # a new writer replays the spool when it starts
    assert writer.stats.replayed > 0 and not spool.has_pending()
    await assert_reports_equal_raw_rows(engine)
    booked = await rollup_rows(engine)
    await rebuild(engine)
    assert await rollup_rows(engine) == booked


async def test_a_rebuild_is_idempotent_and_a_day_rebuilt_alone_changes_nothing(engine, tmp_path):
    await write(engine, tmp_path, fixture_records(), 100)
    await rebuild(engine)
    first = await rollup_rows(engine)
    await rebuild(engine)
    await rebuild_day(engine, T0.replace(hour=0))
    await rebuild(engine, T0 + timedelta(hours=1), T0 + timedelta(days=3))
    assert await rollup_rows(engine) == first
    await assert_reports_equal_raw_rows(engine)


async def test_rows_written_around_the_writer_send_reports_to_raw_rows_until_a_rebuild(engine, tmp_path):
    await write(engine, tmp_path, fixture_records(), 100)
    late = CdrRecord(call_id="Z1", caller="5550099", started_at=at("10:00:00"), ivr_flow="main", exit_node="hours")
    async with engine.begin() as conn:
        await conn.execute(insert(cdr), [late.to_row()])  # e.g. an older engine, or a bulk load
    report = await build_report(engine, REPORTS[0])
    assert set(report["source"].values()) == {"raw rows: the rollups lack rows of cdr (written without them); "
                                              "run `hotline rollup rebuild`"}
    assert report["ivr"]["calls"] == 17  # the 16 IVR calls and Z1
    await write(engine, tmp_path, fixture_records()[:3], 100)  # the writer books its own, stays behind
    assert (await build_report(engine, REPORTS[0]))["source"]["ivr"].startswith("raw rows")
    await rebuild(engine)
    await assert_reports_equal_raw_rows(engine)
    assert (await build_report(engine, REPORTS[0]))["ivr"]["calls"] == 17


async def test_rollups_made_by_another_version_are_not_read_until_a_rebuild(engine, tmp_path):
    await write(engine, tmp_path, fixture_records(), 100)
    async with engine.begin() as conn:  # as an engine of another format version would have left them
        await conn.execute(update(rollup_mark).where(rollup_mark.c.tbl == "format").values(max_id=FORMAT - 1))
    report = await build_report(engine, REPORTS[0])
    assert set(report["source"].values()) == {
        "raw rows: the rollups were made by another version; run `hotline rollup rebuild`"}
    await rebuild(engine)
    await assert_reports_equal_raw_rows(engine)


async def test_what_the_rollups_cannot_answer_is_read_from_raw_rows_and_the_report_says_why(engine, tmp_path):
    await write(engine, tmp_path, fixture_records(), 100)
    odd = await build_report(engine, ReportOptions(start=T0, end=T_END, sl_seconds=17.5, now=NOW))
    assert odd["source"]["queues"] == odd["source"]["intervals"] == (
        "raw rows: --sl-seconds 17.5 not among the kept thresholds (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, "
        "20, 25, 30, 40, 45, 60, 90, 120, 180, 240, 300)")
    assert odd["source"]["agents"] == odd["source"]["fcr"] == "rollups"
    off = await build_report(engine, ReportOptions(start=T0 + timedelta(minutes=10), end=T_END, now=NOW))
    assert set(off["source"].values()) == {"raw rows: --from 2026-11-02T09:10:00+00:00 is not on a 15-minute boundary"}
    early = await build_report(engine, ReportOptions(start=T0, now=T0 + timedelta(hours=1)))  # states after now
    assert early["source"]["agents"] == "raw rows: agent states dated at or after now (no --to)"
    assert early["source"]["queues"] == "rollups"


def random_calls(seed: int, count: int = 400) -> list[CdrRecord]:
    """Calls from 30 numbers over 12 days, to three queues or none, at odd microseconds."""
    rng = random.Random(seed)
    return [CdrRecord(call_id=f"r{i}", caller=f"55501{rng.randrange(30):02d}", queue=rng.choice(["sales", "support", None]),
                      started_at=T0 + timedelta(microseconds=rng.randrange(12 * 86_400_000_000)), ivr_flow="main")
            for i in range(count)]


async def test_distinct_callers_and_repeats_equal_raw_rows_over_random_periods(engine, tmp_path):
    await write(engine, tmp_path, random_calls(7), 37)
    rng = random.Random(8)
    for _ in range(30):
        start = T0.replace(hour=0) + timedelta(minutes=15 * rng.randrange(-96, 12 * 96))
        end = start + timedelta(minutes=15 * rng.randrange(1, 10 * 96))
        opts = ReportOptions(start=start, end=end, queue=rng.choice([None, "sales"]), now=NOW)
        rolled, raw = await build_report(engine, opts), await build_report(engine, opts, "raw")
        assert rolled["source"]["fcr"] == "rollups"
        assert rolled["fcr"] == raw["fcr"], opts


async def test_queue_intervals_for_planning_add_up_to_the_reports_figures(engine, tmp_path):
    await write(engine, tmp_path, fixture_records(), 100)
    async with engine.connect() as conn:
        rows = await queue_intervals(conn, T0, T_END, interval_min=30)
    report = await build_report(engine, REPORTS[0])
    assert [(r["queue"], r["start"], r["offered"]) for r in rows if r["queue"] == "support"] == [
        ("support", int(T0.timestamp()), 1), ("support", int(T0.timestamp()) + 3600, 1),
        ("support", int(T0.timestamp()) + 5400, 1)]  # P1 09:10, P2 10:20, P3 10:50
    for queue in report["queues"]:
        mine = [r for r in rows if r["queue"] == queue["queue"]]
        assert sum(r["offered"] for r in mine) == queue["offered"]
        assert sum(r["talk_s"] for r in mine) == pytest.approx(queue["talk_s"])
        assert sum(r["wrapup_s"] for r in mine) == pytest.approx(queue["wrapup_s"])


def random_agent_log(seed: int, count: int = 300) -> list:
    """Four agents' state changes and answers over two days, at odd microseconds, some at the same
    instant: what the engine would log, without its order (the writer must not care)."""
    rng = random.Random(seed)
    moves = [("login", "ready"), ("reserve", "reserved"), ("accept", "on_call"), ("hangup", "wrap_up"),
             ("pause", "paused"), ("logout", "logged_out")]

    def instant() -> timedelta:
        return timedelta(seconds=rng.choice([rng.randrange(2 * 86400), 3600 * rng.randrange(48)]),
                         microseconds=rng.randrange(1_000_000))

    records = []
    for i in range(count):
        agent, (event, state) = f"r{rng.randrange(4)}", rng.choice(moves)
        records.append(AgentStateRecord(agent, "ready", event, state, at=T0 + instant(),
                                        reason=rng.choice([None, "lunch"]), event_id=f"rs{i}"))
        if rng.random() < 0.3:
            records.append(QueueLogRecord(call_id=f"rc{i}", queue=rng.choice(["sales", "support"]),
                                          event=QueueEvent.ANSWER, at=T0 + instant(), agent_id=agent, wait_s=1.0))
    return records


@pytest.mark.parametrize("seed", [11, 12])
async def test_agent_time_of_random_logs_written_in_any_order_equals_raw_rows_and_a_rebuild(engine, tmp_path, seed):
    await write(engine, tmp_path, random_agent_log(seed), 9)
    booked = await rollup_rows(engine)
    rng = random.Random(seed)
    for _ in range(12):
        start = T0.replace(hour=0) + timedelta(minutes=15 * rng.randrange(0, 3 * 96))
        opts = ReportOptions(start=start, end=start + timedelta(minutes=15 * rng.randrange(1, 3 * 96)), now=NOW)
        rolled, raw = await build_report(engine, opts), await build_report(engine, opts, "raw")
        assert rolled["source"]["agents"] == "rollups"
        assert (rolled["agents"], rolled["queues"]) == (raw["agents"], raw["queues"]), opts
    await rebuild(engine)
    assert await rollup_rows(engine) == booked


async def test_the_rollup_lock_of_one_postgresql_schema_leaves_other_schemas_free(tmp_path):
    """Advisory locks are per database: tests and benchmarks in other schemas must not wait on ours."""
    try_lock = text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(current_schema()))")
    async with database("postgresql", tmp_path) as mine, database("postgresql", tmp_path) as theirs:
        async with mine.begin() as holder:
            await lock(holder)
            async with theirs.begin() as other_schema, mine.begin() as same_schema:
                assert (await other_schema.execute(try_lock, {"cls": LOCK_CLASS})).scalar() is True
                assert (await same_schema.execute(try_lock, {"cls": LOCK_CLASS})).scalar() is False
