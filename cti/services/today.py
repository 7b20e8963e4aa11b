"""Today's per-queue figures for the wallboard, read from the database at most every `interval` s.

Theory of operation: the wallboard asks for `current()` with every snapshot (each supervisor's
stream does, every `board_interval` s). That never waits: it returns the cached figures and wakes
`run()`, the engine task that reads. `run()` reads once when woken, then rests `interval` s, so
however many boards are open the database sees one read per interval, and none while nobody
looks. A read is bounded by `timeout`; when it fails (database down, slow, broken), the figures
of the last good read stay, with their time (`as_of`) and the failure (`error`), so the board
shows old figures marked as old rather than breaking. One log line when reads fail, one when
they work again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("hotline.today")
Reader = Callable[[datetime], Awaitable[dict[str, dict[str, Any]]]]  # now -> queue -> figures


class TodayFigures:
    """The cache of today's queue figures and the task that refreshes it (`run`)."""

    def __init__(self, read: Reader, *, interval: float = 30.0, timeout: float = 5.0,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC),
                 clock: Callable[[], float] = time.monotonic,
                 rest: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.read, self.interval, self.timeout, self.wall, self.clock = read, interval, timeout, wall, clock
        self.rest = rest
        self.queues: dict[str, dict[str, Any]] = {}
        self.as_of: datetime | None = None
        self.read_at: float | None = None  # clock() of the last good read
        self.error: str | None = None
        self.wanted = asyncio.Event()

    def current(self) -> dict[str, Any]:
        """{"queues": queue -> figures, "as_of", "age_s", "error"}; asks `run` for fresh figures."""
        self.wanted.set()
        age = None if self.read_at is None else round(self.clock() - self.read_at, 1)
        return {"queues": self.queues, "as_of": self.as_of.isoformat() if self.as_of else None,
                "age_s": age, "error": self.error}

    async def refresh(self) -> bool:
        """One bounded read; True when it worked. Failures keep the last figures."""
        now = self.wall()
        try:
            queues = await asyncio.wait_for(self.read(now), self.timeout)
        except (OSError, asyncio.TimeoutError, SQLAlchemyError) as exc:
            if self.error is None:
                log.warning("today's queue figures: read failed (%s); the wallboard keeps those of %s",
                            _why(exc), self.as_of.isoformat() if self.as_of else "no read yet")
            self.error = _why(exc)
            return False
        if self.error is not None:
            log.info("today's queue figures: reads work again")
        self.queues, self.as_of, self.read_at, self.error = queues, now, self.clock(), None
        return True

    async def run(self) -> None:
        while True:
            await self.wanted.wait()
            self.wanted.clear()
            await self.refresh()
            await self.rest(self.interval)  # the rate limit: one read per interval at most


def _why(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "database did not answer in time"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
