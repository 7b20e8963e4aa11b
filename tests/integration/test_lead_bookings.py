"""Leads keyed by (campaign, number, booking), on SQLite and PostgreSQL: an import still keeps one lead
per number, bookings (call-backs, follow-ups) of the same customer each get their own lead, and a
database made when leads were unique per number is upgraded on start without losing a row; a withdrawn
booking is cancelled in the table (only its leads that could still call) and never loaded to dial."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.store import create_schema
from cti.store.leads import cancel_booked, fetch_leads, import_leads, load_dialable, save_lead
from dialer.leads import Lead, LeadStatus
from tests.support.rollup_db import database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An EMPTY database (the test creates its schema)."""
    async with database(request.param, tmp_path) as engine:
        yield engine


def booked(lead_id: str, booking: str) -> Lead:
    return Lead(lead_id, "follow_up", "2001", "UTC", status=LeadStatus.CALLBACK, booking=booking,
                data={"case_id": booking.split("/")[0]})


async def test_imports_keep_one_lead_per_number_and_each_booking_is_its_own_lead(db) -> None:
    await create_schema(db)
    assert await import_leads(db, [Lead("c-1", "c", "2001", "UTC"), Lead("c-2", "c", "2002", "UTC")]) == 2
    assert await import_leads(db, [Lead("c-1b", "c", "2001", "UTC")]) == 0  # the list again: no duplicate
    assert await import_leads(db, [booked("f-1", "C-1/0")]) == 1
    assert await import_leads(db, [booked("f-2", "C-1/1")]) == 1  # reopened and closed again
    assert await import_leads(db, [booked("f-3", "C-1/1")]) == 0  # the same booking twice
    leads = await fetch_leads(db, "follow_up")
    assert [(lead.id, lead.booking, lead.data) for lead in leads] == [
        ("f-1", "C-1/0", {"case_id": "C-1"}), ("f-2", "C-1/1", {"case_id": "C-1"})]
    assert sorted(lead.booking for lead in await fetch_leads(db, "c")) == ["", ""]


async def test_a_database_from_before_bookings_is_upgraded_on_start(db) -> None:
    async with db.begin() as conn:  # the lead table as the previous version created it
        await conn.execute(text(
            "CREATE TABLE lead (id VARCHAR(64) PRIMARY KEY, campaign VARCHAR(80) NOT NULL, number VARCHAR(32) NOT NULL,"
            " timezone VARCHAR(64) NOT NULL, name VARCHAR(120) NOT NULL, priority INTEGER NOT NULL,"
            " attempts INTEGER NOT NULL, next_attempt_at VARCHAR(40), status VARCHAR(16) NOT NULL,"
            " callback_at VARCHAR(40), data TEXT)"))
        await conn.execute(text("CREATE UNIQUE INDEX ux_lead_campaign_number ON lead (campaign, number)"))
        await conn.execute(text("INSERT INTO lead VALUES ('f-old', 'follow_up', '2001', 'UTC', '', 10, 1, NULL,"
                                " 'done', NULL, NULL)"))
    await create_schema(db)
    await create_schema(db)  # idempotent
    async with db.connect() as conn:
        indexes = await conn.run_sync(lambda c: {i["name"] for i in inspect(c).get_indexes("lead")})
    assert "ux_lead_campaign_number" not in indexes and "ux_lead_campaign_number_booking" in indexes
    assert await import_leads(db, [Lead("f-dup", "follow_up", "2001", "UTC")]) == 0  # old rows count as imported
    assert await import_leads(db, [booked("f-new", "C-1/1")]) == 1
    assert [(lead.id, lead.booking, lead.status) for lead in await fetch_leads(db, "follow_up")] == [
        ("f-new", "C-1/1", LeadStatus.CALLBACK), ("f-old", "", LeadStatus.DONE)]


async def test_a_withdrawn_booking_is_cancelled_in_the_table_and_never_loaded_to_dial(db) -> None:
    await create_schema(db)
    await import_leads(db, [booked("f-1", "C-1/0"), booked("f-2", "C-2/0"), booked("f-3", "C-3/0"),
                            booked("f-4", "C-4/0"), booked("f-5", "C-5/0")])
    for lead_id, status in (("f-3", LeadStatus.DONE), ("f-4", LeadStatus.DIALING), ("f-5", LeadStatus.DIALING)):
        [lead] = [x for x in await fetch_leads(db, "follow_up") if x.id == lead_id]
        lead.status = status
        await save_lead(db, lead)
    assert [(x.id, x.status) for x in await cancel_booked(db, "follow_up", "C-1/0")] == [("f-1", LeadStatus.CANCELLED)]
    assert await cancel_booked(db, "follow_up", "C-1/0") == []  # once
    assert await cancel_booked(db, "follow_up", "C-3/0") == []  # already called: left DONE
    assert [x.status for x in await cancel_booked(db, "follow_up", "C-4/0")] == [LeadStatus.CANCELLING]
    assert await cancel_booked(db, "follow_up", "C-5/0", skip=["f-5"]) == []  # the running dialer holds it
    assert sorted(x.id for x in await load_dialable(db, "follow_up")) == ["f-2", "f-5"]  # f-5 recovered as retry
    assert {x.id: x.status for x in await fetch_leads(db, "follow_up")} == {
        "f-1": LeadStatus.CANCELLED, "f-2": LeadStatus.CALLBACK, "f-3": LeadStatus.DONE,
        "f-4": LeadStatus.CANCELLED, "f-5": LeadStatus.DIALING}  # f-4 left mid-attempt: cancelled on load
