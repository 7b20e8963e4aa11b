"""The database a report benchmark works in: a URL, and for PostgreSQL optionally a schema of its own.

A schema (`--schema NAME`, created if missing) lets the benchmark live in a database it cannot
create, beside other users' tables, and be dropped whole afterwards (`DROP SCHEMA NAME CASCADE`).
"""

from __future__ import annotations

import argparse

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cti.store import make_engine

TIMEOUT = 3600.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--schema", help="PostgreSQL only: work in this schema (search_path), created if missing")


async def engine_for(args: argparse.Namespace) -> AsyncEngine:
    if not args.schema:
        return make_engine(args.db, command_timeout=TIMEOUT)
    admin = make_engine(args.db)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{args.schema}"'))
    await admin.dispose()
    return create_async_engine(args.db, pool_pre_ping=True, connect_args={
        "server_settings": {"search_path": args.schema}, "command_timeout": TIMEOUT})
