"""Benchmark: how far the router simulation lands from Erlang C/A across seeds, against the suite's tolerances.

Run: python bench/acd_simulate.py [--seeds N]   (default 10; the unit tests use seed 1 only)
Prints, per case of tests/unit/test_acd_simulate.py, the worst share of each tolerance used
over seeds 1..N (1.0 = at the limit), and the CPU seconds per run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from acd.simulate import SimConfig, simulate  # noqa: E402

CASES = {
    "erlang_c_10_agents": SimConfig(agents=10, calls_per_hour=90, aht_s=300, hours=1500),
    "erlang_c_50_agents": SimConfig(agents=50, calls_per_hour=510, aht_s=300, hours=250),
    "erlang_a_10_agents": SimConfig(agents=10, calls_per_hour=100, aht_s=300, hours=300, patience_s=120),
    "erlang_a_100_agents": SimConfig(agents=100, calls_per_hour=1080, aht_s=300, hours=60, patience_s=180),
}


def shares(cfg: SimConfig) -> tuple[list[float], float, str]:
    started = time.process_time()
    r = simulate(cfg)
    f = r.predicted
    used = [abs(r.service_level - f.service_level) / 0.04,
            abs(r.asa_s - f.asa_s) / max(0.15 * f.asa_s, 3.0),
            abs(r.abandon_rate - f.p_abandon) / 0.01,
            abs(r.occupancy - f.occupancy) / 0.02]
    line = (f"SL {r.service_level:.3f}±{r.service_level_ci:.3f} vs {f.service_level:.3f}  "
            f"ASA {r.asa_s:.1f}±{r.asa_ci:.1f} vs {f.asa_s:.1f}  ab {r.abandon_rate:.4f} vs {f.p_abandon:.4f}  "
            f"occ {r.occupancy:.3f} vs {f.occupancy:.3f}")
    return used, time.process_time() - started, line


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    for name, base in CASES.items():
        worst, cpu = [0.0] * 4, 0.0
        for seed in range(1, args.seeds + 1):
            used, took, line = shares(dataclasses.replace(base, seed=seed))
            worst = [max(a, b) for a, b in zip(worst, used)]
            cpu += took
            if args.verbose:
                print(f"  {name} seed {seed}: {line}")
        print(f"{name:22} worst share of tolerance over {args.seeds} seeds: SL {worst[0]:.2f}  ASA {worst[1]:.2f}  "
              f"abandon {worst[2]:.2f}  occupancy {worst[3]:.2f}   ({cpu / args.seeds:.1f} CPU s/run)", flush=True)
