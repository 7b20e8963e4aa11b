"""Indexes beyond the tables' own, as plain DDL (`CREATE INDEX IF NOT EXISTS`).

Plain DDL, not `sqlalchemy.Index` objects: `metadata.create_all` creates an Index only with a new
table, never on a table an earlier version made; these must appear on old databases too.
- WRITER_INDEXES, made by `create_schema`: the seeks the rollup writer does for every batch
  (an agent's answers before a time: wrap-up attribution; a number's calls around a time: FCR).
- SCAN_INDEXES, made by `hotline report` and `hotline rollup rebuild`, not by the engine (the
  writer does not pay for them on every insert): period scans of the raw tables.
The names are those `hotline report` has always used, so no database gets an index twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

WRITER_INDEXES = {
    "ix_report_queue_log_agent_event_at": "queue_log (agent_id, event, at)",
    "ix_report_cdr_caller_started_at": "cdr (caller, started_at)",
}
SCAN_INDEXES = {
    "ix_report_queue_log_at": "queue_log (at)",
    "ix_report_agent_state_log_at": "agent_state_log (at)",
    "ix_report_dial_attempt_started_at": "dial_attempt (started_at)",
}


async def ensure_indexes(conn: AsyncConnection, indexes: Mapping[str, str]) -> None:
    """Create the missing ones; an index on a table this database lacks (an old one) is skipped."""
    tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    for name, target in indexes.items():
        if target.split()[0] in tables:
            await conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))
