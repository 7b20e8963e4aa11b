"""Databases for the rollup and report tests: a SQLite file or a PostgreSQL schema of its own, the
report fixture (tests/support/report_data.py) as the engine's records, and the rollups as data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cti.store import AgentStateRecord, CdrRecord, DialAttemptRecord, IvrVisitRecord, QueueLogRecord, Record
from cti.store import make_engine
from cti.store.rollup.tables import ROLLUPS
from tests.support.pg import PG_URL, require_postgres
from tests.support.report_data import fixture_rows

RECORD_OF_TABLE = {"cdr": CdrRecord, "queue_log": QueueLogRecord, "agent_state_log": AgentStateRecord,
                   "dial_attempt": DialAttemptRecord, "ivr_visit": IvrVisitRecord}


@asynccontextmanager
async def database(kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database: SQLite in tmp_path, or PostgreSQL in a fresh schema (search_path), so tests
    dropping tables in `public` cannot interfere. PostgreSQL FAILS when unreachable (see tests/support/pg.py)."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/{uuid.uuid4().hex[:8]}.db")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    await require_postgres()
    schema = f"rollup_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


def fixture_records() -> list[Record]:
    """Every fixture row as the record the engine would submit for it."""
    return [RECORD_OF_TABLE[table.name](**row) for table, rows in fixture_rows().items() for row in rows]


async def rollup_rows(engine: AsyncEngine) -> dict[tuple[Any, ...], dict[str, Any]]:
    """(table, *key) -> the row's non-zero values, of every rollup table: to compare two databases."""
    out = {}
    async with engine.connect() as conn:
        for name, table in ROLLUPS.items():
            keys = [c.name for c in table.primary_key.columns]
            for row in (await conn.execute(select(table))).mappings():
                values = {c: v for c, v in row.items() if c not in keys and v}
                if values:
                    out[(name, *(row[k] for k in keys))] = values
    return out
