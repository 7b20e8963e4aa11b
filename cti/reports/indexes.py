"""Indexes the raw-row report queries need, created by `hotline report` (CREATE INDEX IF NOT EXISTS).

Defined in the store (cti/store/indexes.py), beside the ones the rollup writer needs:
- queue_log (agent_id, event, at): each wrap-up's "latest answer of this agent" lookup (the
  engine makes this one too: the rollup writer does the same lookup);
- cdr (caller, started_at): each caller's calls in time order, for first-call resolution (idem);
- queue_log (at): the period scan of queue visits across all queues;
- agent_state_log (at): the period scan of agent rows;
- dial_attempt (started_at): the period scan of dial attempts.
(cdr.started_at, cdr.caller and agent_state_log (agent_id, at) already exist in the schema.)
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.indexes import SCAN_INDEXES, WRITER_INDEXES, ensure_indexes

REPORT_INDEXES = {**WRITER_INDEXES, **SCAN_INDEXES}


async def ensure_report_indexes(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await ensure_indexes(conn, REPORT_INDEXES)


async def has_store_tables(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return {"cdr", "queue_log", "agent_state_log"} <= names
