"""Booked calls (call-backs, follow-ups 回访): the dialer's leads that someone promised, and
withdraws when the promise no longer holds.

Theory of operation: a booking is one lead of a campaign, due at a time, keyed by the booker's
reference (``booking``): the same reference twice is one lead, so a retried booking never calls
twice. It is stored first, then added to the campaign's hopper if the campaign runs. Withdrawing
(`cancel`) moves every lead of the reference that could still call by the lead table's CANCEL:
the running campaign's copies first (out of the hopper; a lead on a live attempt or in an agent's
preview is CANCELLING: that attempt finishes and is never retried), then the stored ones the
campaign does not hold. The in-memory copy is the truth for the leads it holds, as everywhere in
the dialer; the database row follows it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from common.yamlconf import ConfigError
from cti.store.leads import cancel_booked, import_leads
from dialer.campaign import find_campaign
from dialer.lead_state import LeadEvent, apply
from dialer.leads import CANCELLABLE, Lead, LeadStatus

log = logging.getLogger("hotline.dialer")
_DB_ERRORS = (OSError, asyncio.TimeoutError, SQLAlchemyError)


class Bookings:
    """Books and withdraws promised calls for a `cti.services.dialer.DialerService`."""

    def __init__(self, dialer) -> None:
        self.dialer = dialer

    async def book(self, campaign_name: str, number: str, name: str = "", data: dict[str, str] | None = None,
                   when: datetime | None = None, booking: str | None = None) -> bool:
        """A promised call: its own lead, due ``when``, keyed by ``booking`` (default a fresh one).
        DNC and the campaign's retries apply to each lead as usual."""
        try:
            campaign = find_campaign(campaign_name, self.dialer.campaigns_dir)
            lead = Lead(id=f"{campaign.name}-{number}-{uuid.uuid4().hex[:8]}", campaign=campaign.name,
                        number=number, timezone=campaign.default_timezone, name=name, priority=10,
                        status=LeadStatus.CALLBACK, callback_at=when or _utc(), data=dict(data or {}),
                        booking=booking or uuid.uuid4().hex)
        except (ConfigError, ValueError) as exc:
            log.error("call-back for %r not booked: %s", number, exc)
            return False
        try:
            if not await asyncio.wait_for(import_leads(self.dialer.db, [lead]), 10):
                log.info("call-back %s for %s was booked already", lead.booking, number)
                return True
        except _DB_ERRORS as exc:
            log.error("call-back for %s not stored (%s); kept in memory only", number, exc)
        run = self.dialer.runs.get(campaign.name)
        if run is not None:
            run.hopper.add(lead, _utc())
        log.info("call-back %s booked for %s in campaign %s", lead.booking, number, campaign.name)
        return True

    async def cancel(self, campaign_name: str, booking: str) -> int | None:
        """Withdraw ``booking``: how many of its leads were stopped (0: none could still call), or
        None when the database could not be updated (its stored leads may still be dialed later)."""
        held = self._held(campaign_name, booking)
        for lead in held:
            apply(lead, LeadEvent.CANCEL)
            self.dialer.saves.save(lead)
        try:
            stored = await asyncio.wait_for(
                cancel_booked(self.dialer.db, campaign_name, booking, skip=[lead.id for lead in held]), 10)
        except _DB_ERRORS as exc:
            log.error("booking %s of campaign %s not withdrawn in the database (%s)", booking, campaign_name, exc)
            return None
        withdrawn = held + stored
        run = self.dialer.runs.get(campaign_name)
        if run is not None and withdrawn:
            run.counts["cancelled"] = run.counts.get("cancelled", 0) + len(withdrawn)
        for lead in withdrawn:
            log.info("campaign %s: booking %s withdrawn, lead %s to %s is %s", campaign_name, booking, lead.id,
                     lead.number, lead.status)
        return len(withdrawn)

    def _held(self, campaign_name: str, booking: str) -> list[Lead]:
        """The running campaign's copies of ``booking`` that could still call: in its hopper (taken
        out), on an attempt in flight, or in an agent's preview."""
        run = self.dialer.runs.get(campaign_name)
        if run is None:
            return []
        held = run.hopper.remove_booking(booking)
        held += [a.lead for a in run.inflight.values() if a.lead.booking == booking]
        held += [p.lead for p in self.dialer.preview.offers.values()
                 if p.campaign == campaign_name and p.lead.booking == booking]
        unique = {id(lead): lead for lead in held if lead.status in CANCELLABLE}
        return list(unique.values())


def _utc() -> datetime:
    return datetime.now(UTC)
