"""Indexes only the reports need, created by `hotline report` (CREATE INDEX IF NOT EXISTS).

Kept apart from `cti.store.schema` on purpose: the engine's writer does not pay for them on
every insert unless someone runs reports on that database.
- queue_log (agent_id, event, at): each wrap-up's "latest answer of this agent" lookup;
- queue_log (at): the period scan of queue visits across all queues;
- agent_state_log (at): the period scan of agent rows;
- cdr (caller, started_at): each caller's calls in time order, for first-call resolution.
(cdr.started_at, cdr.caller and agent_state_log (agent_id, at) already exist in the schema.)
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

# Plain DDL, not `sqlalchemy.Index` objects: an Index on the store's Table would attach itself
# to that Table and so to `metadata.create_all`.
REPORT_INDEXES = {
    "ix_report_queue_log_agent_event_at": "queue_log (agent_id, event, at)",
    "ix_report_queue_log_at": "queue_log (at)",
    "ix_report_agent_state_log_at": "agent_state_log (at)",
    "ix_report_cdr_caller_started_at": "cdr (caller, started_at)",
}


async def ensure_report_indexes(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for name, target in REPORT_INDEXES.items():
            await conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))


async def has_store_tables(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return {"cdr", "queue_log", "agent_state_log"} <= names
