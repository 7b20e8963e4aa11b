"""A history database with weekly and intraday seasonality and a trend, for `hotline forecast|staffing` demos.

    .venv/bin/python bench/forecast_history.py --days 63 --db sqlite+aiosqlite:///var/forecast_demo.db

Arrivals follow the known truth of tests/support/synthetic_history.py (weekday factors, two
intraday humps, closed Sundays, +2 %/week); each call is then played by bench/report_generate.py's
generator (IVR share, queue picked among sales/support/billing, earliest-free agent of
`--agents`, exponential patience, gamma talk, wrap-up), so queue_log, cdr and agent_state_log
are the consistent timelines the engine would have written.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report_generate import Generator, Sink  # noqa: E402

from cti.store import create_schema, make_engine  # noqa: E402
from tests.support.synthetic_history import Truth  # noqa: E402


class SeasonalGenerator(Generator):
    def __init__(self, sink: Sink, args: argparse.Namespace) -> None:
        super().__init__(sink, args)
        self.truth = Truth(base=args.calls_per_day, start=args.start)
        self.np = np.random.default_rng(args.seed)

    async def seasonal_day(self, day: int, first_id: int) -> int:
        date = self.truth.start + timedelta(days=day)
        base = datetime.combine(date, datetime.min.time(), tzinfo=self.args.tz)
        arrivals = sorted(k * 900 + self.np.uniform(0, 900) for k, rate in enumerate(self.truth.rates(date))
                          for _ in range(self.np.poisson(rate)))
        if not arrivals:
            return 0
        opening = base + timedelta(seconds=arrivals[0] // 3600 * 3600)
        agents = [f"agent{i:03d}" for i in range(self.args.agents)]
        for a in agents:
            await self.state(a, opening - timedelta(minutes=5), "logged_out", "login", "ready")
        free = [(opening, a) for a in agents]
        heapq.heapify(free)
        for k, offset in enumerate(arrivals):
            await self.call(first_id + k, base + timedelta(seconds=offset), free)
        closing = base + timedelta(seconds=arrivals[-1])
        for at, a in sorted(free, key=lambda x: x[1]):
            await self.state(a, max(at, closing) + timedelta(minutes=1), "ready", "logout", "logged_out")
        return len(arrivals)


async def generate(args: argparse.Namespace) -> dict[str, int]:
    engine = make_engine(args.db, command_timeout=600.0)
    try:
        await create_schema(engine)
        async with engine.begin() as conn:
            sink = Sink(conn, True)  # rollups booked through the writer's code path, as the engine does
            gen, done = SeasonalGenerator(sink, args), 0
            for day in range(args.days):
                done += await gen.seasonal_day(day, done)
            await sink.flush()
        return sink.counts
    finally:
        await engine.dispose()


def main() -> None:
    from datetime import UTC, date

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="database URL (an empty database: rows are appended)")
    p.add_argument("--days", type=int, default=63)
    p.add_argument("--calls-per-day", type=float, default=1200.0, help="an average weekday at the start")
    p.add_argument("--agents", type=int, default=24)
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 5))
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    args.tz, args.rows = UTC, 3 * 10_000  # rows: the caller pool of the base generator
    t0 = time.perf_counter()
    counts = asyncio.run(generate(args))
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s ({args.days} days from {args.start})")


if __name__ == "__main__":
    main()
