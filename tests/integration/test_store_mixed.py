"""One RecordWriter for CDRs, agent state changes and queue events, on SQLite and PostgreSQL.

PostgreSQL cases FAIL when the server is unreachable, unless HOTLINE_SKIP_PG=1.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import distinct, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store import (
    AgentStateRecord,
    CdrRecord,
    QueueEvent,
    QueueLogRecord,
    Record,
    RecordWriter,
    agent_state_log,
    cdr,
    fetch_agent_states,
    fetch_cdrs,
    fetch_queue_log,
    insert_ignore,
    latest_agent_states,
    make_engine,
    queue_log,
    record_from_json,
)
from tests.integration.test_store import (
    T0,
    closed_port,
    fresh_schema,
    make_records,
    require_postgres,
    start,
    stop,
)
from tests.support.pg import PG_HOST, PG_PORT, PG_URL, pg_url_via
from tests.support.tcpproxy import TcpProxy
from tests.support.until import until

pytestmark = pytest.mark.integration

TABLES = {"cdr": (cdr, "call_id"), "agent_state_log": (agent_state_log, "event_id"),
          "queue_log": (queue_log, "event_id")}


def mixed_records(start_at: int, stop_at: int) -> list[Record]:
    """Per call i: its queue events, the agent's state changes, and its CDR, interleaved."""
    records: list[Record] = []
    for i, cdr_record in zip(range(start_at, stop_at), make_records(start_at, stop_at)):
        at, call, agent = T0 + timedelta(seconds=i), cdr_record.call_id, f"10{i % 7:02d}"
        records += [
            QueueLogRecord(call_id=call, queue="billing", event=QueueEvent.ENQUEUE, at=at,
                           priority=i % 3, position=1 + i % 5, data=json.dumps({"lang": "zh"})),
            AgentStateRecord(agent, "available", "offer", "reserved", at=at, queue="billing",
                             call_id=call),
            QueueLogRecord(call_id=call, queue="billing", event=QueueEvent.ANSWER, agent_id=agent,
                           at=at + timedelta(seconds=4), wait_s=4.5),
            AgentStateRecord(agent, "reserved", "answer", "busy", at=at + timedelta(seconds=4),
                             call_id=call),
            cdr_record,
        ]
    return records


def expected_counts(records: list[Record]) -> dict[str, tuple[int, int]]:
    return {kind: (n, n) for kind in TABLES
            for n in [sum(r.KIND == kind for r in records)]}


async def table_counts(engine: AsyncEngine) -> dict[str, tuple[int, int]]:
    """(rows, distinct keys) per table."""
    counts = {}
    async with engine.connect() as conn:
        for kind, (table, key) in TABLES.items():
            stmt = select(func.count(), func.count(distinct(table.c[key]))).select_from(table)
            counts[kind] = tuple((await conn.execute(stmt)).one())
    return counts


def all_stored(
    engine: AsyncEngine, writer: RecordWriter, records: list[Record]
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await table_counts(engine) == expected_counts(records)
                and not writer.spool.has_pending())

    return check


async def stored_records(engine: AsyncEngine) -> set[Record]:
    rows = [*await fetch_cdrs(engine), *await fetch_agent_states(engine),
            *await fetch_queue_log(engine)]
    return {dataclasses.replace(r, id=None) for r in rows}


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = PG_URL if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/db/hl.db"
    if request.param == "postgresql":
        await require_postgres()
    await fresh_schema(url)
    engine = make_engine(url)
    yield engine
    await engine.dispose()


