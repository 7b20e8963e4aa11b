"""The record writer: one task that batches records into the database, or the spool when it is down.

Theory of operation. Call coroutines `submit()` records (CDRs, agent state changes, queue
events, mixed freely) without ever awaiting the database;
records go to a bounded queue (or, if it is full, straight to the spool, so nothing is lost).
One `run()` task drains the queue in batches (up to `batch_size`, or whatever arrived within
`flush_interval`) and writes each batch in one transaction, one executemany per table
(see `sink.py`); every table has a UNIQUE key, so any batch can be written twice harmlessly, and
the same transaction books the rows it really inserted into the interval rollups (cti/store/rollup).
When a write fails with an outage-type error the batch is appended to the spool, the writer
marks the database down (logged once), and later batches go straight to the spool. Every
`retry_interval` it pings the database; when the ping succeeds it logs once that the DB is
back and replays the spool with insert-ignore, deleting spool files only after commit.
Spool lines carry their record kind; lines without one are CDRs from older engines.
Rows the database refuses as bad data (not an outage) are isolated one by one and parked in
`<spool>.bad` so one poison record cannot block everything behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.models import RECORD_TYPES, Record
from cti.store.sink import OUTAGE_ERRORS, DatabaseSink, describe
from cti.store.spool import Spool

log = logging.getLogger("hotline.store")

__all__ = ["CdrWriter", "RecordWriter", "WriterStats"]

_ACCEPTED: frozenset[type[Record]] = frozenset(RECORD_TYPES.values())

MAX_REPLAY_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counts since the writer was created (`spooled` includes queue-overflow records)."""

    written: int = 0
    spooled: int = 0
    replayed: int = 0
    rejected: int = 0


