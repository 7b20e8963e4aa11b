"""Dialer outcome rates, read from the `dial_attempt` table when the database has one.

The table is reflected rather than imported: the reports work on databases created before the
dialer existed (the section is then None). It needs an outcome column (`outcome`, or `result` /
`disposition` / `status`); a `campaign` column splits the rates; a time column (`started_at`,
`at`, `dialed_at` or `created_at`) is used for the period. Outcomes as `cti.store.models.DIAL_OUTCOMES` names
them: busy / no_answer / failed (not reached), machine (AMD said machine), dropped (a live person
no agent took in time: an abandoned call), human (a live person who reached an agent); an unknown
outcome counts as a live person.
- contact_rate      = live persons (incl. dropped) / attempts
- abandonment_rate  = dropped / live persons         (the regulators' "abandoned call" rate)
- amd_rate          = machine / answered (live persons + machines)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports.kpis import ratio
from cti.reports.options import ReportOptions

TABLE = "dial_attempt"
OUTCOME_COLUMNS = ("outcome", "result", "disposition", "status")
TIME_COLUMNS = ("started_at", "at", "dialed_at", "created_at")
NOT_REACHED = frozenset({"busy", "no_answer", "failed", "congestion", "invalid", "unreachable"})
MACHINE, DROPPED = "machine", "dropped"


async def dialer_section(conn: AsyncConnection, opts: ReportOptions) -> list[dict[str, Any]] | None:
    counts = await dialer_counts(conn, opts)
    return None if counts is None else dialer_rows(counts)


def dialer_rows(counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """campaign -> outcome -> attempts, to one row of rates per campaign."""
    return [dialer_rates(name, by_outcome) for name, by_outcome in sorted(counts.items())]


async def dialer_counts(conn: AsyncConnection, opts: ReportOptions) -> dict[str, dict[str, int]] | None:
    """Attempts per campaign per outcome (lower case) in the period; None without a usable table."""
    table = await conn.run_sync(_reflect)
    if table is None:
        return None
    outcome = next((table.c[n] for n in OUTCOME_COLUMNS if n in table.c), None)
    if outcome is None:
        return None
    campaign = table.c["campaign"] if "campaign" in table.c else None
    keys = ([campaign] if campaign is not None else []) + [outcome]
    stmt = select(*keys, func.count().label("n")).group_by(*keys)
    time = next((table.c[n] for n in TIME_COLUMNS if n in table.c), None)
    if time is not None and opts.start is not None:
        stmt = stmt.where(time >= opts.start)
    if time is not None and opts.end is not None:
        stmt = stmt.where(time < opts.end)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in await conn.execute(stmt):
        name = str(row[0]) if campaign is not None else "all"
        counts[name][str(row[-2]).lower()] = int(row.n)
    return dict(counts)


def _reflect(sync_conn: Connection) -> Table | None:
    if not inspect(sync_conn).has_table(TABLE):
        return None
    return Table(TABLE, MetaData(), autoload_with=sync_conn)


def dialer_rates(campaign: str, by_outcome: dict[str, int]) -> dict[str, Any]:
    attempts = sum(by_outcome.values())
    machines = by_outcome.get(MACHINE, 0)
    live = attempts - machines - sum(n for o, n in by_outcome.items() if o in NOT_REACHED)
    dropped = by_outcome.get(DROPPED, 0)
    return {
        "campaign": campaign, "attempts": attempts, "contacts": live, "machines": machines, "dropped": dropped,
        "contact_rate": ratio(live, attempts),
        "abandonment_rate": ratio(dropped, live),
        "amd_rate": ratio(machines, live + machines),
    }
