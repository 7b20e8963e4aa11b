"""CdrWriter against real databases: SQLite (file) and PostgreSQL, including a network outage.

PostgreSQL cases FAIL when the server is unreachable, unless HOTLINE_SKIP_PG=1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store import CdrRecord, CdrWriter, cdr, fetch_cdrs, make_engine
from tests.support.tcpproxy import TcpProxy
from tests.support.until import until

pytestmark = pytest.mark.integration

from tests.support.pg import PG_HOST, PG_PORT, PG_URL, fresh_tables, pg_url_via, require_postgres
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def make_records(start: int, stop: int) -> list[CdrRecord]:
    return [
        CdrRecord(
            call_id=f"1714550400.{i}", direction="inbound", caller=f"+8613800{i:06d}",
            caller_name="张三", dialed="10000", started_at=T0 + timedelta(seconds=i),
            ended_at=T0 + timedelta(seconds=i + 30), duration_s=30.0, ivr_flow="main",
            ivr_path="welcome>menu>billing>goodbye", exit_node="goodbye", queue="billing",
            wait_s=4.5, talk_s=20.0, disposition="completed", hangup_cause=16,
            hangup_cause_txt="Normal Clearing", digits="2",
        )
        for i in range(start, stop)
    ]


async def fresh_schema(url: str) -> None:
    await fresh_tables(url)


@pytest.fixture
async def pg_url() -> str:
    await require_postgres()
    await fresh_schema(PG_URL)
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = PG_URL if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/db/cdr.db"
    if request.param == "postgresql":
        await require_postgres()
    await fresh_schema(url)
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


async def row_counts(engine: AsyncEngine) -> tuple[int, int]:
    """(rows, distinct call_ids) in cdr."""
    stmt = select(func.count(), func.count(distinct(cdr.c.call_id))).select_from(cdr)
    async with engine.connect() as conn:
        rows, ids = (await conn.execute(stmt)).one()
    return rows, ids


def start(writer: CdrWriter) -> asyncio.Task[None]:
    return asyncio.create_task(writer.run(), name="cdr-writer")


async def stop(writer: CdrWriter, task: asyncio.Task[None]) -> None:
    await writer.close(timeout=10)
    await task


async def submit_in_chunks(writer: CdrWriter, records: list[CdrRecord]) -> None:
    """Submit in small flushed chunks: many short transactions, as in live traffic."""
    for start_at in range(0, len(records), 10):
        for record in records[start_at:start_at + 10]:
            writer.submit(record)
        await writer.flush(timeout=10)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_thousand_submitted_cdrs_are_stored_exactly_once(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    writer = CdrWriter(engine, tmp_path / "cdr.spool")
    task = start(writer)
    for record in make_records(0, 1000):
        writer.submit(record)
    await writer.flush(timeout=10)
    await stop(writer, task)

    assert await row_counts(engine) == (1000, 1000)
    assert writer.stats.written == 1000 and writer.stats.spooled == 0
    stored = await fetch_cdrs(engine, call_id="1714550400.7")
    assert [dataclasses.replace(r, id=None) for r in stored] == make_records(7, 8)
    assert not (tmp_path / "cdr.spool").exists()


async def test_queue_overflow_goes_to_the_spool_and_is_replayed(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    writer = CdrWriter(engine, tmp_path / "cdr.spool", queue_size=5, retry_interval=0.05)
    for record in make_records(0, 20):
        writer.submit(record)  # writer not running yet: 15 overflow to the spool
    assert writer.stats.spooled == 15
    task = start(writer)
    await until(_all_stored(engine, writer, 20), message="overflow replayed")
    await stop(writer, task)


def _all_stored(
    engine: AsyncEngine, writer: CdrWriter, expected: int
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await row_counts(engine) == (expected, expected) and not writer.spool.has_pending()

    return check


async def test_cdrs_submitted_during_a_postgres_outage_are_spooled_then_replayed_once(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hotline.store")
    proxy = TcpProxy(PG_HOST, PG_PORT)
    await proxy.start()
    direct = make_engine(pg_url)
    proxied = make_engine(pg_url_via("127.0.0.1", proxy.port))
    spool = tmp_path / "cdr.spool"
    writer = CdrWriter(proxied, spool, flush_interval=0.05, retry_interval=0.1, db_timeout=5)
    task = start(writer)
    try:
        for record in make_records(0, 300):
            writer.submit(record)
        await writer.flush(timeout=10)
        assert await row_counts(direct) == (300, 300)

        await submit_in_chunks(writer, make_records(300, 400))
        for record in make_records(400, 450):
            writer.submit(record)  # likely in flight when the cut lands
        await proxy.cut()
        for record in make_records(450, 500):
            writer.submit(record)
        await writer.flush(timeout=10)
        await until(lambda: not writer.db_up, message="writer notices the outage")
        size_before = spool.stat().st_size
        assert size_before > 0
        for record in make_records(500, 700):
            writer.submit(record)
        await writer.flush(timeout=10)
        assert spool.stat().st_size > size_before
        assert writer.stats.spooled >= 250

        await proxy.restore()
        await until(_all_stored(direct, writer, 700), timeout=15, message="spool replayed")
        assert writer.db_up
        assert writer.stats.written + writer.stats.replayed >= 700
    finally:
        await stop(writer, task)
        await proxy.stop()
        await proxied.dispose()
        await direct.dispose()
    messages = [r.getMessage() for r in caplog.records if r.name == "hotline.store"]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("is back" in m for m in messages) == 1


async def test_new_writer_replays_the_spool_left_by_a_stopped_engine(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    spool = tmp_path / "cdr.spool"
    dead = make_engine(pg_url_via("127.0.0.1", closed_port()))
    first = CdrWriter(dead, spool, retry_interval=30)
    task = start(first)
    for record in make_records(0, 40):
        first.submit(record)
    await stop(first, task)
    await dead.dispose()
    assert not first.db_up and first.stats.spooled == 40
    with spool.open("a") as fh:
        fh.write('{"call_id": "torn-write\n')

    second = CdrWriter(engine, spool, retry_interval=0.05)
    task = start(second)
    await until(_all_stored(engine, second, 40), message="spool replayed on start")
    await stop(second, task)
    assert second.stats.replayed == 40
    assert (tmp_path / "cdr.spool.bad").read_text() == '{"call_id": "torn-write\n'


async def test_hung_database_cannot_wedge_the_writer(tmp_path: Path) -> None:
    """A server that accepts TCP but never answers: every DB call is bounded by db_timeout."""
    connections: list[asyncio.StreamWriter] = []

    async def swallow(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        connections.append(w)

    blackhole = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = blackhole.sockets[0].getsockname()[1]
    hung = make_engine(pg_url_via("127.0.0.1", port), connect_timeout=5)
    writer = CdrWriter(hung, tmp_path / "cdr.spool", db_timeout=0.3, retry_interval=30)
    task = start(writer)
    try:
        for record in make_records(0, 10):
            writer.submit(record)
        await writer.flush(timeout=3)
        assert not writer.db_up
        assert writer.stats.spooled == 10
    finally:
        await stop(writer, task)
        for w in connections:
            w.transport.abort()
        blackhole.close()
        await hung.dispose()


async def test_record_the_database_refuses_is_parked_without_blocking_its_batch(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    poison = dataclasses.replace(make_records(99, 100)[0], caller=None)  # type: ignore[arg-type]
    writer = CdrWriter(engine, tmp_path / "cdr.spool")
    task = start(writer)
    for record in [*make_records(0, 10), poison, *make_records(10, 20)]:
        writer.submit(record)
    await writer.flush(timeout=10)
    await stop(writer, task)

    assert await row_counts(engine) == (20, 20)
    assert writer.db_up and writer.stats.rejected == 1
    parked = (tmp_path / "cdr.spool.bad").read_text().splitlines()
    assert [CdrRecord.from_json(line).call_id for line in parked] == [poison.call_id]
