"""Consult (attended transfer) state machine: an agent asks a colleague before handing a caller over.

Theory of operation
-------------------
A consult starts DIALING: Asterisk holds the caller and dials the consult leg into the engine.
When the leg ARRIVEs over FastAGI it is queued, WAITING for a colleague; when one answers the
consult is TALKING. The consulting agent then hands the caller over (COMPLETE: Asterisk reports
the attended transfer), which is final for the consult even if the leg has not arrived or nobody
has answered yet: the caller then goes to whoever answers it (ARRIVE and ANSWER keep COMPLETED).

Anything else ends it. While the leg is up, ending it means hanging the leg up first, so the
consult waits in a state named after why it is going (CANCELLED by the agent, TIMED_OUT with
nobody answering, CALLER_HUNG_UP on hold) until the leg is gone (END -> ENDED); those names are
also the reason written to the queue log. A later reason replaces an earlier one; an ANSWER
that races the hang-up does not bring the consult back. A consult still DIALING has no leg to
hang up: the shell ENDs it at once (the leg, if it ever arrives, is turned away). END also
covers the leg ending by itself (colleague hung up, nobody to serve the queue) and a refused
Atxfer.

Timeouts of the transient states (set by `cti.calls.consult`): DIALING ``arrive_timeout_s``
(15 s; the leg never arrived -> END); WAITING ``max_wait_s`` (``acd.consult_wait_s``, 120 s ->
TIME_OUT); the hanging-up states one AMI Hangup, at most ``HANGUP_WAIT_S`` (10 s): a leg whose
end never comes (the Hangup failed, its end was not reported) is given up on, END all the same.
TALKING is a conversation: no timeout.
The state values are what CTI shows (`Consult.view`'s ``state``), so they never change.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from acd.errors import AcdError

log = logging.getLogger("hotline.consult")


class ConsultState(StrEnum):
    DIALING = "dialing"  # Atxfer sent, the consult leg not yet in the engine
    WAITING = "waiting"  # the leg is queued for a colleague; the caller hears music
    TALKING = "talking"  # a colleague answered
    COMPLETED = "completed"  # the caller was handed over (final)
    ENDED = "ended"  # the agent is back with the caller (final)
    # the leg is being hung up; the value is the reason the queue log records
    CANCELLED = "cancelled"
    TIMED_OUT = "timeout"
    CALLER_HUNG_UP = "caller hung up"


class ConsultEvent(StrEnum):
    ARRIVE = "arrive"  # the consult leg reached the engine (FastAGI consult/<id>)
    ANSWER = "answer"  # a colleague answered the leg
    COMPLETE = "complete"  # Asterisk reports the attended transfer done
    CANCEL = "cancel"  # the consulting agent cancels
    TIME_OUT = "time_out"  # nobody answered within max_wait_s
    CALLER_GONE = "caller_gone"  # the caller on hold hung up
    END = "end"  # the leg is gone or never came (or Asterisk refused the Atxfer)


S, E = ConsultState, ConsultEvent

HANGING_UP = frozenset({S.CANCELLED, S.TIMED_OUT, S.CALLER_HUNG_UP})
FINAL = frozenset({S.COMPLETED, S.ENDED})
DROPS: dict[ConsultEvent, ConsultState] = {E.CANCEL: S.CANCELLED, E.TIME_OUT: S.TIMED_OUT,
                                           E.CALLER_GONE: S.CALLER_HUNG_UP}
"""Events that hang the consult leg up, and the state (= the reason) each leads to."""

TRANSITIONS: dict[tuple[ConsultState, ConsultEvent], ConsultState] = {
    (S.DIALING, E.ARRIVE): S.WAITING,
    (S.DIALING, E.COMPLETE): S.COMPLETED,  # handed over before the leg arrived
    (S.DIALING, E.END): S.ENDED,  # cancelled, never arrived, Atxfer refused: no leg to hang up
    (S.WAITING, E.ANSWER): S.TALKING,
    (S.WAITING, E.COMPLETE): S.COMPLETED,  # handed over before anyone answered
    (S.WAITING, E.CANCEL): S.CANCELLED,
    (S.WAITING, E.TIME_OUT): S.TIMED_OUT,
    (S.WAITING, E.CALLER_GONE): S.CALLER_HUNG_UP,
    (S.WAITING, E.END): S.ENDED,  # nobody to serve the queue, or the leg hung up
    (S.TALKING, E.COMPLETE): S.COMPLETED,
    (S.TALKING, E.CANCEL): S.CANCELLED,
    (S.TALKING, E.CALLER_GONE): S.CALLER_HUNG_UP,
    (S.TALKING, E.END): S.ENDED,  # the colleague hung up
    # whoever answers a consult already handed over gets the caller
    (S.COMPLETED, E.ARRIVE): S.COMPLETED,
    (S.COMPLETED, E.ANSWER): S.COMPLETED,
    # the leg is being hung up: a later reason replaces the earlier one, an answer is too late
    **{(state, event): target for state in HANGING_UP for event, target in [
        (E.CANCEL, S.CANCELLED), (E.CALLER_GONE, S.CALLER_HUNG_UP), (E.ANSWER, state),
        (E.COMPLETE, S.COMPLETED), (E.END, S.ENDED)]},
}


class InvalidConsultTransition(AcdError):
    """The consult cannot take this event in its current state."""

    error_id = "consult_invalid_transition"

    def __init__(self, consult_id: str, state: ConsultState, event: ConsultEvent) -> None:
        self.consult_id, self.state, self.event = consult_id, state, event
        super().__init__(f"consult {consult_id} cannot {event.value} while {state.value}")


def step(consult_id: str, state: ConsultState, event: ConsultEvent) -> ConsultState:
    """The state after ``event``; raise `InvalidConsultTransition` if the table has no such move."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidConsultTransition(consult_id, state, event)
    log.debug("consult %s: %s -[%s]-> %s", consult_id, state, event, target)
    return target
