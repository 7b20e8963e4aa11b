"""What `hotline rollup status` tells an operator: complete or not, and which days the rollups hold."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.rollup import marks
from cti.store.rollup.buckets import DAY
from cti.store.rollup.tables import rollup_mark, rollup_queue


async def describe(engine: AsyncEngine) -> tuple[list[str], int]:
    """Lines to print, and the exit code: 0 complete, 1 behind (reports read raw rows), 2 no rollup tables."""
    async with engine.connect() as conn:
        if not await conn.run_sync(lambda sync: inspect(sync).has_table(rollup_mark.name)):
            return ["no rollup tables in this database: run `hotline rollup rebuild`"], 2
        if not await marks.current_format(conn):
            return ["rollups made by another version: reports read raw rows; run `hotline rollup rebuild`"], 1
        behind = await marks.behind(conn)
        queue = rollup_queue.c
        days = select(func.min(queue.bucket), func.max(queue.bucket), func.count(queue.bucket.distinct()))
        first, last, count = (await conn.execute(days.where(queue.span == DAY))).one()
    held = "no days yet" if not count else f"{count} days of queue traffic, {_day(first)} .. {_day(last)}"
    if behind:
        return [f"rollups lack rows of {', '.join(behind)} (written without them): reports read raw rows; "
                "run `hotline rollup rebuild`", held], 1
    return [f"rollups complete ({held}); reports on 15-minute boundaries read them"], 0


def _day(bucket: int | None) -> str:
    return "-" if bucket is None else f"{datetime.fromtimestamp(bucket, UTC):%Y-%m-%d}"
