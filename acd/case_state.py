"""Case state machine: a complaint from registration to the customer's confirmation (投诉处理, 回访).

Theory of operation
-------------------
A case is registered OPEN, owned by the queue of its level (or an agent it is assigned to). An
agent TAKEs it: IN_PROGRESS, and the first response is made. It is RESOLVEd by whoever works
it, then CLOSEd, which books the follow-up call (回访). The customer's answer on that call
CONFIRMs it (final) or REOPENs it; a resolution the agent or supervisor rejects before the
follow-up also REOPENs it. A REOPENED case is worked like an OPEN one, with fresh deadlines.

ASSIGN changes the owner and keeps the state. ESCALATE hands the case to the next level's queue
when a deadline is missed (`acd.case_sla`): the agent who had it lets it go, so IN_PROGRESS falls
back to OPEN; a REOPENED case stays REOPENED. ``TRANSITIONS`` is the whole machine; any other
(state, event) pair raises `InvalidCaseTransition`.

The transient states' "timeouts" are the SLA deadlines: OPEN, IN_PROGRESS and REOPENED have a
response and a resolution deadline (`acd.case_sla`); CLOSED waits for the follow-up, which the
dialer retries and gives up on by its own campaign rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from acd.errors import AcdError

log = logging.getLogger("hotline.cases")


class CaseState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"          # follow-up call booked, answer awaited
    CONFIRMED = "confirmed"    # the customer said it is solved: final
    REOPENED = "reopened"


class CaseEvent(StrEnum):
    TAKE = "take"
    ASSIGN = "assign"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    CLOSE = "close"
    CONFIRM = "confirm"
    REOPEN = "reopen"


S, E = CaseState, CaseEvent
WORKING = frozenset({S.OPEN, S.IN_PROGRESS, S.REOPENED})

TRANSITIONS: dict[tuple[CaseState, CaseEvent], CaseState] = {
    (S.OPEN, E.TAKE): S.IN_PROGRESS,
    (S.REOPENED, E.TAKE): S.IN_PROGRESS,
    (S.IN_PROGRESS, E.TAKE): S.IN_PROGRESS,  # a colleague takes it over
    (S.OPEN, E.ASSIGN): S.OPEN,
    (S.IN_PROGRESS, E.ASSIGN): S.IN_PROGRESS,
    (S.REOPENED, E.ASSIGN): S.REOPENED,
    (S.OPEN, E.ESCALATE): S.OPEN,
    (S.IN_PROGRESS, E.ESCALATE): S.OPEN,
    (S.REOPENED, E.ESCALATE): S.REOPENED,
    (S.OPEN, E.RESOLVE): S.RESOLVED,  # resolved on the first contact
    (S.IN_PROGRESS, E.RESOLVE): S.RESOLVED,
    (S.REOPENED, E.RESOLVE): S.RESOLVED,
    (S.RESOLVED, E.CLOSE): S.CLOSED,
    (S.RESOLVED, E.REOPEN): S.REOPENED,
    (S.CLOSED, E.REOPEN): S.REOPENED,
    (S.CLOSED, E.CONFIRM): S.CONFIRMED,
}


class InvalidCaseTransition(AcdError):
    """The event is not allowed in the case's current state (e.g. close before resolve)."""

    error_id = "case_invalid_transition"

    def __init__(self, case_id: str, state: CaseState, event: CaseEvent) -> None:
        self.case_id, self.state, self.event = case_id, state, event
        super().__init__(f"case {case_id} cannot {event.value} while {state.value}")


@dataclass(frozen=True)
class CaseChange:
    case_id: str
    from_state: CaseState
    event: CaseEvent
    to_state: CaseState
    at: datetime


def step(case_id: str, state: CaseState, event: CaseEvent, at: datetime) -> CaseChange:
    """The move of a case in ``state`` by ``event``, or InvalidCaseTransition."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidCaseTransition(case_id, state, event)
    log.debug("case %s: %s -[%s]-> %s", case_id, state, event, target)
    return CaseChange(case_id, state, event, target, at)
