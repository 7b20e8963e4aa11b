"""Fill a database with a realistic call-centre history for `hotline report` benchmarks.

    .venv/bin/python bench/report_generate.py --rows 1000000 --db sqlite+aiosqlite:///var/report_bench.db

`--rollups writer` (default) books the interval rollups batch by batch through the record
writer's own code path (`insert_new` + `rollup.apply`, as cti/store/sink.py does); `rebuild`
inserts the raw rows only and then runs `hotline rollup rebuild`'s code; `none` leaves the
rollups behind the raw rows (reports then read raw rows).

`--rows` CDRs spread over `--days` days (08:00-20:00 UTC). 80 % reach a queue (sales/support/
billing) and are served by `--agents` agents in arrival order (earliest-free agent; a caller
whose wait exceeds his patience abandons), so queue_log and agent_state_log rows are consistent
timelines (~2.3 queue events and ~2.7 agent state rows per CDR). 20 % end in the IVR. Callers
come from a pool of rows/3 numbers, so repeat calls exist for first-call resolution.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from benchdb import add_arguments, engine_for  # noqa: E402
from cti.store import create_schema  # noqa: E402
from cti.store.db import insert_new  # noqa: E402
from cti.store.rollup import apply as rollups  # noqa: E402
from cti.store.rollup.rebuild import rebuild  # noqa: E402
from cti.store.schema import agent_state_log, cdr, queue_log  # noqa: E402

QUEUES = ("sales", "support", "billing")
IVR_EXITS = (("hours", "completed"), ("balance", "completed"), ("menu", "caller_hangup"),
             ("account", "caller_hangup"))
BATCH = 20_000
START = datetime(2026, 1, 5, tzinfo=UTC)


KEYS = {cdr: "call_id", queue_log: "event_id", agent_state_log: "event_id"}


class Sink:
    """Buffers rows per table and inserts them in batches (Core executemany), booking rollups if asked."""

    def __init__(self, conn, book_rollups: bool) -> None:
        self.conn, self.buffers, self.counts = conn, {cdr: [], queue_log: [], agent_state_log: []}, {}
        self.book_rollups = book_rollups

    async def add(self, table, row: dict) -> None:
        buf = self.buffers[table]
        buf.append(row)
        if len(buf) >= BATCH:
            await self.flush(table)

    async def flush(self, table=None) -> None:
        for t in [table] if table is not None else list(self.buffers):
            if not self.buffers[t]:
                continue
            if self.book_rollups:
                new = await insert_new(self.conn, t, self.buffers[t], KEYS[t])
                await rollups.apply(self.conn, {t.name: new})
            else:
                await self.conn.execute(insert(t), self.buffers[t])
            self.counts[t.name] = self.counts.get(t.name, 0) + len(self.buffers[t])
            self.buffers[t] = []


class Generator:
    def __init__(self, sink: Sink, args: argparse.Namespace) -> None:
        self.sink, self.rng, self.args = sink, random.Random(args.seed), args
        self.n_event = 0
        self.callers = max(10, args.rows // 3)

    def eid(self) -> str:
        self.n_event += 1
        return f"e{self.n_event}"

    async def state(self, agent: str, at: datetime, frm: str, event: str, to: str, reason=None) -> None:
        await self.sink.add(agent_state_log, dict(event_id=self.eid(), at=at, agent_id=agent, from_state=frm,
                                                  event=event, to_state=to, reason=reason, queue=None, call_id=None))

    async def qlog(self, call_id: str, queue: str, event: str, at: datetime, **extra) -> None:
        row = dict(event_id=self.eid(), at=at, call_id=call_id, queue=queue, event=event, agent_id=None,
                   priority=None, position=None, wait_s=None, talk_s=None, reason=None, data=None)
        row.update(extra)
        await self.sink.add(queue_log, row)

    async def day(self, day: int, n_calls: int, first_id: int) -> None:
        rng, base = self.rng, START + timedelta(days=day)
        opening, closing = base + timedelta(hours=8), base + timedelta(hours=20)
        agents = [f"agent{i:03d}" for i in range(self.args.agents)]
        for a in agents:
            await self.state(a, opening - timedelta(minutes=5), "logged_out", "login", "ready")
        free = [(opening, a) for a in agents]
        heapq.heapify(free)
        arrivals = sorted(rng.uniform(0, 12 * 3600) for _ in range(n_calls))
        for k, offset in enumerate(arrivals):
            await self.call(first_id + k, opening + timedelta(seconds=offset), free)
        for at, a in sorted(free, key=lambda x: x[1]):
            await self.state(a, max(at, closing) + timedelta(minutes=1), "ready", "logout", "logged_out")

    async def call(self, n: int, started: datetime, free: list) -> None:
        rng = self.rng
        call_id, caller = f"c{n}", f"55{rng.randrange(self.callers):08d}"
        row = dict(call_id=call_id, linked_id=None, direction="inbound", caller=caller, caller_name="",
                   dialed="10000", started_at=started, answered_at=started, ivr_flow="main", digits=None,
                   hangup_cause=16, hangup_cause_txt="Normal Clearing", engine_node=None, queue=None,
                   agent=None, wait_s=None, talk_s=None)
        if rng.random() < 0.2:
            node, disposition = rng.choice(IVR_EXITS)
            ivr_s = rng.uniform(10, 90)
            row.update(ivr_path=f"welcome>{node}", exit_node=node, disposition=disposition, duration_s=ivr_s,
                       ended_at=started + timedelta(seconds=ivr_s))
            await self.sink.add(cdr, row)
            return
        queue = rng.choice(QUEUES)
        entered = started + timedelta(seconds=rng.uniform(10, 40))
        await self.qlog(call_id, queue, "enqueue", entered, priority=0)
        agent_free, agent = heapq.heappop(free)
        wait = max(0.0, (agent_free - entered).total_seconds()) + rng.uniform(1, 4)
        patience = rng.expovariate(1 / 90)
        if wait > patience:
            heapq.heappush(free, (agent_free, agent))
            left = entered + timedelta(seconds=patience)
            await self.qlog(call_id, queue, "abandon", left, wait_s=patience)
            row.update(ivr_path="welcome>queue", exit_node="queue", queue=queue, wait_s=patience,
                       disposition="caller_hangup", ended_at=left, duration_s=(left - started).total_seconds())
            await self.sink.add(cdr, row)
            return
        answered = entered + timedelta(seconds=wait)
        talk, wrap = rng.gammavariate(2.0, 100.0), rng.uniform(5, 40)
        hangup = answered + timedelta(seconds=talk)
        ready = hangup + timedelta(seconds=wrap)
        await self.qlog(call_id, queue, "offer", answered - timedelta(seconds=1), agent_id=agent)
        await self.qlog(call_id, queue, "answer", answered, agent_id=agent, wait_s=wait)
        await self.state(agent, answered - timedelta(seconds=1), "ready", "reserve", "reserved")
        await self.state(agent, answered, "reserved", "accept", "on_call")
        await self.state(agent, hangup, "on_call", "hangup", "wrap_up")
        if rng.random() < 0.03:
            await self.state(agent, ready, "wrap_up", "pause", "paused", rng.choice(("break", "training")))
            ready += timedelta(seconds=rng.uniform(120, 900))
            await self.state(agent, ready, "paused", "ready", "ready")
        else:
            await self.state(agent, ready, "wrap_up", "wrapup_done", "ready")
        heapq.heappush(free, (ready, agent))
        row.update(ivr_path="welcome>queue", exit_node="queue", queue=queue, agent=agent, wait_s=wait, talk_s=talk,
                   disposition="completed", ended_at=hangup, duration_s=(hangup - started).total_seconds())
        await self.sink.add(cdr, row)


async def generate(args: argparse.Namespace) -> dict[str, int]:
    engine = await engine_for(args)
    try:
        await create_schema(engine)
        async with engine.begin() as conn:
            sink = Sink(conn, args.rollups == "writer")
            gen = Generator(sink, args)
            per_day, done = args.rows // args.days, 0
            for day in range(args.days):
                count = per_day if day < args.days - 1 else args.rows - done
                await gen.day(day, count, done)
                done += count
            await sink.flush()
        if args.rollups == "rebuild":
            t0 = time.perf_counter()
            done = await rebuild(engine)
            print(f"rollups rebuilt: {done.days} days in {time.perf_counter() - t0:.1f} s")
        return sink.counts
    finally:
        await engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="CDR rows (default 1,000,000)")
    add_arguments(p)  # --db URL (an empty database: rows are appended), --schema
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--agents", type=int, default=220)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rollups", choices=("writer", "rebuild", "none"), default="writer",
                   help="how the interval rollups are made (default: the writer's own code path, batch by batch)")
    args = p.parse_args()
    t0 = time.perf_counter()
    counts = asyncio.run(generate(args))
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s "
          f"({args.days} days from {START.date()}, {args.agents} agents, rollups: {args.rollups})")


if __name__ == "__main__":
    main()
