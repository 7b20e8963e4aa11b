"""Benchmark: simulator speed and pacing figures for 5, 20 and 100 agents.

Run: python bench/dialer_simulate.py [HOURS]   (default: the hours the unit tests use)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.simulate import SimConfig, simulate  # noqa: E402

SIZES = {5: 40.0, 20: 16.0, 100: 8.0}

if __name__ == "__main__":
    for agents, hours in SIZES.items():
        hours = float(sys.argv[1]) if len(sys.argv) > 1 else hours
        started = time.perf_counter()
        results = simulate(SimConfig(agents=agents, hours=hours, seed=7))
        took = time.perf_counter() - started
        figures = "  ".join(f"{m}: occ {r.occupancy:.1%} ab {r.abandon_rate:.2%} idle {r.mean_idle_s:.0f}s"
                            for m, r in results.items())
        print(f"{agents:>3} agents x {hours:g} h ({took:.1f} s): {figures}")
