"""Leads in the database: import, load the dialable ones into a hopper, save each one's progress.

Attempts themselves are append-only `DialAttemptRecord`s that go through the engine's record
writer (spooled when the database is down, never lost). A lead's row is its current state
(attempts, status, next attempt): if saving it fails the in-memory hopper still holds the truth
and the next save overwrites the row, so a database outage delays but never corrupts it.
"""

from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store import insert_ignore
from cti.store.schema import lead as lead_table
from dialer.lead_state import LeadEvent, apply
from dialer.leads import CANCELLABLE, DIALABLE, Lead, LeadStatus


def _row(lead: Lead) -> dict:
    return {"id": lead.id, "campaign": lead.campaign, "number": lead.number, "timezone": lead.timezone,
            "name": lead.name, "priority": lead.priority, "attempts": lead.attempts,
            "next_attempt_at": lead.next_attempt_at, "status": str(lead.status), "callback_at": lead.callback_at,
            "data": json.dumps(lead.data, ensure_ascii=False) if lead.data else None, "booking": lead.booking}


def _lead(row) -> Lead:
    return Lead(id=row.id, campaign=row.campaign, number=row.number, timezone=row.timezone, name=row.name,
                priority=row.priority, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                status=LeadStatus(row.status), callback_at=row.callback_at,
                data=json.loads(row.data) if row.data else {}, booking=row.booking or "")


async def import_leads(engine: AsyncEngine, leads: Iterable[Lead], batch: int = 5000) -> int:
    """Insert new leads; a lead already there (same id, or same campaign, number and booking) is left as it is."""
    rows = [_row(lead) for lead in leads]
    before = await count_leads(engine, rows[0]["campaign"]) if rows else 0
    async with engine.begin() as conn:
        for start in range(0, len(rows), batch):
            await insert_ignore(conn, lead_table, rows[start:start + batch], conflict_column=None)
    return (await count_leads(engine, rows[0]["campaign"]) - before) if rows else 0


async def count_leads(engine: AsyncEngine, campaign: str) -> int:
    from sqlalchemy import func

    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(lead_table)
                                   .where(lead_table.c.campaign == campaign))).scalar_one()


async def load_dialable(engine: AsyncEngine, campaign: str) -> list[Lead]:
    """The campaign's dialable leads; one the engine left mid-attempt is recovered (RECOVER): tried
    again if DIALING, CANCELLED (and saved so) if its booking was withdrawn during that attempt."""
    live = [str(s) for s in DIALABLE] + [str(LeadStatus.DIALING), str(LeadStatus.CANCELLING)]
    query = select(lead_table).where(lead_table.c.campaign == campaign, lead_table.c.status.in_(live))
    async with engine.connect() as conn:
        leads = [_lead(row) for row in await conn.execute(query)]
    for lead in leads:
        if lead.status in (LeadStatus.DIALING, LeadStatus.CANCELLING):
            apply(lead, LeadEvent.RECOVER)
            if lead.status is LeadStatus.CANCELLED:
                await save_lead(engine, lead)
    return [lead for lead in leads if lead.status in DIALABLE]


async def cancel_booked(engine: AsyncEngine, campaign: str, booking: str, *, skip: Iterable[str] = ()) -> list[Lead]:
    """Withdraw the stored leads of ``booking`` that could still call (CANCEL), except the ids in
    ``skip`` (those the running dialer holds and saves itself); the leads withdrawn, moved."""
    query = select(lead_table).where(lead_table.c.campaign == campaign, lead_table.c.booking == booking,
                                     lead_table.c.status.in_([str(s) for s in CANCELLABLE]))
    skipped = set(skip)
    async with engine.begin() as conn:
        leads = [_lead(row) for row in await conn.execute(query.with_for_update()) if row.id not in skipped]
        for lead in leads:
            apply(lead, LeadEvent.CANCEL)
            await conn.execute(update(lead_table).where(lead_table.c.id == lead.id).values(status=str(lead.status)))
    return leads


async def save_lead(engine: AsyncEngine, lead: Lead) -> None:
    row = _row(lead)
    async with engine.begin() as conn:
        await conn.execute(update(lead_table).where(lead_table.c.id == lead.id).values(
            attempts=row["attempts"], next_attempt_at=row["next_attempt_at"], status=row["status"],
            callback_at=row["callback_at"]))


async def fetch_leads(engine: AsyncEngine, campaign: str) -> list[Lead]:
    async with engine.connect() as conn:
        return [_lead(row) for row in await conn.execute(
            select(lead_table).where(lead_table.c.campaign == campaign).order_by(lead_table.c.id))]
