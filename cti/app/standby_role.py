"""The engine's part in a standby pair (docs/standby.md): wait for the lease, take over, and stop
acting at once when the lease is lost. Split from engine.py, whose objects it drives.

Losing the lease ends this process (EXIT_LEASE_LOST) instead of falling back to standby in place:
a deposed engine's memory (agents, waiting calls, dialer attempts) is stale, and a fresh start
rebuilds it from the records by the path every start already takes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from common.lease import LeaseTiming
from cti.app.config import HotlineConfig
from cti.services.standby import LeaseKeeper

if TYPE_CHECKING:
    from cti.app.engine import Engine

log = logging.getLogger("hotline.app")
EXIT_LEASE_LOST = 75  # EX_TEMPFAIL: the supervisor (systemd Restart=always) starts us again, as a standby


def lease_keeper(engine: Engine, config: HotlineConfig) -> LeaseKeeper | None:
    h = config.ha
    if not h.enabled:
        return None
    return LeaseKeeper(engine.db, h.node, LeaseTiming(h.lease_s, h.margin_s), h.renew_every_s,
                       on_lost=lambda why: lease_lost(engine, why))


async def take_over(engine: Engine, tg: asyncio.TaskGroup) -> bool:
    """STANDBY until this engine holds the lease (True), or until it is stopped first (False)."""
    ha = engine.ha
    assert ha is not None
    await _tables_when_the_database_answers(engine, ha.renew_every_s)
    lease = engine._lease_task = tg.create_task(ha.run(), name="ha-lease")
    log.info("engine standby: node %s waits for the lease (FastAGI, AMI, dialer and ACD idle)", ha.node)
    active, stop = asyncio.create_task(ha.active.wait()), asyncio.create_task(engine._stop.wait())
    await asyncio.wait({active, stop, lease}, return_when=asyncio.FIRST_COMPLETED)
    active.cancel(), stop.cancel()
    if not ha.active.is_set() or engine._stop.is_set():
        await ha.release()
        lease.cancel()
        await engine.cdrs.close()
        await engine.db.dispose()
        log.info("stopped (standby)")
        return False
    try:
        await engine._restore()
    except (OSError, asyncio.TimeoutError, SQLAlchemyError) as exc:
        log.error("takeover: agents and cases not restored (%s); agents log in again", exc)
    log.warning("takeover: %s serves calls from now on (CDRs marked %s)", ha.node, ha.fence)
    return True


async def _tables_when_the_database_answers(engine: Engine, retry_s: float) -> None:
    """A standby started while the database was down creates the tables (the lease's too) once it
    answers: the lease cannot be polled before."""
    while not engine.tables_ready and not engine._stop.is_set():
        try:
            await asyncio.wait_for(engine._create_tables(), 15)
        except (OSError, asyncio.TimeoutError, SQLAlchemyError):
            await asyncio.sleep(retry_s)


def lease_lost(engine: Engine, why: str) -> None:
    """Stop acting NOW (synchronously, in the lease timer's or renewal's callback): another engine
    may take over as soon as our lease lapses. Records already made are still flushed, then exit."""
    handed_back = engine.agi.abort()
    for task in engine._acting:
        task.cancel()
    log.error("lease lost (%s): no new calls, %d live calls handed back to the dialplan, ACD and dialer "
              "stopped; flushing records, then exiting (%d) to restart as a standby",
              why, handed_back, EXIT_LEASE_LOST)
    engine.exit_code = EXIT_LEASE_LOST
    engine.stop()
