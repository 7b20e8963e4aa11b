"""Reads: filtered listings of each table, and the last state of every agent.

`latest_agent_states` orders by the event time `at` (then `id`), not by `id` alone: ids
follow insertion order, and a record replayed from the spool after an outage, or an
overflowed one, can be inserted after records that happened later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.models import AgentStateRecord, CdrRecord, DialAttemptRecord, QueueLogRecord, Record
from cti.store.schema import agent_state_log

R = TypeVar("R", bound=Record)


async def fetch_cdrs(engine: AsyncEngine, **filters: Any) -> list[CdrRecord]:
    """All CDRs whose columns equal the given values, oldest first (tests and reports)."""
    return await _fetch(engine, CdrRecord, "started_at", filters, "fetch_cdrs")


async def fetch_agent_states(engine: AsyncEngine, **filters: Any) -> list[AgentStateRecord]:
    """All agent state changes whose columns equal the given values, oldest first."""
    return await _fetch(engine, AgentStateRecord, "at", filters, "fetch_agent_states")


async def fetch_queue_log(engine: AsyncEngine, **filters: Any) -> list[QueueLogRecord]:
    """All queue events whose columns equal the given values, oldest first."""
    return await _fetch(engine, QueueLogRecord, "at", filters, "fetch_queue_log")


async def fetch_dial_attempts(engine: AsyncEngine, **filters: Any) -> list[DialAttemptRecord]:
    """All finished dial attempts whose columns equal the given values, oldest first."""
    return await _fetch(engine, DialAttemptRecord, "started_at", filters, "fetch_dial_attempts")


async def _fetch(
    engine: AsyncEngine, record_type: type[R], time_column: str, filters: dict[str, Any], what: str
) -> list[R]:
    table = record_type.TABLE
    stmt = select(table).order_by(table.c[time_column], table.c.id)
    for name, value in filters.items():
        if name not in table.c:
            raise TypeError(f"{what}: {name!r} is not a {table.name} column")
        stmt = stmt.where(table.c[name] == value)
    return await _records(engine, record_type, stmt)


async def latest_agent_states(
    engine: AsyncEngine, *, since: datetime | None = None
) -> dict[str, AgentStateRecord]:
    """The last logged state change of each agent (by `at`, then `id`), keyed by agent_id.

    Used to restore logged-in agents after an engine restart. `since` bounds the scan to
    recent history (agents with no change since then are left out).
    """
    log = agent_state_log
    newest_first = func.row_number().over(
        partition_by=log.c.agent_id, order_by=(log.c.at.desc(), log.c.id.desc())
    )
    ranked = select(log, newest_first.label("recency"))
    if since is not None:
        ranked = ranked.where(log.c.at >= since)
    sub = ranked.subquery()
    stmt = select(*(sub.c[name] for name in log.c.keys())).where(sub.c.recency == 1)
    records = await _records(engine, AgentStateRecord, stmt.order_by(sub.c.agent_id))
    return {record.agent_id: record for record in records}


async def _records(engine: AsyncEngine, record_type: type[R], stmt: Select[Any]) -> list[R]:
    async with engine.connect() as conn:
        result = await conn.execute(stmt)
        return [record_type.from_row(row) for row in result]
