"""Benchmark: in-memory hopper with 1M leads (add all, then serve batches).

Run: python bench/dialer_hopper.py [N]   (default 1_000_000)
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.campaign import Campaign  # noqa: E402
from dialer.hopper import Hopper  # noqa: E402
from dialer.leads import Lead  # noqa: E402

ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney"]

if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    campaign = Campaign(name="bench", kind="notification", queue="q", caller_id="+861000",
                        safe_harbor_prompt="dialer/safe-harbor")
    now = datetime(2024, 5, 1, 3, tzinfo=UTC)
    leads = [Lead(id=str(i), campaign="bench", number=f"+86138{i:08d}", timezone=ZONES[i % 4],
                  priority=i % 3, next_attempt_at=now - timedelta(seconds=i % 3600)) for i in range(n)]
    hopper = Hopper(campaign)
    started = time.perf_counter()
    hopper.extend(leads, now)
    added = time.perf_counter() - started
    started = time.perf_counter()
    served = sum(len(hopper.next_batch(100, now)) for _ in range(1000))
    took = time.perf_counter() - started
    print(f"add {n} leads: {added:.2f} s ({n / added:,.0f}/s); serve {served} (window parking "
          f"included, {len(hopper)} left): {took:.2f} s ({served / took:,.0f} leads/s)")
