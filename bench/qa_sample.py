"""Benchmark: `hotline qa sample` for one ISO week over 1,000,000 CDRs (26 weeks, 60 agents, 80 %
answered, 0.2 % complaints, a survey answer on every 20th call), on SQLite or PostgreSQL.

Run: python bench/qa_sample.py --db sqlite+aiosqlite:///var/qa-bench.db --seed-rows
     python bench/qa_sample.py --db postgresql+asyncpg://hotline:hotline@127.0.0.1/hotline_test --schema qa_bench --seed-rows
(--seed-rows fills an empty database first; without it the existing rows are used.)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from acd.qa_sample import iso_week  # noqa: E402
from benchdb import add_arguments, engine_for  # noqa: E402
from cti.store import CdrRecord, create_schema  # noqa: E402
from cti.store.qa import sample  # noqa: E402
from cti.store.quality_schema import survey_answer  # noqa: E402
from cti.store.schema import cdr  # noqa: E402

START = datetime(2026, 6, 1, tzinfo=UTC)
CALLS, WEEKS, AGENTS, BATCH = 1_000_000, 26, 60, 20_000


async def seed(engine) -> None:
    await create_schema(engine)
    rnd, base = random.Random(1), CdrRecord(call_id="x").to_row()
    async with engine.begin() as conn:
        batch = []
        for i in range(CALLS):
            t = START + timedelta(seconds=rnd.randrange(WEEKS * 7 * 86400))
            agent = f"a{rnd.randrange(AGENTS)}" if rnd.random() < 0.8 else None
            batch.append(base | {"call_id": f"c{i}", "started_at": t, "answered_at": t, "agent": agent,
                                 "queue": "billing" if agent else None, "talk_s": 100.0 if agent else None,
                                 "disposition": "complaint" if rnd.random() < 0.002 else "completed"})
            if len(batch) == BATCH:
                await conn.execute(insert(cdr), batch)
                batch = []
        await conn.execute(insert(survey_answer), [
            {"answer_id": f"c{i}:csat", "call_id": f"c{i}", "survey": "csat", "question": "csat", "score": 1 + i % 5,
             "scale": 5, "status": "answered", "at": START} for i in range(0, CALLS, 20)])


async def run(args: argparse.Namespace) -> None:
    engine = await engine_for(args)
    try:
        if args.seed_rows:
            started = time.perf_counter()
            await seed(engine)
            print(f"seeded {CALLS:,} CDRs in {time.perf_counter() - started:.1f} s")
        start, end = iso_week(args.week)
        for _ in range(args.runs):
            started = time.perf_counter()
            picks = await sample(engine, start, end, seed=args.week, per_agent=args.per_agent)
            print(f"qa sample {args.week}: {len(picks)} calls in {time.perf_counter() - started:.2f} s")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--seed-rows", action="store_true")
    parser.add_argument("--week", default="2026-W40")
    parser.add_argument("--per-agent", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(run(parser.parse_args()))
