"""Writing `Deltas`: one `INSERT … ON CONFLICT (key) DO UPDATE SET col = col + excluded.col` per table.

Sums add; `max_wait` keeps the larger of the stored and the new value (NULL = none yet: SQLite's
two-argument max() would return NULL, hence the CASE). Executed with executemany, in the caller's
transaction: the writer's, so the rows and their rollups commit together or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.store.rollup.deltas import Deltas
from cti.store.rollup.tables import ROLLUPS
from cti.store.rollup.visits import PEAK_COLUMN

CHUNK = 2000  # rows per executemany: bounded statement and parameter sizes


def _upsert(dialect: str, table: Table) -> Any:
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    changes: dict[str, Any] = {c.name: c + stmt.excluded[c.name] for c in table.columns
                               if c.name not in keys and c.name != PEAK_COLUMN}
    if PEAK_COLUMN in table.c:
        old, new = table.c[PEAK_COLUMN], stmt.excluded[PEAK_COLUMN]
        changes[PEAK_COLUMN] = case((new.is_(None), old), (old.is_(None), new), (new > old, new), else_=old)
    return stmt.on_conflict_do_update(index_elements=keys, set_=changes)


def rows_of(table: Table, deltas: Deltas) -> list[dict[str, Any]]:
    """Full rows (every column present, zeros where nothing changed) for executemany."""
    keys = [c.name for c in table.primary_key.columns]
    values = [c.name for c in table.columns if c.name not in keys]
    out = []
    for key, (sums, peaks) in sorted(deltas.rows(table.name).items()):
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        row.update({name: sums.get(name, 0) for name in values if name != PEAK_COLUMN})
        if PEAK_COLUMN in values:
            row[PEAK_COLUMN] = peaks.get(PEAK_COLUMN)
        out.append(row)
    return out


async def write(conn: AsyncConnection, deltas: Deltas) -> int:
    """Apply every delta; returns how many rollup rows were touched."""
    touched = 0
    for name in sorted(deltas.tables()):
        table = ROLLUPS[name]
        rows = rows_of(table, deltas)
        stmt = _upsert(conn.dialect.name, table)
        for start in range(0, len(rows), CHUNK):
            await conn.execute(stmt, rows[start:start + CHUNK])
        touched += len(rows)
    return touched
