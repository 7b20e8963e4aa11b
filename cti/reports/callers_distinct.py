"""Distinct callers of a period: the rollups for its whole days, raw rows for its two edges.

A period's callers are its calls whose number's previous call (inbound, known number, ordered by
(started_at, id); with --queue, the previous call to that queue) lies before the period, or does
not exist. Cut the period [start, end) at midnights into P = [start, D0), whole days W = [D0, D1)
and Q = [D1, end):
- P's callers: the numbers calling in P (raw rows, less than a day);
- W's: the calls of W whose previous call is before D0, from `rollup_caller_gap` (per day, the
  calls by how many days back their previous call is), less those whose previous call is in P:
  a number's first call in W follows one in P exactly when the number also called in P;
- Q's: a number's first call in Q has its previous call before `start` exactly when the number
  did not call in [start, D1): Q's numbers less those (raw rows of Q, one index seek each).
So the cost is two days of calls at most, whatever the period's length. Open periods, periods
with no midnight inside, and more than GAP_DAYS whole days are counted from the raw rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cti.reports.options import ReportOptions
from cti.store.rollup.buckets import DAY
from cti.store.rollup.callers import GAP_DAYS
from cti.store.rollup.tables import rollup_caller_gap
from cti.store.schema import cdr

ONE_DAY = timedelta(days=1)


def _midnight(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _known(table: Any, opts: ReportOptions) -> list[ColumnElement[bool]]:
    known = [table.c.direction == "inbound", table.c.caller != ""]
    return known if opts.queue is None else [*known, table.c.queue == opts.queue]


async def distinct_callers(conn: AsyncConnection, opts: ReportOptions) -> int:
    start, end = opts.start, opts.end
    if start is None or end is None:
        return await raw_distinct(conn, opts, start, end)
    d0 = _midnight(start) if _midnight(start) == start else _midnight(start) + ONE_DAY
    d1 = _midnight(end)
    if d1 <= d0 or (d1 - d0).days > GAP_DAYS:
        return await raw_distinct(conn, opts, start, end)
    whole = await _whole_days(conn, opts, d0, d1)
    if start < d0:  # P's numbers, less those whose next call is W's first of theirs (counted in W)
        whole += await raw_distinct(conn, opts, start, d0) - await _numbers_also_in(conn, opts, (start, d0), (d0, d1))
    if d1 < end:  # Q's numbers that did not call earlier in the period
        whole += await raw_distinct(conn, opts, d1, end) - await _numbers_also_in(conn, opts, (d1, end), (start, d1))
    return whole


async def raw_distinct(conn: AsyncConnection, opts: ReportOptions, lo: datetime | None, hi: datetime | None) -> int:
    stmt = select(func.count(cdr.c.caller.distinct())).where(*_known(cdr, opts))
    stmt = stmt if lo is None else stmt.where(cdr.c.started_at >= lo)
    stmt = stmt if hi is None else stmt.where(cdr.c.started_at < hi)
    return int((await conn.execute(stmt)).scalar() or 0)


async def _whole_days(conn: AsyncConnection, opts: ReportOptions, d0: datetime, d1: datetime) -> int:
    """Calls of [d0, d1) whose previous call is before d0: on day d0 + j, a gap of more than j days."""
    t, first = rollup_caller_gap.c, int(d0.timestamp())
    n = t.n_all if opts.queue is None else t.n_queue
    stmt = (select(t.bucket, t.gap_days, func.sum(n)).where(t.span == DAY, t.bucket >= first,
                                                            t.bucket < int(d1.timestamp()))
            .group_by(t.bucket, t.gap_days))
    stmt = stmt if opts.queue is None else stmt.where(t.queue == opts.queue)
    return sum(int(count or 0) for bucket, gap, count in await conn.execute(stmt) if gap > (bucket - first) // DAY)


async def _numbers_also_in(conn: AsyncConnection, opts: ReportOptions, calls: tuple[datetime, datetime],
                          other: tuple[datetime, datetime]) -> int:
    """How many numbers calling in `calls` also call in `other` (one index seek per number)."""
    c, n = cdr.alias("c"), cdr.alias("n")
    numbers = select(c.c.caller).where(*_known(c, opts), c.c.started_at >= calls[0],
                                       c.c.started_at < calls[1]).distinct().subquery("number")
    also = select(n.c.id).where(n.c.caller == numbers.c.caller, *_known(n, opts), n.c.started_at >= other[0],
                                n.c.started_at < other[1])
    stmt = select(func.count()).select_from(numbers).where(also.exists())
    return int((await conn.execute(stmt)).scalar() or 0)
