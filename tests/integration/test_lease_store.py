"""The engine lease on a real PostgreSQL (cti/store/lease.py, cti/services/standby.py): one atomic
statement per operation, expiry by the database's clock, an epoch per takeover. A schema of its own
per test (tests/support/rollup_db.py); no Asterisk, so no sandbox lock."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from common.lease import LeaseState, LeaseTiming
from cti.services.standby import LeaseKeeper
from cti.store import lease
from tests.support.rollup_db import database
from tests.support.until import until

pytestmark = pytest.mark.integration


@pytest.fixture
async def pg(tmp_path):
    async with database("postgresql", tmp_path) as engine:
        await lease.create_lease_table(engine)
        yield engine


async def test_of_two_contenders_exactly_one_wins_and_every_takeover_increments_the_epoch(pg):
    epochs = []
    for round_ in range(20):
        results = await asyncio.gather(*(lease.acquire(pg, f"node{i}", 10.0) for i in range(4)))
        winners = [(f"node{i}", e) for i, e in enumerate(results) if e is not None]
        assert len(winners) == 1, (round_, results)
        node, epoch = winners[0]
        epochs.append(epoch)
        row = await lease.read_lease(pg)
        assert (row.holder, row.epoch) == (node, epoch)
        assert await lease.release(pg, node, epoch)
    assert epochs == list(range(1, 21))


async def test_an_unexpired_lease_is_refused_to_everyone_even_its_own_node_restarted(pg):
    assert await lease.acquire(pg, "a", 10.0) == 1
    assert await lease.acquire(pg, "b", 10.0) is None
    assert await lease.acquire(pg, "a", 10.0) is None  # a restarted engine waits like any standby
    row = await lease.read_lease(pg)
    assert (row.holder, row.epoch) == ("a", 1) and 9.0 < row.expires_in_s <= 10.0


async def test_expiry_is_computed_and_judged_by_the_database_clock(pg):
    assert await lease.acquire(pg, "a", 0.5) == 1
    row = await lease.read_lease(pg)
    assert (row.expires_at - row.renewed_at).total_seconds() == pytest.approx(0.5, abs=1e-6)  # both now()
    assert await lease.acquire(pg, "b", 10.0) is None
    won: list[int | None] = []

    async def b_takes_it() -> bool:
        won.append(await lease.acquire(pg, "b", 10.0))
        return won[-1] is not None

    await until(b_takes_it, 5, 0.05, "b takes the lapsed lease")
    assert won[-1] == 2
    async with pg.connect() as conn:  # b won only once the database's now() had passed a's expiry
        acquired_at = (await conn.execute(text("SELECT acquired_at FROM engine_lease"))).scalar_one()
    assert acquired_at > row.expires_at


async def test_renewal_holds_only_for_the_holder_at_its_epoch(pg):
    epoch = await lease.acquire(pg, "a", 0.3)
    assert await lease.renew(pg, "a", epoch, 10.0)
    assert not await lease.renew(pg, "a", epoch + 1, 10.0)
    assert not await lease.renew(pg, "b", epoch, 10.0)
    assert (await lease.read_lease(pg)).expires_in_s > 9.0  # the renewal pushed the expiry 10 s on
    assert await lease.acquire(pg, "b", 10.0) is None


async def test_after_a_takeover_the_old_holder_can_neither_renew_nor_release(pg):
    old = await lease.acquire(pg, "a", 0.2)
    await until(lambda: lease.acquire(pg, "b", 10.0), 5, 0.05, "b takes over")
    assert not await lease.renew(pg, "a", old, 10.0)
    assert not await lease.release(pg, "a", old)
    row = await lease.read_lease(pg)
    assert (row.holder, row.epoch) == ("b", old + 1)


async def test_the_lease_table_is_created_once_by_engines_starting_together(pg):
    await asyncio.gather(*(lease.create_lease_table(pg) for _ in range(4)))
    async with lease.schema_lock(pg):
        assert await lease.read_lease(pg) is None


async def test_keepers_one_active_one_standby_and_the_standby_takes_over_when_the_active_dies(pg):
    timing, a_stopped, b_lost = LeaseTiming(lease_s=1.0, margin_s=0.3), [], []
    a = LeaseKeeper(pg, "a", timing, 0.2, on_lost=lambda why: a_stopped.append(time.monotonic()))
    b = LeaseKeeper(pg, "b", timing, 0.2, on_lost=b_lost.append)
    ta = asyncio.create_task(a.run())
    await until(a.active.is_set, 5, message="a active")
    tb = asyncio.create_task(b.run())
    await until(lambda: b.machine.state is LeaseState.STANDBY and b.machine.last_reason.startswith("held by a@"),
                5, message="b standing by")
    for _ in range(3):  # a renews across several lease lengths while b keeps being refused
        await until(lambda: (a.machine.safe_until or 0) > time.monotonic() + 0.6, 2, message="a renewed")
    assert a.may_act() and not b.may_act()
    ta.cancel()  # a's renewals stop (as if its process hung, or was killed: then its timer dies too)
    died = time.monotonic()
    await until(b.active.is_set, 5, message="b takes over")
    b_active = time.monotonic()
    took = b_active - died
    assert 0.3 < took < 1.0 + 0.2 + 0.5, took  # not before a's lease lapsed; within lease + one poll
    assert a_stopped and a_stopped[0] < b_active  # a had stopped acting before b began: never two
    assert b.fence == f"b@{a.machine.epoch + 1}" and b.may_act() and b_lost == []
    await b.release()
    tb.cancel()
    row = await lease.read_lease(pg)
    assert row.expires_in_s < 0  # released: a standby would take it at once


async def test_an_active_keeper_that_sees_another_epoch_stops_at_its_next_renewal(pg):
    lost: list[str] = []
    a = LeaseKeeper(pg, "a", LeaseTiming(lease_s=5.0, margin_s=1.0), 0.2, on_lost=lost.append)
    task = asyncio.create_task(a.run())
    await until(a.active.is_set, 5, message="a active")
    async with pg.begin() as conn:  # someone else's takeover (as if a's lease had lapsed)
        await conn.execute(text("UPDATE engine_lease SET holder = 'b', epoch = epoch + 1"))
    await until(lambda: lost, 2, message="a lost its lease")
    assert not a.may_act() and a.machine.state is LeaseState.LOST
    assert "b@2" in lost[0]
    await asyncio.wait_for(task, 2)


async def test_an_active_keeper_whose_database_stops_answering_stops_at_its_safe_time(pg):
    lost: list[str] = []
    a = LeaseKeeper(pg, "a", LeaseTiming(lease_s=1.5, margin_s=0.5), 0.2, on_lost=lost.append)
    task = asyncio.create_task(a.run())
    await until(a.active.is_set, 5, message="a active")
    async with pg.connect() as blocker:  # hold the row lock: every renewal now times out
        await blocker.execute(text("SELECT * FROM engine_lease FOR UPDATE"))
        blocked = time.monotonic()
        safe_until = a.machine.safe_until
        await until(lambda: lost, 3, message="a lost its lease")
        stopped = time.monotonic()
        await blocker.rollback()
    assert safe_until - 0.45 <= stopped <= safe_until + 0.45, (blocked, safe_until, stopped)
    assert stopped - blocked < 1.5 - 0.5 + 0.3  # never past lease - margin after the last renewal
    await asyncio.wait_for(task, 2)


async def test_an_engine_started_while_the_database_is_down_stands_by_then_takes_the_lease(tmp_path, caplog):
    """No tables, no lease row, no database at start: the engine waits as a standby, and once the
    database answers it creates the tables (the lease's too) and becomes the active engine."""
    import socket

    from cti.app.config import HotlineConfig
    from cti.app.engine import Engine
    from tests.support.pg import pg_url_via
    from tests.support.tcpproxy import TcpProxy

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    async with database("postgresql", tmp_path) as pg:
        schema = (await _search_path(pg))
        proxy = TcpProxy("127.0.0.1", 5432)
        await proxy.start()
        await proxy.cut()  # the database is down
        config = HotlineConfig.model_validate({
            "ami": {"secret": "s", "port": free_port(), "reconnect_max": 1.0},  # nothing listens: AMI stays down
            "agi": {"port": free_port()},
            "database": {"url": pg_url_via("127.0.0.1", proxy.port), "schema_name": schema,
                         "spool_dir": str(tmp_path / "spool")},
            "control": {"socket": str(tmp_path / "ctl.sock")},
            "ivr": {"flows_dir": str(tmp_path / "no-flows")}, "mqtt": {"enabled": False},
            "http": {"enabled": False}, "cases": {"enabled": False},
            "ha": {"enabled": True, "node": "late", "lease_s": 3, "renew_every_s": 0.5, "margin_s": 1}})
        engine = Engine(config)
        task = asyncio.create_task(engine.run())
        try:
            await until(lambda: any("database unreachable at start" in r.getMessage() for r in caplog.records),
                        20, 0.05, "the engine found the database down")
            assert engine._lease_task is None and not engine.ready.is_set()  # no lease poll without tables
            await proxy.restore()  # the database is back
            await until(engine.ready.is_set, 20, 0.1, "the engine active once the database answers")
            row = await lease.read_lease(pg)
            assert (row.holder, row.epoch) == ("late", 1)
        finally:
            engine.stop()
            await asyncio.wait_for(task, 20)
            await proxy.stop()
        assert engine.exit_code == 0 and (await lease.read_lease(pg)).expires_in_s < 0  # released at stop


async def _search_path(pg) -> str:
    async with pg.connect() as conn:
        return (await conn.execute(text("SELECT current_schema()"))).scalar_one()


async def test_ha_status_reads_holder_epoch_and_expiry_from_the_database(pg, tmp_path, capsys):
    import json

    from cti.cli.main import main
    from tests.support.pg import PG_URL

    config = tmp_path / "hotline.yaml"
    config.write_text(json.dumps({"ami": {"secret": "s"}, "database": {
        "url": PG_URL, "schema_name": await _search_path(pg)}}))
    assert await asyncio.to_thread(main, ["ha", "status", "-c", str(config)]) == 3
    assert "no engine has held the lease yet" in capsys.readouterr().out
    epoch = await lease.acquire(pg, "hotline-a", 10.0)
    assert await asyncio.to_thread(main, ["ha", "status", "-c", str(config), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["holder"], shown["epoch"], shown["active"]) == ("hotline-a", 1, True)
    assert 9.0 < shown["expires_in_s"] <= 10.0
    await lease.release(pg, "hotline-a", epoch)
    assert await asyncio.to_thread(main, ["ha", "status", "-c", str(config)]) == 3
    assert "no active engine: the lease of hotline-a (epoch 1) lapsed" in capsys.readouterr().out
