"""Lead status machine: a lead's `LeadStatus` from import to done, as the dialer moves it.

Theory of operation
-------------------
A lead is imported NEW, or CALLBACK when the customer named a time (a booked call-back is a new
lead in that state). NEW, RETRY and CALLBACK are the dialable statuses (`dialer.leads.DIALABLE`):
the hopper hands a callable one out by DIAL, and it is DIALING until its attempt's outcome is
known. Then REACHED (a person talked to an agent) makes it DONE, never dialed again; RETRY puts
it back with ``next_attempt_at``; GIVE_UP, for a final outcome or when its attempts are used up,
makes it EXHAUSTED. An agent skipping a previewed lead (SKIP) returns it as RETRY with a delay,
not counting an attempt; a lead found DIALING when a campaign loads (RECOVER: the engine stopped
mid-attempt) is tried again as RETRY.

DONE, EXHAUSTED and DNC are final for the engine; DNC is only ever written from outside (an
operator or a CRM), never by the dialer, so no event leads to it. A lead on a DNC list keeps its
status and is simply never handed out (`dialer.leads.callable_now`).

DIALING is the one transient status. It has no timer of its own: it lasts one attempt, whose
states all have timeouts (`dialer.attempt_state`), and RECOVER resolves it after a restart.
The status values are stored in the ``lead`` table, so they never change.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from dialer.errors import DialerError
from dialer.leads import Lead, LeadStatus

log = logging.getLogger("hotline.dialer")


class LeadEvent(StrEnum):
    DIAL = "dial"  # the hopper hands the lead out for an attempt (or a preview)
    REACHED = "reached"  # the attempt's outcome is human
    RETRY = "retry"  # the outcome allows another attempt, at next_attempt_at
    GIVE_UP = "give_up"  # a final outcome, or max attempts used
    SKIP = "skip"  # the agent skipped the previewed lead
    RECOVER = "recover"  # found DIALING at load: the engine stopped mid-attempt


S, E = LeadStatus, LeadEvent

TRANSITIONS: dict[tuple[LeadStatus, LeadEvent], LeadStatus] = {
    (S.NEW, E.DIAL): S.DIALING,
    (S.RETRY, E.DIAL): S.DIALING,
    (S.CALLBACK, E.DIAL): S.DIALING,
    (S.DIALING, E.REACHED): S.DONE,
    (S.DIALING, E.RETRY): S.RETRY,
    (S.DIALING, E.GIVE_UP): S.EXHAUSTED,
    (S.DIALING, E.SKIP): S.RETRY,
    (S.DIALING, E.RECOVER): S.RETRY,
}

FINAL = frozenset({S.DONE, S.EXHAUSTED, S.DNC})


class InvalidLeadTransition(DialerError):
    """The lead cannot take this event in its current status."""

    error_id = "lead_invalid_transition"

    def __init__(self, lead_id: str, status: LeadStatus, event: LeadEvent) -> None:
        self.lead_id, self.state, self.event = lead_id, status, event
        super().__init__(f"lead {lead_id} cannot {event.value} while {status.value}")


def step(lead_id: str, status: LeadStatus, event: LeadEvent) -> LeadStatus:
    """The status after ``event``; raise `InvalidLeadTransition` if the table has no such move."""
    target = TRANSITIONS.get((status, event))
    if target is None:
        raise InvalidLeadTransition(lead_id, status, event)
    log.debug("lead %s: %s -[%s]-> %s", lead_id, status, event, target)
    return target


def apply(lead: Lead, event: LeadEvent) -> LeadStatus:
    """Move ``lead.status`` by ``event`` (see `step`)."""
    lead.status = step(lead.id, lead.status, event)
    return lead.status
