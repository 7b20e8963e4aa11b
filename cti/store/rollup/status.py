"""What `hotline rollup status` tells an operator: complete or not, and which days the rollups hold."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, inspect, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.rollup import marks
from cti.store.rollup.buckets import DAY
from cti.store.rollup.tables import ROLLUPS, rollup_mark


async def describe(engine: AsyncEngine) -> tuple[list[str], int]:
    """Lines to print, and the exit code: 0 complete, 1 behind (reports read raw rows), 2 no rollup tables."""
    async with engine.connect() as conn:
        if not await conn.run_sync(lambda sync: inspect(sync).has_table(rollup_mark.name)):
            return ["no rollup tables in this database: run `hotline rollup rebuild`"], 2
        if not await marks.current_format(conn):
            return ["rollups made by another version: reports read raw rows; run `hotline rollup rebuild`"], 1
        behind = await marks.behind(conn)
        days = union_all(*(select(func.min(t.c.bucket).label("lo"), func.max(t.c.bucket).label("hi"))
                           .where(t.c.span == DAY) for t in ROLLUPS.values()))
        spans = [(lo, hi) for lo, hi in await conn.execute(days) if lo is not None]
    held = "no days yet" if not spans else f"days {_day(min(s[0] for s in spans))} .. {_day(max(s[1] for s in spans))}"
    if behind:
        return [f"rollups lack rows of {', '.join(behind)} (written without them): reports read raw rows; "
                "run `hotline rollup rebuild`", held], 1
    return [f"rollups complete ({held}); reports on 15-minute boundaries read them"], 0


def _day(bucket: int | None) -> str:
    return "-" if bucket is None else f"{datetime.fromtimestamp(bucket, UTC):%Y-%m-%d}"
