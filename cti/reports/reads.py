"""What each report section reads, as plain values, whatever it is read from.

`Reads` is implemented twice: `RawReads` (cti/reports/raw.py) aggregates the raw tables with the
queries of traffic.py, agents.py, callers.py, ivr.py and dialer.py; `RollupReads`
(cti/reports/from_rollups.py) sums the interval rollups. The service shapes both the same way, so
a section's figures differ only if the numbers read differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports.options import ReportOptions

Counts = Mapping[str, Any]  # a queue's or an interval's traffic counts (kpis.traffic's input)


@dataclass(frozen=True, slots=True)
class TimeRow:
    """Seconds one agent spent in one (state, pause reason, wrap-up queue), and the calls it took."""

    agent_id: str
    to_state: str
    reason: str
    queue: str | None
    seconds: float
    calls: int


@dataclass(frozen=True, slots=True)
class IvrFigures:
    totals: Counts
    drop_out: list[tuple[str, int]]  # (exit node, calls), most first
    nodes: list[Counts]  # per (flow, node): visits, retried, failed, silent, to_agent, hung_up
    wrong_keys: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)


class Reads(Protocol):
    async def agent_time(self, conn: AsyncConnection, opts: ReportOptions) -> list[Any]: ...

    async def queue_traffic(self, conn: AsyncConnection, opts: ReportOptions) -> list[Counts]: ...

    async def interval_traffic(self, conn: AsyncConnection, opts: ReportOptions) -> dict[int, Counts]: ...

    async def fcr(self, conn: AsyncConnection, opts: ReportOptions) -> Counts: ...

    async def ivr(self, conn: AsyncConnection, opts: ReportOptions) -> IvrFigures: ...

    async def dialer(self, conn: AsyncConnection, opts: ReportOptions) -> dict[str, dict[str, int]] | None: ...
