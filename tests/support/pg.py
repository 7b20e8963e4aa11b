"""Where the integration tests find PostgreSQL (scripts/ensure-system.sh creates role and database)."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

PG_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+asyncpg://hotline:hotline@127.0.0.1:5432/hotline_test")
_parsed = make_url(PG_URL)
PG_HOST, PG_PORT = _parsed.host or "127.0.0.1", _parsed.port or 5432
PG_USER, PG_PASSWORD, PG_DB = _parsed.username, _parsed.password, _parsed.database


def pg_url_via(host: str, port: int) -> str:
    """The same database reached through another address (a proxy, a dead port)."""
    return _parsed.set(host=host, port=port).render_as_string(hide_password=False)


async def require_postgres() -> None:
    """PostgreSQL tests FAIL when the server is unreachable (skip only with HOTLINE_SKIP_PG=1)."""
    import asyncpg
    import pytest

    try:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, password=PG_PASSWORD,
                                     database=PG_DB, timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if os.environ.get("HOTLINE_SKIP_PG") == "1":
            pytest.skip(f"PostgreSQL unreachable and HOTLINE_SKIP_PG=1: {exc}")
        pytest.fail(f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable ({exc}); "
                    "run scripts/ensure-system.sh test (or set HOTLINE_SKIP_PG=1)")
    await conn.close()


async def fresh_tables(url: str = PG_URL) -> None:
    """Drop and recreate the engine's tables at `url`. Tests that use the database's default schema
    call it first: rows another test or run left there (e.g. an agent's state from 2024) must not
    change what this test sees or how long its record writes take."""
    from cti.store import create_schema, make_engine, metadata

    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await create_schema(engine)
    finally:
        await engine.dispose()
