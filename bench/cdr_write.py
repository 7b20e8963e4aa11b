"""Benchmark: SQLite CDR write throughput through `CdrWriter` and raw Core executemany.

Run: python bench/cdr_write.py [N]   (default 100_000 records; prints rows/s)
DESIGN.md expects ~440k rows/s for batched Core inserts on this kind of machine.
The writer also books the interval rollups of what it writes (cti/store/rollup): the last line
writes whole calls as the engine does (queue events, agent state changes and the CDR of each of
N/7 calls, 40 agents), which exercises every rollup, not only the CDR's.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cti.store import (  # noqa: E402
    AgentStateRecord,
    CdrRecord,
    CdrWriter,
    QueueEvent,
    QueueLogRecord,
    Record,
    cdr,
    create_schema,
    insert_ignore,
    make_engine,
)

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def records(n: int, prefix: str) -> list[CdrRecord]:
    return [
        CdrRecord(call_id=f"{prefix}.{i}", caller=f"+86138{i:08d}", dialed="10000",
                  started_at=T0 + timedelta(seconds=i), duration_s=42.0,
                  ivr_flow="main", ivr_path="welcome>menu>billing>goodbye", exit_node="goodbye")
        for i in range(n)
    ]


def call_records(calls: int) -> list[Record]:
    """Per call, as the engine writes them: enqueue, answer, the agent's reserve/accept/hangup/
    wrap-up done, and the CDR; a call every 3 s, answered by one of 40 agents."""
    out: list[Record] = []
    for i in range(calls):
        at, agent, call = T0 + timedelta(seconds=3 * i), f"a{i % 40}", f"m.{i}"
        out += [QueueLogRecord(call_id=call, queue="billing", event=QueueEvent.ENQUEUE, at=at),
                QueueLogRecord(call_id=call, queue="billing", event=QueueEvent.ANSWER, at=at + timedelta(seconds=4),
                               agent_id=agent, wait_s=4.0),
                AgentStateRecord(agent, "ready", "reserve", "reserved", at=at + timedelta(seconds=2)),
                AgentStateRecord(agent, "reserved", "accept", "on_call", at=at + timedelta(seconds=4)),
                AgentStateRecord(agent, "on_call", "hangup", "wrap_up", at=at + timedelta(seconds=90)),
                AgentStateRecord(agent, "wrap_up", "wrapup_done", "ready", at=at + timedelta(seconds=100)),
                CdrRecord(call_id=call, caller=f"+86138{i % 5000:08d}", dialed="10000", started_at=at,
                          queue="billing", agent=agent, wait_s=4.0, talk_s=86.0, ivr_flow="main", exit_node="queue")]
    return out


async def bench_writer(directory: Path, n: int, batch_size: int, mixed: bool = False) -> float:
    engine = make_engine(f"sqlite+aiosqlite:///{directory}/writer.db")
    await create_schema(engine)
    batch = call_records(n // 7) if mixed else records(n, "w")
    n = len(batch)
    writer = CdrWriter(engine, directory / "cdr.spool", batch_size=batch_size, queue_size=n)
    task = asyncio.create_task(writer.run())
    started = time.perf_counter()
    for record in batch:
        writer.submit(record)
    await writer.flush(timeout=600)
    elapsed = time.perf_counter() - started
    await writer.close()
    await task
    await engine.dispose()
    assert writer.stats.written == n, writer.stats
    (directory / "writer.db").unlink()
    return n / elapsed


async def bench_core(directory: Path, n: int, batch_size: int) -> float:
    engine = make_engine(f"sqlite+aiosqlite:///{directory}/core.db")
    await create_schema(engine)
    rows = [record.to_row() for record in records(n, "c")]
    started = time.perf_counter()
    for start in range(0, n, batch_size):
        async with engine.begin() as conn:
            await insert_ignore(conn, cdr, rows[start:start + batch_size])
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return n / elapsed


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for batch_size in (500, 5000):
            core = await bench_core(directory, n, batch_size)
            print(f"core insert_ignore, batch {batch_size:5d}: {core:10,.0f} rows/s ({n:,} rows)")
            (directory / "core.db").unlink()
        writer = await bench_writer(directory, n, 500)
        print(f"CdrWriter (submit+flush), batch   500: {writer:10,.0f} rows/s ({n:,} rows,"
              " includes CdrRecord.to_row)")
        mixed = await bench_writer(directory, n, 500, mixed=True)
        print(f"RecordWriter, whole calls, batch  500: {mixed:10,.0f} rows/s ({n // 7:,} calls x 7 records)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
