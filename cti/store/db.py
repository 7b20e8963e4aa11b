"""Engine construction, schema creation and the idempotent insert used for every record.

Why these settings:
- SQLite: WAL + synchronous=NORMAL is what makes batched writes fast (~440k rows/s measured)
  while staying crash-safe; the file's parent directory is created so the default
  `sqlite+aiosqlite:///var/hotline.db` (relative to the CWD) works on a fresh checkout.
- PostgreSQL: a short asyncpg connect timeout so a dead server fails fast instead of
  wedging the writer for 60 s, a command timeout as a server-side backstop, and
  `pool_pre_ping` so connections killed during an outage are discarded after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import Insert

from cti.store.indexes import WRITER_INDEXES, ensure_indexes
from cti.store.queries import fetch_cdrs  # noqa: F401  (re-export: its historical home)
from cti.store.rollup import marks as rollup_marks
from cti.store.rollup.tables import rollup_mark  # (importing it adds the rollup tables to metadata)
from cti.store.schema import metadata
import cti.store.case_schema  # noqa: F401,E402  (registers the case tables on the same metadata)
import cti.store.quality_schema  # noqa: F401,E402  (recordings, survey answers, monitoring, QA)

DEFAULT_CONNECT_TIMEOUT = 2.0
DEFAULT_COMMAND_TIMEOUT = 10.0


def make_engine(
    url: str | URL,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    echo: bool = False,
    schema: str | None = None,
) -> AsyncEngine:
    """Create an `AsyncEngine` tuned for the record writer (see module docstring); `schema`: the
    PostgreSQL schema to use instead of `public` (its search_path; `database.schema_name`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _ensure_sqlite_parent(parsed)
        engine = create_async_engine(parsed, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "asyncpg":
        connect_args = {"timeout": connect_timeout, "command_timeout": command_timeout}
        if schema:
            connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(parsed, echo=echo, pool_pre_ping=True, connect_args=connect_args)


def _ensure_sqlite_parent(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


async def create_schema(engine: AsyncEngine) -> None:
    """Create missing tables and indexes, and add columns a later version added (idempotent).

    The rollup tables (cti/store/rollup/tables.py) are part of `metadata`; on a database that
    already holds rows they start empty and reports read raw rows until `hotline rollup rebuild`.
    """
    async with engine.begin() as conn:
        new_rollups = not await conn.run_sync(lambda sync: inspect(sync).has_table(rollup_mark.name))
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(_add_missing_columns)
        await conn.run_sync(_upgrade_lead_key)
        await ensure_indexes(conn, WRITER_INDEXES)
        if new_rollups:
            await rollup_marks.start_format(conn)


def _add_missing_columns(conn: Connection) -> None:
    """A database made by an earlier version lacks the nullable columns added since (e.g. `cdr.ivr_exit`):
    add them, so an upgrade keeps the operator's records. Only nullable columns are ever added this way."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _upgrade_lead_key(conn: Connection) -> None:
    """A database made before bookings had their own key has `lead` unique per (campaign, number),
    which refuses a second call-back or follow-up to the same customer: replace that index by
    (campaign, number, booking), imported leads' booking being ""."""
    names = {index["name"] for index in inspect(conn).get_indexes("lead")}
    if "ux_lead_campaign_number_booking" in names:
        return
    if "ux_lead_campaign_number" in names:
        conn.execute(text("DROP INDEX ux_lead_campaign_number"))
    conn.execute(text("UPDATE lead SET booking = '' WHERE booking IS NULL"))
    next(i for i in metadata.tables["lead"].indexes if i.name == "ux_lead_campaign_number_booking").create(conn)


def insert_ignore_stmt(dialect_name: str, table: Table, conflict_column: str | None = "call_id") -> Insert:
    """`INSERT … ON CONFLICT (conflict_column) DO NOTHING` for the given dialect (None: any conflict)."""
    where = {"index_elements": [conflict_column]} if conflict_column else {}
    if dialect_name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(**where)
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(**where)
    raise NotImplementedError(f"insert_ignore: dialect {dialect_name!r} is not supported")


async def insert_ignore(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    conflict_column: str | None = "call_id",
) -> None:
    """Insert `rows` with one executemany, silently skipping rows whose key already exists.

    This is what makes spool replay safe: a batch whose commit outcome was unknown (timeout,
    dropped connection after COMMIT) can be written again without duplicating calls.
    """
    if not rows:
        return
    stmt = insert_ignore_stmt(conn.dialect.name, table, conflict_column)
    await conn.execute(stmt, list(rows))


async def insert_new(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    conflict_column: str,
) -> list[dict[str, Any]]:
    """`insert_ignore`, returning the rows actually inserted (with their new `id`), in no set order.

    `ON CONFLICT DO NOTHING … RETURNING` reports only the rows it inserted, on SQLite (>= 3.35)
    and PostgreSQL alike, also through SQLAlchemy's batched executemany: the rollups are booked
    from this list, so a row written twice is counted once.
    """
    if not rows:
        return []
    key = table.c[conflict_column]
    stmt = insert_ignore_stmt(conn.dialect.name, table, conflict_column).returning(key, table.c.id)
    ids = {k: i for k, i in (await conn.execute(stmt, list(rows))).all()}
    inserted = []
    for row in rows:  # a key twice in one batch: the first was inserted, the second ignored
        if (i := ids.pop(row[conflict_column], None)) is not None:
            inserted.append({**row, "id": i})
    return inserted