async def test_mixed_batch_is_one_transaction_with_one_executemany_per_table(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    inserts: list[tuple[str, bool]] = []
    commits: list[int] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, _p: Any, _c: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append((statement.split()[2].strip('"'), many))

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    event.listen(engine.sync_engine, "commit", lambda _conn: commits.append(1))
    records = mixed_records(0, 200)
    writer = RecordWriter(engine, tmp_path / "hl.spool", batch_size=len(records))
    for record in records:
        writer.submit(record)  # all queued before the task starts: exactly one batch
    task = start(writer)
    await writer.flush(timeout=10)
    await stop(writer, task)

    raw = sorted(i for i in inserts if not i[0].startswith("rollup_"))
    assert raw == [("agent_state_log", True), ("cdr", True), ("queue_log", True)]
    # the batch's interval rollups are booked in the same (one) transaction
    assert {"rollup_queue", "rollup_agent", "rollup_caller", "rollup_mark"} <= {t for t, _ in inserts}
    assert len(commits) == 1
    assert await table_counts(engine) == {"cdr": (200, 200), "agent_state_log": (400, 400),
                                          "queue_log": (400, 400)}
    assert await stored_records(engine) == set(records)
    assert writer.stats.written == 1000 and writer.stats.spooled == 0


async def test_mixed_records_survive_a_postgres_outage_and_are_replayed_exactly_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await require_postgres()
    await fresh_schema(PG_URL)
    caplog.set_level(logging.INFO, logger="hotline.store")
    proxy = TcpProxy(PG_HOST, PG_PORT)
    await proxy.start()
    direct = make_engine(PG_URL)
    proxied = make_engine(pg_url_via("127.0.0.1", proxy.port))
    spool = tmp_path / "hl.spool"
    writer = RecordWriter(proxied, spool, flush_interval=0.05, retry_interval=0.1, db_timeout=5)
    task = start(writer)
    records = mixed_records(0, 300)
    try:
        for record in records[:500]:
            writer.submit(record)
        await writer.flush(timeout=10)
        assert await table_counts(direct) == expected_counts(records[:500])

        for start_at in range(500, 1000, 50):  # many short transactions, as in live traffic
            for record in records[start_at:start_at + 50]:
                writer.submit(record)
            await writer.flush(timeout=10)
        for record in records[1000:1100]:
            writer.submit(record)  # likely in flight when the cut lands
        await proxy.cut()
        for record in records[1100:1200]:
            writer.submit(record)
        await writer.flush(timeout=10)
        await until(lambda: not writer.db_up, message="writer notices the outage")
        for record in records[1200:]:
            writer.submit(record)
        await writer.flush(timeout=10)
        spooled = [record_from_json(line) for line in spool.read_text().splitlines()]
        assert {r.KIND for r in spooled} == set(TABLES)

        await proxy.restore()
        await until(all_stored(direct, writer, records), timeout=15, message="spool replayed")
        assert writer.db_up and await stored_records(direct) == set(records)
    finally:
        await stop(writer, task)
        await proxy.stop()
        await proxied.dispose()
        await direct.dispose()
    messages = [r.getMessage() for r in caplog.records if r.name == "hotline.store"]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("is back" in m for m in messages) == 1


def pre_kind_line(record: CdrRecord) -> str:
    """A CDR spool line as engines wrote it before spool lines carried a kind."""
    data = json.loads(record.to_json())
    del data["kind"]
    return json.dumps(data)


async def test_old_cdr_lines_and_mixed_kinds_in_one_spool_replay_exactly_once(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    old_cdrs = make_records(1000, 1020)
    records = [*old_cdrs, *mixed_records(0, 30)]
    spool = tmp_path / "hl.spool"
    dead = make_engine(pg_url_via("127.0.0.1", closed_port()))
    first = RecordWriter(dead, spool, retry_interval=30)
    spool.write_text("".join(pre_kind_line(r) + "\n" for r in old_cdrs))
    task = start(first)
    for record in records[20:]:
        first.submit(record)
    await stop(first, task)
    await dead.dispose()
    assert not first.db_up and first.stats.spooled == 150
    async with engine.begin() as conn:  # a batch that committed although it was also spooled
        await insert_ignore(conn, queue_log, [r.to_row() for r in records[20:40]
                                              if isinstance(r, QueueLogRecord)], "event_id")
    with spool.open("a") as fh:  # and the same lines spooled twice
        fh.write("".join(r.to_json() + "\n" for r in records[40:60]))

    second = RecordWriter(engine, spool, retry_interval=0.05)
    task = start(second)
    await until(all_stored(engine, second, records), message="spool replayed on start")
    await stop(second, task)
    assert await stored_records(engine) == set(records)
    assert not (tmp_path / "hl.spool.bad").exists()


async def test_latest_agent_states_returns_each_agents_last_change_by_time(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await latest_agent_states(engine) == {}
    history = [r for r in mixed_records(0, 21) if isinstance(r, AgentStateRecord)]
    late_logout = AgentStateRecord("1099", "available", "logout", "logged_out", at=T0)
    replayed_old = AgentStateRecord("1000", "logged_out", "login", "available", at=T0)
    writer = RecordWriter(engine, tmp_path / "hl.spool")
    task = start(writer)
    for record in [late_logout, *history, replayed_old]:  # replayed_old: inserted last, oldest
        writer.submit(record)
    await writer.flush(timeout=10)
    await stop(writer, task)

    latest = await latest_agent_states(engine)
    expected = {r.agent_id: r for r in history} | {"1099": late_logout}
    assert sorted(latest) == sorted(expected) == ["1000", "1001", "1002", "1003", "1004",
                                                  "1005", "1006", "1099"]
    assert {a: dataclasses.replace(r, id=None) for a, r in latest.items()} == expected
    assert all(r.to_state == "busy" for a, r in latest.items() if a != "1099")
    recent = await latest_agent_states(engine, since=T0 + timedelta(seconds=22))
    assert sorted(recent) == ["1004", "1005", "1006"]


async def test_refused_agent_state_is_parked_while_its_mixed_batch_is_written(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    poison = dataclasses.replace(
        AgentStateRecord("1001", "available", "pause", "paused"), from_state=None)  # type: ignore[arg-type]
    records = mixed_records(0, 10)
    writer = RecordWriter(engine, tmp_path / "hl.spool")
    task = start(writer)
    for record in [*records[:25], poison, *records[25:]]:
        writer.submit(record)
    await writer.flush(timeout=10)
    await stop(writer, task)

    assert await table_counts(engine) == expected_counts(records)
    assert writer.db_up and writer.stats.rejected == 1
    parked = (tmp_path / "hl.spool.bad").read_text().splitlines()
    assert [record_from_json(line) for line in parked] == [poison]
