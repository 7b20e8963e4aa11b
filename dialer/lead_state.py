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

A lead's owner can withdraw it (CANCEL: a follow-up whose case was reopened before the call).
A dialable lead becomes CANCELLED at once. A DIALING lead is on a live attempt (or in an agent's
preview): that attempt is let finish, CANCELLING; a person reached makes it DONE as usual (the call
happened), any other resolution (RETRY, GIVE_UP, SKIP, RECOVER) makes it CANCELLED instead of
dialable again. CANCELLING lasts one attempt like DIALING and is recovered the same way.

DONE, EXHAUSTED, CANCELLED and DNC are final for the engine; DNC is only ever written from
outside (an operator or a CRM), never by the dialer, so no event leads to it. A lead on a DNC list keeps its
status and is simply never handed out (`dialer.leads.callable_now`).

DIALING and its withdrawn twin CANCELLING are the transient statuses. They have no timer of their
own: each lasts one attempt, whose states all have timeouts (`dialer.attempt_state`), and RECOVER
resolves them after a restart.
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
    CANCEL = "cancel"  # its owner withdrew the booking (dialer.leads.CANCELLABLE only)


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
    (S.NEW, E.CANCEL): S.CANCELLED,
    (S.RETRY, E.CANCEL): S.CANCELLED,
    (S.CALLBACK, E.CANCEL): S.CANCELLED,
    (S.DIALING, E.CANCEL): S.CANCELLING,  # the live attempt finishes; it is never retried
    (S.CANCELLING, E.REACHED): S.DONE,
    (S.CANCELLING, E.RETRY): S.CANCELLED,
    (S.CANCELLING, E.GIVE_UP): S.CANCELLED,
    (S.CANCELLING, E.SKIP): S.CANCELLED,
    (S.CANCELLING, E.RECOVER): S.CANCELLED,
}

FINAL = frozenset({S.DONE, S.EXHAUSTED, S.CANCELLED, S.DNC})


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
