"""A seeded report database (tests/support/report_data.py) on SQLite or on PostgreSQL in a schema of
its own, for the DB tests of the planning commands (`db` fixture factory: `seeded_db(kind, tmp_path)`).

PostgreSQL FAILS when the server is unreachable, unless HOTLINE_SKIP_PG=1 (tests/support/pg.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.report_data import seed
from tests.support.rollup_db import database


@asynccontextmanager
async def seeded_db(kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        yield engine
