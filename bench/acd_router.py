"""Benchmark: ACD routing decisions per second and p50/p99 latency at 100-10k agents, 1k-10k waiting.

Run: python bench/acd_router.py [--agents 100,1000,10000] [--waiting 1000,10000] [--skills 50] [--json]
(the same as `hotline acd bench`).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cti.cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["acd", "bench", *sys.argv[1:]]))
