"""A seeded report database (tests/support/report_data.py) on SQLite or on PostgreSQL in a schema of
its own, for the DB tests of the planning commands (`db` fixture factory: `seeded_db(kind, tmp_path)`).

PostgreSQL FAILS when the server is unreachable, unless HOTLINE_SKIP_PG=1 (tests/support/pg.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cti.store import make_engine
from tests.support.pg import PG_URL, require_postgres
from tests.support.report_data import seed


@asynccontextmanager
async def seeded_db(kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if kind == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/report.db")
        try:
            await seed(engine)
            yield engine
        finally:
            await engine.dispose()
        return
    await require_postgres()
    schema = f"history_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        await seed(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()
