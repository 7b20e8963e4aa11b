"""Today's figures per queue for the wallboard: offered, answered, SL, ASA and abandonment since
local midnight, read like `hotline report` reads its queues section (the rollups when they can
answer, else raw rows).

Each queue is measured against its own SL threshold (acd.yaml), so the queues are read once per
distinct threshold. The day starts at local midnight in the centre's time zone, floored to the
quarter-hour grid (zones a quarter-hour off the grid, rare, then count a few minutes of the day
before) so the rollups answer; the end is open (until now).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, time, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports import kpis
from cti.reports.options import ReportOptions
from cti.reports.plan import plan
from cti.reports.service import reads_for

QUARTER_S = 900
FIELDS = ("offered", "answered", "service_level", "asa_s", "abandonment_rate")
NO_TRAFFIC = {"offered": 0, "answered": 0, "abandoned": 0, "short_abandons": 0, "late_abandons": 0,
              "answered_in_sl": 0, "wait_sum": None}


def day_start(now: datetime, zone: tzinfo) -> datetime:
    """Local midnight of `now`'s day in `zone`, in UTC, on (or just before) the quarter-hour grid."""
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone).timestamp()
    return datetime.fromtimestamp(midnight // QUARTER_S * QUARTER_S, UTC)


async def queues_today(engine: AsyncEngine, sl_seconds: Mapping[str, float], now: datetime,
                       zone: tzinfo) -> dict[str, dict[str, Any]]:
    """queue -> today's figures (`FIELDS`, plus `sl_seconds`, `since` and `source`) for each queue
    of `sl_seconds` (queue -> its SL threshold); a queue without calls today has zeros. SL and
    abandonment are in percent, like the ACD's live windows (the report's definitions: kpis.py)."""
    since = day_start(now, zone)
    by_threshold: dict[float, list[str]] = defaultdict(list)
    for queue, seconds in sl_seconds.items():
        by_threshold[float(seconds)].append(queue)
    out: dict[str, dict[str, Any]] = {}
    async with engine.connect() as conn:
        for seconds, queues in by_threshold.items():
            opts = ReportOptions(start=since, sl_seconds=seconds, now=now)
            chosen = await plan(conn, opts)
            rows = {row["queue"]: row for row in await reads_for(chosen, "traffic").queue_traffic(conn, opts)}
            for queue in queues:
                figures = _percent(kpis.traffic(rows.get(queue, NO_TRAFFIC)))
                out[queue] = {**{k: figures[k] for k in FIELDS}, "sl_seconds": seconds,
                              "since": since.isoformat(), "source": chosen.sources["traffic"]}
    return out


def _percent(figures: dict[str, Any]) -> dict[str, Any]:
    return {**figures, **{k: None if figures[k] is None else round(100 * figures[k], 2)
                          for k in ("service_level", "abandonment_rate")}}
