"""Standby engine: the asyncio shell that keeps (or waits for) the engine lease (docs/standby.md).

Theory of operation: `LeaseKeeper.run()` first polls `acquire` every `renew_every_s` while another
engine holds an unexpired lease (STANDBY). Once the database gives it an epoch it sets `active`
and renews every `renew_every_s`, each statement bounded by a timeout. The decisions are
common/lease.py's: a timer armed at the machine's safe time fires `on_lost` at once when no
renewal moved it on, and a renewal that finds another holder or epoch fires it too. `on_lost`
is synchronous, so the engine stops acting within the callback, not at some later await.
`release()` (clean shutdown, after the records are flushed) expires the row so a standby takes
over at its next poll instead of waiting for the lease to lapse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from common.lease import LeaseMachine, LeaseState, LeaseTiming
from cti.store import CdrRecord, Record
from cti.store import lease as sql
from cti.store.sink import describe

log = logging.getLogger("hotline.ha")
_DB_ERRORS = (OSError, TimeoutError, SQLAlchemyError)


class LeaseKeeper:
    """Holds this engine's lease, or waits for it; `may_act()` is the fence the engine checks."""

    def __init__(self, db: AsyncEngine, node: str, timing: LeaseTiming, renew_every_s: float, *,
                 on_lost: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._renew_every = renew_every_s
        self._on_lost = on_lost
        self._clock = clock
        self.machine = LeaseMachine(node, timing)
        self.active = asyncio.Event()
        self.standby_since = clock()
        self.renew_every_s = renew_every_s
        self._timer: asyncio.TimerHandle | None = None
        self._seen_holder: str | None = None

    @property
    def node(self) -> str:
        return self.machine.node

    @property
    def fence(self) -> str | None:
        return self.machine.fence

    def may_act(self) -> bool:
        return self.machine.may_act(self._clock())

    async def run(self) -> None:
        """Wait for the lease, then keep it until it is lost or released."""
        self.standby_since = self._clock()
        await self._wait_for_lease()
        if self.machine.state is not LeaseState.ACTIVE:
            return
        self.active.set()
        self._arm()
        while self.machine.state is LeaseState.ACTIVE:
            await asyncio.sleep(self._renew_every)
            if self.machine.state is LeaseState.ACTIVE:
                await self._renew_once()

    async def release(self) -> None:
        """Clean shutdown: give the lease back (bounded), so a standby need not wait for it to lapse."""
        self._disarm()
        state, epoch = self.machine.state, self.machine.epoch
        if state not in (LeaseState.ACTIVE, LeaseState.STANDBY):
            return
        self.machine.release()
        if state is LeaseState.ACTIVE and epoch is not None:
            try:
                await asyncio.wait_for(sql.release(self._db, self.node, epoch), self._renew_every)
                log.info("lease %s@%d released", self.node, epoch)
            except _DB_ERRORS as exc:
                log.warning("lease %s@%d not released (%s): the standby takes over when it lapses",
                            self.node, epoch, describe(exc))

    # -- standby ------------------------------------------------------------------------------
    async def _wait_for_lease(self) -> None:
        while self.machine.state is LeaseState.STANDBY:
            await self._try_acquire()
            if self.machine.state is LeaseState.STANDBY:
                await asyncio.sleep(self._renew_every)

    async def _try_acquire(self) -> None:
        lease_s = self.machine.timing.lease_s
        sent = self._clock()
        try:
            epoch = await asyncio.wait_for(sql.acquire(self._db, self.node, lease_s), self._renew_every)
        except _DB_ERRORS as exc:
            self.machine.acquire_failed(describe(exc))
            if self._seen_holder != "unreachable":
                self._seen_holder = "unreachable"
                log.warning("standby: %s cannot reach the database (%s); retrying every %.1f s",
                            self.node, describe(exc), self._renew_every)
            return
        if epoch is not None:
            if self.machine.acquired(epoch, sent, self._clock()) is LeaseState.ACTIVE:
                log.warning("takeover: %s is the active engine at epoch %d after %.1f s on standby",
                            self.node, epoch, self._clock() - self.standby_since)
            return
        row = await self._read()
        holder = row.fence if row else "nobody"
        self.machine.refused(row.holder if row else "nobody", row.epoch if row else None)
        if holder != self._seen_holder:
            self._seen_holder = holder
            log.info("standby: %s waits; the lease is %s%s", self.node, holder,
                     f", expiring in {row.expires_in_s:.1f} s" if row else "")

    # -- active -------------------------------------------------------------------------------
    async def _renew_once(self) -> None:
        m = self.machine
        assert m.epoch is not None and m.safe_until is not None
        sent = self._clock()
        budget = max(0.05, min(self._renew_every, m.safe_until - sent))
        try:
            ok = await asyncio.wait_for(sql.renew(self._db, self.node, m.epoch, m.timing.lease_s), budget)
        except _DB_ERRORS as exc:
            if m.state is LeaseState.ACTIVE:
                log.warning("lease %s: renewal failed (%s); acting for %.1f s more at most",
                            m.fence, describe(exc), max(0.0, m.safe_until - self._clock()))
                self._settle(m.renew_failed(describe(exc), self._clock()))
            return
        if m.state is not LeaseState.ACTIVE:  # lost by the timer while the statement ran
            return
        if ok:
            self._settle(m.renewed(sent, self._clock()))
        else:
            row = await self._read()
            self._settle(m.renew_refused(row.holder if row else None, row.epoch if row else None))

    async def _read(self) -> sql.LeaseRow | None:
        try:
            return await asyncio.wait_for(sql.read_lease(self._db), self._renew_every)
        except _DB_ERRORS:
            return None

    def _settle(self, state: LeaseState) -> None:
        if state is LeaseState.ACTIVE:
            self._arm()
        elif state is LeaseState.LOST:
            self._lose()

    def _arm(self) -> None:
        self._disarm()
        assert self.machine.safe_until is not None
        delay = max(0.0, self.machine.safe_until - self._clock())
        self._timer = asyncio.get_running_loop().call_later(delay, self._check)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        self._timer = None
        if self.machine.state is not LeaseState.ACTIVE:
            return
        if self.machine.expire_if_due(self._clock()) is LeaseState.LOST:
            self._lose()
        else:  # the loop's timer fired a little early (its clock is coarser than ours)
            self._arm()

    def _lose(self) -> None:
        self._disarm()
        log.error("lease %s lost: %s", self.machine.fence, self.machine.last_reason)
        self._on_lost(self.machine.last_reason)


class FencedRecords:
    """The record sink of an engine with a lease: its CDRs carry `node@epoch` in `engine_node`,
    so every call record says which engine, under which tenure, served the call."""

    def __init__(self, inner, fence: Callable[[], str | None]) -> None:
        self._inner = inner
        self._fence = fence

    def submit(self, record: Record) -> None:
        if isinstance(record, CdrRecord) and record.engine_node is None:
            record = dataclasses.replace(record, engine_node=self._fence())
        self._inner.submit(record)
