"""Customer directory: who is calling (tier, name, account), looked up by caller ID.

Differentiated service starts here: the tier picks the welcome, the menu and the queue
priority. The lookup is bounded in time; when the database is slow or down the call goes on as
an unknown (normal-tier) caller rather than waiting.

Theory of operation of the per-call lookup (`lookup`): every inbound call asks who is calling,
and through SQLAlchemy's async engine one query costs a pool checkout, an execute and a
rollback, each a hop to the driver's thread: it was the largest item of the engine's own CPU per
call. The customer table is small, so the directory keeps it in memory as an index of call
variables by phone number, answered without a database round trip, known calls and unknown
callers alike. Freshness: the index records when its load *started*; a lookup that finds it
older than `fresh_s` (5 s) waits for a reload (concurrent lookups share one; bounded by the
lookup timeout). So a customer committed to the table at time T, by any writer, is found by every
call whose lookup starts after T + `fresh_s`; a changed tier or a deleted row likewise. Under
load that is one reload every 5 s instead of one query per call; an idle engine reloads nothing.
A table larger than `max_rows` (20,000) is not indexed: each call then queries by phone as
before (the count is checked again on every reload). A failed reload keeps serving the previous
index and logs it; with none, the call queries the database and falls back to an unknown caller.

`lookup_by` (the IVR's lookup node: by phone or account, e.g. to read a balance) always asks
the database, so a flow reads the row as it is now.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy import Column, MetaData, Numeric, String, Table, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.customers import DEMO, call_variables

log = logging.getLogger("hotline.customers")
metadata = MetaData()
customer = Table(
    "customer", metadata,
    Column("phone", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("tier", String(16), nullable=False, server_default="normal"),
    Column("account", String(32), nullable=False),
    Column("balance", Numeric(12, 2), nullable=False, server_default="0"),
    Column("language", String(8), nullable=False, server_default="en"),
)
FRESH_S = 5.0  # an index older than this is reloaded before it answers
MAX_INDEXED_ROWS = 20_000  # a larger table is queried per call instead
_EXPECTED = (SQLAlchemyError, OSError, asyncio.TimeoutError)


async def create_and_seed(engine: AsyncEngine) -> None:
    """Create the table; seed the demo customers once (an operator's own rows are left alone)."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        present = {row[0] for row in await conn.execute(select(customer.c.phone))}
        missing = [row for row in DEMO if row["phone"] not in present]
        if missing:
            await conn.execute(customer.insert(), missing)


class CustomerDirectory:
    """Call variables by caller ID from an in-memory index of the customer table (see the module
    docstring for how fresh it is), and live lookups for the IVR's lookup node."""

    def __init__(self, engine: AsyncEngine, timeout: float = 1.0, *, fresh_s: float = FRESH_S,
                 max_rows: int = MAX_INDEXED_ROWS, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.timeout = timeout
        self.fresh_s, self.max_rows = fresh_s, max_rows
        self._clock = clock
        self._index: dict[str, dict[str, str]] | None = None  # None: not loaded, or the table is too large
        self._loaded_at = float("-inf")  # when the index's load started (self._clock)
        self._reload: asyncio.Task[None] | None = None
        self.reloads = 0

    async def lookup(self, phone: str) -> dict[str, str]:
        """Call variables for this caller ({} when unknown or when the lookup fails)."""
        if not phone:
            return {}
        index = await self._fresh_index()
        if index is not None:
            return dict(index.get(phone, ()))
        try:
            return await self.lookup_by("phone", phone) or {}
        except _EXPECTED as exc:
            log.warning("customer lookup for %s failed (%s); serving as an unknown caller", phone, exc)
            return {}

    async def lookup_by(self, field: str, value: str) -> dict[str, object] | None:
        """For the IVR's lookup node: the customer whose `field` (phone|account) is `value`.

        None when there is no such customer; database trouble raises (the flow's failure branch).
        """
        column = {"phone": customer.c.phone, "account": customer.c.account}[field]
        row = await asyncio.wait_for(self._fetch(value, column), self.timeout)
        return call_variables(row._mapping) if row is not None else None

    async def _fetch(self, value: str, column):
        async with self.engine.connect() as conn:
            result = await conn.execute(select(customer).where(column == value))
            return result.first()

    async def _fresh_index(self) -> dict[str, dict[str, str]] | None:
        """The index, reloaded first when older than `fresh_s` (waiting at most `timeout`)."""
        if self._clock() - self._loaded_at < self.fresh_s:
            return self._index
        if self._reload is None:
            self._reload = asyncio.create_task(self._load(), name="customer-index")
            self._reload.add_done_callback(self._reload_done)
        try:
            await asyncio.wait_for(asyncio.shield(self._reload), self.timeout)
        except TimeoutError:
            log.warning("customer index reload takes over %.1f s; serving the previous one", self.timeout)
        return self._index

    def _reload_done(self, _task: asyncio.Task[None]) -> None:
        self._reload = None

    async def _load(self) -> None:
        started = self._clock()
        try:
            async with asyncio.timeout(max(5.0, self.timeout)), self.engine.connect() as conn:
                count = (await conn.execute(select(func.count()).select_from(customer))).scalar_one()
                rows = (await conn.execute(select(customer))).all() if count <= self.max_rows else None
        except _EXPECTED as exc:
            log.warning("customer index reload failed (%s); %s", str(exc) or type(exc).__name__,
                        "serving the previous one" if self._index is not None else "looking callers up one by one")
            self._loaded_at = started  # retried after fresh_s, not by every call meanwhile
            return
        self._index = None if rows is None else {row.phone: call_variables(row._mapping) for row in rows}
        self._loaded_at = started
        self.reloads += 1
