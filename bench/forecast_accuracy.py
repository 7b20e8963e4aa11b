"""Forecast accuracy of each method on a held-out week: synthetic history (known truth) and a database.

    .venv/bin/python bench/forecast_accuracy.py [--db sqlite+aiosqlite:///var/forecast_demo.db --to 2026-03-09]

Prints, per method, the interval WAPE against the held-out counts, the Poisson floor, the day-total
WAPE, and on synthetic history also the interval WAPE against the TRUE rates (what a perfect
method would reach 0 on). The figures in docs/forecasting.md come from this script.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from acd.forecast import METHODS  # noqa: E402
from acd.forecast_accuracy import holdout, wape  # noqa: E402
from tests.support.synthetic_history import Truth, synthetic_history  # noqa: E402


def synthetic(seeds: int) -> None:
    for base, growth in ((1200.0, 0.02), (300.0, 0.02), (1200.0, 0.0)):
        truth = Truth(base=base, growth_per_week=growth)
        for method in METHODS:
            rows = [_synthetic_row(truth, method, seed) for seed in range(1, seeds + 1)]
            mean = [sum(col) / len(col) for col in zip(*rows)]
            print(f"synthetic {base:>6.0f}/day growth {growth:.0%}/wk  {method:<16} interval {mean[0]:.1%} "
                  f"(floor {mean[1]:.1%})  day {mean[2]:.1%}  vs truth {mean[3]:.1%}")


def _synthetic_row(truth: Truth, method, seed: int) -> tuple[float, float, float, float]:
    acc = holdout(synthetic_history(63, truth, seed), method)
    rates = [r for d in acc.forecast.days for r in truth.rates(d.day)]
    predicted = [c for d in acc.forecast.days for c in d.calls]
    return acc.wape_interval, acc.noise_floor, acc.wape_day, wape(rates, predicted)


async def database(url: str, end: date, days: int) -> None:
    from cti.reports.planning import load_histories
    from cti.store import make_engine

    engine = make_engine(url)
    try:
        histories = await load_histories(engine, end - timedelta(days=days), end, ZoneInfo("UTC"))
    finally:
        await engine.dispose()
    for qh in histories:
        for method in METHODS:
            acc = holdout(qh.history, method)
            print(f"{url.rsplit('/', 1)[-1]} {qh.queue:<8} {method:<16} interval {acc.wape_interval:.1%} "
                  f"(floor {acc.noise_floor:.1%})  day {acc.wape_day:.1%}  AHT {acc.wape_aht:.1%}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--db", help="also measure on this database (e.g. from bench/forecast_history.py)")
    p.add_argument("--to", type=date.fromisoformat, default=date(2026, 3, 9), help="first day after the history")
    p.add_argument("--days", type=int, default=56)
    args = p.parse_args()
    synthetic(args.seeds)
    if args.db:
        asyncio.run(database(args.db, args.to, args.days))


if __name__ == "__main__":
    main()
