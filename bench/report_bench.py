"""Time `hotline report` on a big database (made by bench/report_generate.py).

    .venv/bin/python bench/report_bench.py --db sqlite+aiosqlite:///var/report_bench.db

Prints the row counts, the time to create the report indexes, then the time of a whole report
(every section, as `hotline report --format json` computes it) over one day and over all the data,
and per section.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from cti.reports import ReportOptions, build_report  # noqa: E402
from cti.reports import agents, service, traffic  # noqa: E402
from cti.reports.dialer import dialer_section  # noqa: E402
from cti.reports.indexes import ensure_report_indexes  # noqa: E402
from cti.store import make_engine  # noqa: E402
from cti.store.schema import agent_state_log, cdr, queue_log  # noqa: E402

SECTIONS = {
    "agent time": lambda conn, opts: conn.execute(agents.per_agent_state(opts)),
    "queues": lambda conn, opts: conn.execute(traffic.per_queue(opts)),
    "intervals": service._intervals,
    "fcr": service._fcr,
    "ivr": service._ivr,
    "dialer": dialer_section,
}


async def bench(url: str) -> None:
    engine = make_engine(url, command_timeout=3600.0)
    try:
        async with engine.connect() as conn:
            counts = {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                      for t in (cdr, queue_log, agent_state_log)}
            first, last = (await conn.execute(select(func.min(cdr.c.started_at), func.max(cdr.c.started_at)))).one()
        print(f"rows: {counts}  calls {first:%Y-%m-%d} .. {last:%Y-%m-%d}  ({engine.dialect.name})")
        t0 = time.perf_counter()
        await ensure_report_indexes(engine)
        print(f"report indexes ready: {time.perf_counter() - t0:.2f} s")
        middle = (first + (last - first) / 2).replace(hour=0, minute=0, second=0, microsecond=0)
        now = last + timedelta(days=1)
        runs = {"one day": ReportOptions(start=middle, end=middle + timedelta(days=1), now=now),
                "one day, one queue": ReportOptions(start=middle, end=middle + timedelta(days=1), queue="sales",
                                                    now=now),
                "all data": ReportOptions(now=now)}
        for name, opts in runs.items():
            t0 = time.perf_counter()
            report = await build_report(engine, opts)
            offered = sum(q["offered"] for q in report["queues"])
            print(f"report over {name:<20} {time.perf_counter() - t0:7.2f} s  "
                  f"({offered} queued calls, {len(report['agents'])} agents)")
        async with engine.connect() as conn:
            for run in ("one day", "all data"):
                for name, section in SECTIONS.items():
                    t0 = time.perf_counter()
                    await section(conn, runs[run])
                    print(f"  {run}, {name:<10} {time.perf_counter() - t0:7.2f} s")
    finally:
        await engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="database URL")
    asyncio.run(bench(p.parse_args().db))
    print(f"(measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
