"""Reservation state machine: one offer of one task to one agent (TaskRouter's Reservation).

Theory of operation
-------------------
The router reserves a task to a READY agent and the shell rings him: the reservation is OFFERED.
It is settled exactly once, by the first of

* ACCEPT: the agent answered (AMI DialEnd, or Dial returned ANSWER) -> ACCEPTED;
* REJECT: busy, no answer or a failed Dial, reported by the shell -> REJECTED;
* EXPIRE: the router's own ring timer (``expires_at`` plus the ring grace) fired first -> EXPIRED;
* CANCEL: the caller left while it rang, or its queue was removed by a reload -> CANCELLED.

OFFERED is the only transient state; its timeout is the queue's ``ring_timeout_s`` (the shell's
Dial timeout), backed by the router's ``ring`` timer ``ring_grace_s`` later. Every other state is
final: a late answer or a second report meets a settled reservation and raises.

The router keeps only open reservations (``Router._reservations``): being in that index *is*
being OFFERED, so a settled one is dropped rather than stored with its final state. Settling goes
through `step`, one dict lookup, so the hot path pays nothing for the check.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from acd.errors import AcdError

log = logging.getLogger("hotline.acd")


class ReservationState(StrEnum):
    OFFERED = "offered"  # ringing at the agent's interface
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class ReservationEvent(StrEnum):
    ACCEPT = "accept"  # the agent answered
    REJECT = "reject"  # busy, no answer, Dial failed (the shell's report)
    EXPIRE = "expire"  # the router's ring timer fired before any report
    CANCEL = "cancel"  # the caller left, or the queue was removed


S, E = ReservationState, ReservationEvent

TRANSITIONS: dict[tuple[ReservationState, ReservationEvent], ReservationState] = {
    (S.OFFERED, E.ACCEPT): S.ACCEPTED,
    (S.OFFERED, E.REJECT): S.REJECTED,
    (S.OFFERED, E.EXPIRE): S.EXPIRED,
    (S.OFFERED, E.CANCEL): S.CANCELLED,
}

FINAL = frozenset(S) - {S.OFFERED}


class InvalidReservationTransition(AcdError):
    """The reservation cannot take this event (it is already settled)."""

    error_id = "reservation_invalid_transition"

    def __init__(self, reservation_id: str, state: ReservationState, event: ReservationEvent) -> None:
        self.reservation_id, self.state, self.event = reservation_id, state, event
        super().__init__(f"reservation {reservation_id} cannot {event.value} once {state.value}")


def step(reservation_id: str, state: ReservationState, event: ReservationEvent) -> ReservationState:
    """The state after ``event``; raise `InvalidReservationTransition` if the table has no such move."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidReservationTransition(reservation_id, state, event)
    log.debug("reservation %s: %s -[%s]-> %s", reservation_id, state, event, target)
    return target
