"""Where each report section reads from: the interval rollups when they can answer, else raw rows.

The rollups answer a section exactly (the same figures as raw rows) when:
- they are of this version's format and hold every raw row (`cti.store.rollup.marks`: no rows
  written around them, e.g. by an engine of an earlier version, before `hotline rollup rebuild`);
- the period's bounds are on the quarter-hour grid (an open bound always is);
- for queues and intervals, the SL and short-abandon thresholds are whole seconds the rollups
  keep (cti/store/rollup/visits.py THRESHOLDS);
- for agent time with no period end (until now), no agent state is dated now or later.
Otherwise that section reads raw rows, and the report says which and why (`Report["source"]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports.options import ReportOptions
from cti.store.rollup import marks
from cti.store.rollup.buckets import on_grid
from cti.store.rollup.tables import rollup_mark
from cti.store.rollup.visits import THRESHOLDS
from cti.store.schema import agent_state_log

SECTIONS = ("traffic", "agents", "fcr", "ivr", "dialer")  # traffic = the queues' and intervals' counts
REPORTED = {"queues": "traffic", "agents": "agents", "intervals": "traffic", "fcr": "fcr", "ivr": "ivr",
            "dialer": "dialer"}  # report section -> what it reads
ROLLUPS = "rollups"
Source = Literal["auto", "raw"]


@dataclass(frozen=True)
class Plan:
    """section -> "rollups", or "raw rows: <why>"."""

    sources: dict[str, str] = field(default_factory=dict)

    def uses_rollups(self, section: str) -> bool:
        return self.sources[section] == ROLLUPS

    def by_report_section(self) -> dict[str, str]:
        return {name: self.sources[reads] for name, reads in REPORTED.items()}


def _kept(seconds: float) -> bool:
    return float(seconds).is_integer() and int(seconds) in THRESHOLDS


async def plan(conn: AsyncConnection, opts: ReportOptions, source: Source = "auto") -> Plan:
    why = "asked for" if source == "raw" else await _unusable(conn, opts)
    if why is not None:
        return Plan({s: f"raw rows: {why}" for s in SECTIONS})
    sources = dict.fromkeys(SECTIONS, ROLLUPS)
    odd = [f"{name} {value:g}" for name, value in (("--sl-seconds", opts.sl_seconds),
                                                   ("--short-abandon-s", opts.short_abandon_s)) if not _kept(value)]
    if odd:
        sources["traffic"] = f"raw rows: {' and '.join(odd)} not among the kept thresholds {THRESHOLDS}"
    if opts.end is None and await _states_from(conn, opts):
        sources["agents"] = "raw rows: agent states dated at or after now (no --to)"
    return Plan(sources)


async def _unusable(conn: AsyncConnection, opts: ReportOptions) -> str | None:
    """Why no section can read the rollups, or None."""
    rebuild = "run `hotline rollup rebuild`"
    if not await conn.run_sync(lambda sync: inspect(sync).has_table(rollup_mark.name)):
        return f"this database has no rollup tables; {rebuild}"
    if not await marks.current_format(conn):
        return f"the rollups were made by another version; {rebuild}"
    if behind := await marks.behind(conn):
        return f"the rollups lack rows of {', '.join(behind)} (written without them); {rebuild}"
    for name, bound in (("--from", opts.start), ("--to", opts.end)):
        if bound is not None and not on_grid(bound):
            return f"{name} {bound.isoformat()} is not on a 15-minute boundary"
    return None


async def _states_from(conn: AsyncConnection, opts: ReportOptions) -> bool:
    latest = (await conn.execute(select(func.max(agent_state_log.c.at)))).scalar()
    return latest is not None and latest >= opts.until
