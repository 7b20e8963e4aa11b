"""Rebuild the rollups from the raw rows: day by day, one transaction per day, idempotent.

Each day [D, D + 1 d) is recomputed from scratch with the same pure functions the writer uses:
its rollup rows at every grain are deleted, then every figure whose bucket lies in the day is
booked from the raw rows, with the context a figure needs from outside the day (an agent's row
before the day and the one after it, a visit's later rows, a number's calls up to REACH before
and after).
The rollup rows are deleted *first*: on SQLite that takes the write lock before anything is read,
on PostgreSQL the advisory lock of `apply.lock` is taken, so an engine writing meanwhile waits
(or spools) and then books its own rows on top of the rebuilt day.
A rebuild of everything also deletes rollup rows outside the data and sets the marks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cti.store.indexes import SCAN_INDEXES, ensure_indexes
from cti.store.rollup import callers, counts, fetch, marks, timeline, upsert, visits
from cti.store.rollup.apply import REACH, lock
from cti.store.rollup.buckets import DAY, to_us
from cti.store.rollup.deltas import Deltas
from cti.store.rollup.tables import ROLLUPS
from cti.store.schema import agent_state_log, cdr, dial_attempt, ivr_visit, queue_log

ONE_DAY = timedelta(days=1)
Progress = Callable[[datetime, int], None]


@dataclass(frozen=True, slots=True)
class Rebuilt:
    days: int
    rows: int  # rollup rows written


def day_floor(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


TIMES = ((cdr, "started_at"), (queue_log, "at"), (agent_state_log, "at"), (ivr_visit, "at"),
         (dial_attempt, "started_at"))


async def data_span(conn: AsyncConnection) -> tuple[datetime, datetime] | None:
    """[first day, day after the last) holding any raw row, or None for an empty database."""
    stmt = union_all(*(select(func.min(t.c[c]).label("lo"), func.max(t.c[c]).label("hi")) for t, c in TIMES))
    rows = (await conn.execute(stmt)).all()
    los, his = [r.lo for r in rows if r.lo is not None], [r.hi for r in rows if r.hi is not None]
    if not los:
        return None
    return day_floor(min(los)), day_floor(max(his)) + ONE_DAY


async def rebuild(engine: AsyncEngine, start: datetime | None = None, end: datetime | None = None,
                  progress: Progress | None = None) -> Rebuilt:
    """Recompute the rollups of [start, end), widened to whole UTC days; everything when both are None."""
    async with engine.begin() as conn:
        await ensure_indexes(conn, SCAN_INDEXES)  # the period scans of each day
        span = await data_span(conn)
    first = day_floor(start) if start is not None else span[0] if span else None
    stop = day_floor(end - timedelta(microseconds=1)) + ONE_DAY if end is not None else span[1] if span else None
    days, rows = 0, 0
    day = first
    while day is not None and stop is not None and day < stop:
        rows += await rebuild_day(engine, day)
        days += 1
        if progress is not None:
            progress(day, rows)
        day += ONE_DAY
    if start is None and end is None:
        await _finish(engine, first)
    return Rebuilt(days, rows)


async def rebuild_day(engine: AsyncEngine, day: datetime) -> int:
    """Replace the rollup rows of [day, day + 1 d) with figures computed from raw rows."""
    lo, hi = int(day.timestamp()), int(day.timestamp()) + DAY
    async with engine.begin() as conn:
        await lock(conn)
        for table in ROLLUPS.values():
            await conn.execute(delete(table).where(table.c.bucket >= lo, table.c.bucket < hi))
        deltas = Deltas()
        await _book_day(conn, deltas, day)
        return await upsert.write(conn, deltas)


async def _book_day(conn: AsyncConnection, deltas: Deltas, day: datetime) -> None:
    end = day + ONE_DAY
    within = (to_us(day), to_us(end))
    queue_rows, talks = await fetch.day_visits(conn, day, end)
    visits.book(deltas, queue_rows, talks, +1, within)
    windows = await fetch.agent_windows(conn, {a: timeline.WindowNeed(within[0], within[1] - 1, None)
                                               for a in await fetch.agent_ids(conn)})
    for agent, (states, answers) in windows.items():
        timeline.book(deltas, agent, states, answers, +1, within)
    for calls in (await fetch.day_callers(conn, day, end, REACH)).values():
        callers.book(deltas, calls, +1, within)
    for table, column, book in ((cdr, "started_at", counts.book_cdr), (ivr_visit, "at", counts.book_visit),
                                (dial_attempt, "started_at", counts.book_dial)):
        for row in await fetch.rows_between(conn, table, column, day, end):
            book(deltas, row)


async def _finish(engine: AsyncEngine, first_day: datetime | None) -> None:
    """After a rebuild of everything: no rollup rows outside the data, and every mark at the top.

    The data's end is read again under the lock: days an engine began meanwhile are its own.
    """
    async with engine.begin() as conn:
        await lock(conn)
        span = await data_span(conn)
        for table in ROLLUPS.values():
            if span is None:
                await conn.execute(delete(table))
                continue
            lo = int((first_day or span[0]).timestamp())
            await conn.execute(delete(table).where((table.c.bucket < lo) | (table.c.bucket >= int(span[1].timestamp()))))
        await marks.set_all(conn)
