"""Are the rollups complete? One mark per raw table: the highest id whose rows are in the rollups.

Rows only reach the rollups through the writer (`apply`) or a rebuild; rows inserted any other
way (an older engine, a bulk load, a restore) are not in them. `rollup_mark` tells them apart
cheaply, with index seeks only: ids grow, so the rollups are complete when no table has a row
above its mark. The writer raises a mark only when its batch directly follows it (nothing
unrolled-up lies below the batch); a full rebuild sets every mark to the table's highest id.
A database whose raw tables are all empty is complete with no marks at all.

The row `format` holds FORMAT, the version of the rollups' definitions and tables; a database
whose rollups were made by another version (say, before a rollup table was added) is not read
until a full rebuild rewrites them and the mark.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.store.rollup.tables import SOURCES, rollup_mark
from cti.store.schema import metadata


FORMAT = 1  # raise when what the rollups hold changes: older rollups are then rebuilt, not read
FORMAT_ROW = "format"


def _source(name: str) -> Table:
    return metadata.tables[name]


async def read(conn: AsyncConnection) -> dict[str, int]:
    return {row.tbl: int(row.max_id) for row in await conn.execute(select(rollup_mark))}


async def current_format(conn: AsyncConnection) -> bool:
    return (await read(conn)).get(FORMAT_ROW) == FORMAT


async def start_format(conn: AsyncConnection) -> None:
    """For rollup tables just created (by `create_schema`): they are empty, in this format."""
    if FORMAT_ROW not in await read(conn):
        await _set(conn, FORMAT_ROW, FORMAT, False)


async def behind(conn: AsyncConnection) -> list[str]:
    """The raw tables with rows the rollups do not hold (empty: the rollups are complete)."""
    marks = await read(conn)
    tops = select(*(select(func.max(_source(n).c.id)).scalar_subquery().label(n) for n in SOURCES))
    row = (await conn.execute(tops)).one()._mapping
    return [n for n in SOURCES if row[n] is not None and row[n] > marks.get(n, 0)]


async def advance(conn: AsyncConnection, new_ids: Mapping[str, list[int]]) -> None:
    """After a batch: raise each table's mark to the batch's top id if nothing below it is missing."""
    marks = await read(conn)
    for name, ids in new_ids.items():
        if not ids:
            continue
        table = _source(name)
        below = (await conn.execute(select(func.max(table.c.id)).where(table.c.id < min(ids)))).scalar()
        if below is None or below <= marks.get(name, 0):
            await _set(conn, name, max(ids), name in marks)


async def set_all(conn: AsyncConnection) -> None:
    """After a full rebuild: every row there is now is in the rollups."""
    marks = await read(conn)
    for name in SOURCES:
        top = (await conn.execute(select(func.max(_source(name).c.id)))).scalar()
        await _set(conn, name, int(top or 0), name in marks)
    await _set(conn, FORMAT_ROW, FORMAT, FORMAT_ROW in marks)


async def _set(conn: AsyncConnection, name: str, max_id: int, exists: bool) -> None:
    if exists:
        await conn.execute(rollup_mark.update().where(rollup_mark.c.tbl == name).values(max_id=max_id))
    else:
        await conn.execute(rollup_mark.insert().values(tbl=name, max_id=max_id))
