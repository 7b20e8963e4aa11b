"""`RawReads`: every section aggregated from the raw tables (the reference the rollups must equal)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports import agents, callers, ivr, traffic
from cti.reports.dialer import dialer_counts
from cti.reports.options import ReportOptions
from cti.reports.reads import Counts, IvrFigures


class RawReads:
    async def agent_time(self, conn: AsyncConnection, opts: ReportOptions) -> list[Any]:
        return list((await conn.execute(agents.per_agent_state(opts))).all())

    async def queue_traffic(self, conn: AsyncConnection, opts: ReportOptions) -> list[Counts]:
        return list((await conn.execute(traffic.per_queue(opts))).mappings())

    async def interval_traffic(self, conn: AsyncConnection, opts: ReportOptions) -> dict[int, Counts]:
        return {int(row["bucket"]): row for row in (await conn.execute(traffic.per_interval(opts))).mappings()}

    async def fcr(self, conn: AsyncConnection, opts: ReportOptions) -> Counts:
        return (await conn.execute(callers.fcr(opts))).one()._mapping

    async def ivr(self, conn: AsyncConnection, opts: ReportOptions) -> IvrFigures:
        totals = (await conn.execute(ivr.totals(opts))).one()._mapping
        drops = [(r.exit_node, int(r.calls)) for r in await conn.execute(ivr.drop_out(opts))]
        nodes = list((await conn.execute(ivr.struggle(opts))).mappings())
        keys: dict[tuple[str, str], Counter[str]] = {}
        for row in await conn.execute(ivr.wrong_keys(opts)):
            keys.setdefault((row.flow, row.node), Counter()).update(row.no_match.split(","))
        return IvrFigures(totals, drops, nodes, keys)

    async def dialer(self, conn: AsyncConnection, opts: ReportOptions) -> dict[str, dict[str, int]] | None:
        return await dialer_counts(conn, opts)
