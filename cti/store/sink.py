"""The database half of the record writer: idempotent batch inserts, bad-row isolation, ping.

A batch may mix record types. Its rows are grouped by table and written with one
executemany per table, all in one transaction, so a batch is committed (or not) as a whole
and can be replayed whole. In the same transaction the rows the database reports as newly
inserted are booked into the interval rollups (cti/store/rollup/apply.py): a replayed row is
not new, so it is counted once. Every database call runs under `asyncio.wait_for(…, db_timeout)`:
a hung server must not wedge the writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.db import insert_new
from cti.store.rollup import apply as rollups
from cti.store.models import Record

log = logging.getLogger("hotline.store")

# Errors that mean "the database is not reachable/usable right now": spool and retry later.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,  # pool checkout timeout
    OSError,
    ConnectionError,
    TimeoutError,
)
# Errors that mean "the database refuses this data": retrying cannot help.
DATA_ERRORS: tuple[type[BaseException], ...] = (sa_exc.DataError, sa_exc.IntegrityError)

RowGroups = dict[type[Record], list[dict[str, Any]]]


class DatabaseSink:
    """Writes record batches; raises an `OUTAGE_ERRORS` error when the database is down."""

    def __init__(self, engine: AsyncEngine, db_timeout: float) -> None:
        self._engine = engine
        self._db_timeout = db_timeout

    async def write(self, records: Sequence[Record]) -> list[Record]:
        """Insert (ignoring known keys); returns the records refused as bad data, if any."""
        try:
            await self._in_transaction(group_rows(records))
            return []
        except DATA_ERRORS as exc:
            log.warning("database refused a batch of %d records (%s); isolating the bad ones",
                        len(records), describe(exc))
        return await self._write_one_by_one(records)

    async def _write_one_by_one(self, records: Sequence[Record]) -> list[Record]:
        refused: list[Record] = []
        for record in records:
            try:
                await self._in_transaction(group_rows([record]))
            except DATA_ERRORS as exc:
                log.error("%s %s=%s refused by the database (%s)",
                          record.KIND, record.KEY, record.key, describe(exc))
                refused.append(record)
        return refused

    async def _in_transaction(self, groups: RowGroups) -> None:
        await asyncio.wait_for(self._insert_groups(groups), self._db_timeout)

    async def _insert_groups(self, groups: RowGroups) -> None:
        async with self._engine.begin() as conn:
            new = {t.TABLE.name: await insert_new(conn, t.TABLE, rows, t.KEY) for t, rows in groups.items()}
            await rollups.apply(conn, new)

    async def ping(self) -> None:
        async def ping() -> None:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        await asyncio.wait_for(ping(), self._db_timeout)


def group_rows(records: Sequence[Record]) -> RowGroups:
    """Rows per record type, in first-seen order (insert order within a table is kept)."""
    groups: RowGroups = {}
    for record in records:
        groups.setdefault(type(record), []).append(record.to_row())
    return groups


def describe(exc: BaseException) -> str:
    """Short cause without the SQL and its parameters (a batch's parameters are huge)."""
    cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    return f"{type(cause).__name__}: {cause}".strip().splitlines()[0][:300]
