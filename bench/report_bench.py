"""Time `hotline report` on a big database (made by bench/report_generate.py): rollups beside raw rows.

    .venv/bin/python bench/report_bench.py --db sqlite+aiosqlite:///var/report_bench.db

Prints the row counts, the time to create the report indexes, then for a one-day report, a
one-day report of one queue, a 30-day report and one of 28 days starting and ending mid-day (its
partial days read some raw rows): the whole report (every section, as `hotline
report --format json` computes it) read from the interval rollups and from the raw rows, whether
the two give the same figures, and the time of each section both ways. Each timing is the best of
`--repeat` runs (default 3), after one warm-up run, so it measures the queries, not a cold cache.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from cti.reports import ReportOptions, build_report  # noqa: E402
from cti.reports.from_rollups import RollupReads  # noqa: E402
from cti.reports.indexes import ensure_report_indexes  # noqa: E402
from cti.reports.plan import plan  # noqa: E402
from cti.reports.raw import RawReads  # noqa: E402
from cti.reports.render import RATIOS  # noqa: E402
from benchdb import add_arguments, engine_for  # noqa: E402
from cti.store.schema import agent_state_log, cdr, queue_log  # noqa: E402

SECTIONS = ("agent_time", "queue_traffic", "interval_traffic", "fcr", "ivr", "dialer")


async def best(repeat: int, run: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    await run()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = await run()
        times.append(time.perf_counter() - t0)
    return min(times), result


def compare(a: Any, b: Any, key: str = "", found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Figures that differ: "rounding" when one rounding step apart (0.1 s, or 0.0001 for a ratio), else "real".

    Raw rows sum float seconds (SQLite: julianday differences, ~50 µs off each), the rollups exact
    microseconds: a total within a few µs of a rounding boundary (x.x5 s) can round either way.
    """
    found = {"rounding": [], "real": []} if found is None else found
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() | b.keys():
            if k != "source":
                compare(a.get(k), b.get(k), k, found)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for x, y in zip(a, b):
            compare(x, y, key, found)
    elif a != b:
        step = 0.0001 if key in RATIOS else 0.1
        close = isinstance(a, float) and isinstance(b, float) and abs(a - b) <= step * 1.0001
        found["rounding" if close else "real"].append(f"{key} {a} vs {b}")
    return found


def verdict(found: dict[str, list[str]]) -> str:
    if found["real"]:
        return f"figures DIFFER: {'; '.join(found['real'][:5])}"
    if found["rounding"]:
        return f"figures equal but {len(found['rounding'])} one rounding step apart ({found['rounding'][0]})"
    return "figures equal"


async def whole_reports(engine, name: str, opts: ReportOptions, repeat: int) -> None:
    t_roll, rolled = await best(repeat, lambda: build_report(engine, opts))
    t_raw, raw = await best(repeat, lambda: build_report(engine, opts, "raw"))
    offered = sum(q["offered"] for q in raw["queues"])
    used = sorted({s for s in rolled["source"].values()})
    print(f"report over {name:<20} rollups {t_roll:7.3f} s   raw rows {t_raw:7.3f} s   "
          f"({offered} queued calls, {len(raw['agents'])} agents; read from {', '.join(used)}; "
          f"{verdict(compare(rolled, raw))})")


async def per_section(engine, name: str, opts: ReportOptions, repeat: int) -> None:
    async with engine.connect() as conn:
        t_plan, _ = await best(repeat, lambda: plan(conn, opts))
        print(f"  {name}: choosing the source (completeness marks) {t_plan:7.3f} s")
        for section in SECTIONS:
            t_roll, _ = await best(repeat, lambda: getattr(RollupReads(), section)(conn, opts))
            t_raw, _ = await best(repeat, lambda: getattr(RawReads(), section)(conn, opts))
            print(f"  {name}, {section:<17} rollups {t_roll:7.3f} s   raw rows {t_raw:7.3f} s")


async def bench(args: argparse.Namespace) -> None:
    repeat = args.repeat
    engine = await engine_for(args)
    try:
        async with engine.connect() as conn:
            counts = {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                      for t in (cdr, queue_log, agent_state_log)}
            first, last = (await conn.execute(select(func.min(cdr.c.started_at), func.max(cdr.c.started_at)))).one()
        print(f"rows: {counts}  calls {first:%Y-%m-%d} .. {last:%Y-%m-%d}  ({engine.dialect.name})")
        t0 = time.perf_counter()
        await ensure_report_indexes(engine)
        print(f"report indexes ready: {time.perf_counter() - t0:.2f} s")
        day0 = first.replace(hour=0, minute=0, second=0, microsecond=0)
        middle = (first + (last - first) / 2).replace(hour=0, minute=0, second=0, microsecond=0)
        now = last + timedelta(days=1)
        runs = {"one day": ReportOptions(start=middle, end=middle + timedelta(days=1), now=now),
                "one day, one queue": ReportOptions(start=middle, end=middle + timedelta(days=1), queue="sales",
                                                    now=now),
                "30 days": ReportOptions(start=day0, end=day0 + timedelta(days=30), now=now),
                "28 days, 09:15 to 17:45": ReportOptions(start=day0 + timedelta(days=1, hours=9, minutes=15),
                                                         end=day0 + timedelta(days=29, hours=17, minutes=45), now=now)}
        for name, opts in runs.items():
            await whole_reports(engine, name, opts, repeat)
        for name in ("one day", "30 days"):
            await per_section(engine, name, runs[name], repeat)
    finally:
        await engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    p.add_argument("--repeat", type=int, default=3, help="timed runs per figure (the best is printed)")
    args = p.parse_args()
    asyncio.run(bench(args))
    print(f"(measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