class RecordWriter:
    """Batching, outage-tolerant writer of every record kind (`RECORD_TYPES`) into its table.

    Run exactly one `run()` task per instance; one instance serves the whole engine.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        spool_path: Path,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        queue_size: int = 10_000,
        retry_interval: float = 1.0,
        db_timeout: float = 10.0,
    ) -> None:
        self.spool = Spool(spool_path)
        self._sink = DatabaseSink(engine, db_timeout)
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._retry_interval = retry_interval
        self._queue: asyncio.Queue[Record] = asyncio.Queue(maxsize=queue_size)
        self._wakeup = asyncio.Event()
        self._stopped = asyncio.Event()
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._submitted = 0
        self._settled = 0
        self._stopping = False
        self._running = False
        self._overflowing = False
        self._db_up = True
        self._next_retry = 0.0
        self._counts = {"written": 0, "spooled": 0, "replayed": 0, "rejected": 0}

    @property
    def db_up(self) -> bool:
        return self._db_up

    @property
    def queued(self) -> int:
        """Records handed over and not yet written or spooled."""
        return self._queue.qsize()

    @property
    def stats(self) -> WriterStats:
        return WriterStats(**self._counts)

    # ---- intake -------------------------------------------------------------------------

    def submit(self, record: Record) -> None:
        """Hand over a record without waiting; never drops it (overflow goes to the spool).

        Raises TypeError at once (in the caller) for anything but a registered record type.
        """
        if type(record) not in _ACCEPTED:
            raise TypeError(f"RecordWriter.submit: {type(record).__name__} is not one of "
                            f"{sorted(t.__name__ for t in _ACCEPTED)}")
        self._submitted += 1
        if self._stopping:
            self._spool_now(record)
            return
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            if not self._overflowing:
                log.warning("record queue full (%d); spooling directly to %s",
                            self._queue.maxsize, self.spool.path)
                self._overflowing = True
            self._spool_now(record)
        else:
            self._wakeup.set()

    def _spool_now(self, record: Record) -> None:
        # Synchronous fsync in the caller's task: rare, and better than losing the record.
        self._counts["spooled"] += self.spool.append_sync([record])
        self._settle(1)

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until every record submitted so far is committed or spooled."""
        target = self._submitted
        if self._settled >= target:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (target, future)
        self._waiters.append(entry)
        self._wakeup.set()
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    async def close(self, timeout: float = 15.0) -> None:
        """Write what is queued (DB or spool), then make `run()` return."""
        self._stopping = True
        self._wakeup.set()
        if self._running:
            await asyncio.wait_for(self._stopped.wait(), timeout)
        else:
            self._spool_leftovers()

    def _spool_leftovers(self) -> None:
        leftovers = [self._queue.get_nowait() for _ in range(self._queue.qsize())]
        if leftovers:
            self._counts["spooled"] += self.spool.append_sync(leftovers)
            self._settle(len(leftovers))

    def _settle(self, count: int) -> None:
        self._settled += count
        for target, future in list(self._waiters):
            if target <= self._settled and not future.done():
                future.set_result(None)

    # ---- the writer task ----------------------------------------------------------------

    async def run(self) -> None:
        """The single writer task: replay any spool left by a previous run, then write batches."""
        if self._running:
            raise RuntimeError("RecordWriter.run() is already running")
        self._running = True
        try:
            await self._replay()
            while not (self._stopping and self._queue.empty()):
                batch = await self._next_batch()
                if batch:
                    await self._write_batch(batch)
                await self._maybe_replay()
        finally:
            self._running = False
            self._stopped.set()

    async def _next_batch(self) -> list[Record]:
        batch = self._drain(self._batch_size)
        if not batch:
            await self._wait_wakeup(self._retry_interval)
            batch = self._drain(self._batch_size)
            if not batch:
                return batch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._flush_interval
        while len(batch) < self._batch_size and not self._urgent():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_wakeup(remaining)
            batch.extend(self._drain(self._batch_size - len(batch)))
        return batch

    def _drain(self, limit: int) -> list[Record]:
        count = min(limit, self._queue.qsize())
        batch = [self._queue.get_nowait() for _ in range(count)]
        if self._queue.empty():
            self._overflowing = False
        return batch

    def _urgent(self) -> bool:
        return self._stopping or bool(self._waiters)

    async def _wait_wakeup(self, timeout: float) -> None:
        # Clear first, then re-check: no await in between, so a submit cannot be missed.
        self._wakeup.clear()
        if not self._queue.empty() or self._stopping:
            return
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        except TimeoutError:
            pass  # periodic tick: time to check whether a replay is due

    async def _write_batch(self, batch: list[Record]) -> None:
        if self._db_up:
            try:
                rejected = await self._insert(batch)
            except OUTAGE_ERRORS as exc:
                self._mark_down(exc)
            else:
                self._counts["written"] += len(batch) - rejected
                self._settle(len(batch))
                return
        self._counts["spooled"] += await self.spool.append(batch)
        self._settle(len(batch))

    async def _insert(self, records: Sequence[Record]) -> int:
        """Write to the database; park refused records in `.bad`; returns how many were refused."""
        refused = await self._sink.write(records)
        if refused:
            await asyncio.to_thread(self.spool.reject_sync, refused)
            self._counts["rejected"] += len(refused)
            log.error("%d refused records parked in %s", len(refused), self.spool.bad_path)
        return len(refused)

    # ---- outage and replay --------------------------------------------------------------

    async def _maybe_replay(self) -> None:
        if asyncio.get_running_loop().time() < self._next_retry:
            return
        if self._db_up and not self.spool.has_pending():
            return
        await self._replay()

    async def _replay(self) -> None:
        """Ping first (cheap while down), then replay claimed spool files batch by batch."""
        self._next_retry = asyncio.get_running_loop().time() + self._retry_interval
        if not self.spool.has_pending() and self._db_up:
            return
        try:
            await self._sink.ping()
            self._mark_up()
            for _ in range(MAX_REPLAY_ROUNDS):
                if not await self._replay_one_file():
                    break
        except OUTAGE_ERRORS as exc:
            self._mark_down(exc)

    async def _replay_one_file(self) -> bool:
        path = self.spool.claim()
        if path is None:
            return False
        contents = await self.spool.read(path)
        for start in range(0, len(contents.records), self._batch_size):
            chunk = contents.records[start:start + self._batch_size]
            rejected = await self._insert(chunk)
            self._counts["replayed"] += len(chunk) - rejected
        await self.spool.finish(path, contents.bad)
        log.info("replayed %d records from %s", len(contents.records), path)
        return True

    def _mark_down(self, exc: BaseException) -> None:
        if self._db_up:
            log.warning("record database unreachable (%s); spooling to %s, retrying every %.1fs",
                        describe(exc), self.spool.path, self._retry_interval)
        self._db_up = False

    def _mark_up(self) -> None:
        if not self._db_up:
            log.info("record database is back; replaying %d spooled bytes",
                     self.spool.pending_bytes())
        self._db_up = True


# The original name: `CdrWriter(engine, spool_path, ...)` keeps working for CDR-only callers.
CdrWriter = RecordWriter
