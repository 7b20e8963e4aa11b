"""Reads of the `recording` table, and its one mutation: marking purged files `purged`."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store.quality_models import RecordingRecord
from cti.store.quality_schema import recording


async def fetch_recordings(engine: AsyncEngine, *, call_id: str | None = None, agent: str | None = None,
                           since: datetime | None = None, before: datetime | None = None,
                           status: str | None = None, limit: int | None = None) -> list[RecordingRecord]:
    """Recordings, oldest first, filtered by call, agent, start time and status."""
    stmt = select(recording).order_by(recording.c.started_at, recording.c.id)
    for column, value in (("call_id", call_id), ("agent", agent), ("status", status)):
        if value is not None:
            stmt = stmt.where(recording.c[column] == value)
    if since is not None:
        stmt = stmt.where(recording.c.started_at >= since)
    if before is not None:
        stmt = stmt.where(recording.c.started_at < before)
    if limit is not None:
        stmt = stmt.limit(limit)
    async with engine.connect() as conn:
        return [RecordingRecord.from_row(row) for row in await conn.execute(stmt)]


async def mark_purged(engine: AsyncEngine, recording_ids: Iterable[str]) -> int:
    """Rows whose files were deleted become `purged` (path and figures kept: what was there)."""
    ids = list(recording_ids)
    if not ids:
        return 0
    async with engine.begin() as conn:
        result = await conn.execute(update(recording).where(recording.c.recording_id.in_(ids))
                                    .values(status="purged"))
        return result.rowcount or 0
