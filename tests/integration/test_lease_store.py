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
