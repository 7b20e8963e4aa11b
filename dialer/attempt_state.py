"""Dial attempt state machine: one originated call to one lead, from dialing to its outcome.

Theory of operation
-------------------
An attempt is RINGING once the Originate is sent. Asterisk's OriginateResponse either says the
person picked up (ANSWERED -> AMD) or that the call never connected (BUSY, NO_ANSWER, FAILED:
final). The answered call's own FastAGI session (`cti.calls.outbound`) runs AMD: a person
(AMD_HUMAN -> LIVE) is queued for an agent, a machine (AMD_MACHINE -> ON_MACHINE) hears the
campaign's message. An agent answering the person makes the attempt CONNECTED. When the session
ends it reports the outcome, which is the final state: HUMAN (talked to an agent), MACHINE, or
DROPPED (no agent within the safe harbor, or the person hung up first).

The final states' values are the outcomes written to `DialAttemptRecord.outcome` and counted per
campaign, so they never change. The pacer counts the transient ones: RINGING (by age), AMD, and
LIVE = a person waiting for an agent (CONNECTED is no longer waiting).

Races the table allows, because Asterisk does not order them for us:

* the FastAGI session may start before AMI delivers OriginateResponse: AMD_HUMAN / AMD_MACHINE /
  DROPPED straight from RINGING, and a late ANSWERED leaves LIVE, ON_MACHINE or CONNECTED as is;
* an agent may answer after the ACD expired his reservation, so the ACD never reports him:
  HUMAN from LIVE; and a session may fail after the agent answered: DROPPED from CONNECTED.
  The session's own verdict is what is recorded.

Timeouts of the transient states: RINGING the campaign's ``ring_timeout_s`` (Asterisk's Originate
timeout, reported as NO_ANSWER); AMD the campaign's ``amd.total_analysis_ms``; LIVE the safe
harbor (2 s, then DROPPED); ON_MACHINE the message's length. CONNECTED is a conversation.
The first two are Asterisk's to report; when that report is lost (AMI reconnected, an event
dropped, an answered call whose FastAGI session never came), the service's watchdog ends the
attempt with LOST -> FAILED once `overdue` says so, and its lead is retried like any failure.
The other transient states belong to the answered call's session, which always ends them.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from dialer.errors import DialerError

log = logging.getLogger("hotline.dialer")


class AttemptState(StrEnum):
    RINGING = "ringing"  # originated; waiting for OriginateResponse
    AMD = "amd"  # answered; answering-machine detection running
    LIVE = "live"  # a person, waiting for an agent
    ON_MACHINE = "on_machine"  # a machine: the campaign's message plays
    CONNECTED = "connected"  # an agent answered the person
    # final: the outcome recorded
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    MACHINE = "machine"
    HUMAN = "human"
    DROPPED = "dropped"


class AttemptEvent(StrEnum):
    ANSWERED = "answered"  # OriginateResponse: success
    BUSY = "busy"  # OriginateResponse: busy / congestion
    NO_ANSWER = "no_answer"  # OriginateResponse: no answer, ring timeout
    FAILED = "failed"  # OriginateResponse: failure; or the Originate itself was refused
    AMD_HUMAN = "amd_human"  # AMD says a person (or AMD is off)
    AMD_MACHINE = "amd_machine"  # AMD says a machine
    AGENT_ANSWERED = "agent_answered"  # the ACD connected the person to an agent
    # the answered call's session is over; the event is its outcome
    HUMAN = "human"
    MACHINE = "machine"
    DROPPED = "dropped"
    LOST = "lost"  # the watchdog: Asterisk never reported on it (see `overdue`); recorded as failed


S, E = AttemptState, AttemptEvent

TRANSITIONS: dict[tuple[AttemptState, AttemptEvent], AttemptState] = {
    (S.RINGING, E.ANSWERED): S.AMD,
    (S.RINGING, E.BUSY): S.BUSY,
    (S.RINGING, E.NO_ANSWER): S.NO_ANSWER,
    (S.RINGING, E.FAILED): S.FAILED,
    (S.RINGING, E.AMD_HUMAN): S.LIVE,  # the session ran before OriginateResponse arrived
    (S.RINGING, E.AMD_MACHINE): S.ON_MACHINE,  # idem
    (S.RINGING, E.DROPPED): S.DROPPED,  # idem, and the person hung up during AMD
    (S.RINGING, E.LOST): S.FAILED,  # no OriginateResponse, no session: we cannot know more
    (S.AMD, E.AMD_HUMAN): S.LIVE,
    (S.AMD, E.AMD_MACHINE): S.ON_MACHINE,
    (S.AMD, E.DROPPED): S.DROPPED,  # hung up during AMD
    (S.AMD, E.LOST): S.FAILED,  # answered, but its session never reached us: nobody served it
    (S.LIVE, E.AGENT_ANSWERED): S.CONNECTED,
    (S.LIVE, E.DROPPED): S.DROPPED,  # safe harbor, nobody to take it, or hung up waiting
    (S.LIVE, E.HUMAN): S.HUMAN,  # answered after the ACD expired the reservation
    (S.LIVE, E.ANSWERED): S.LIVE,  # late OriginateResponse
    (S.ON_MACHINE, E.MACHINE): S.MACHINE,
    (S.ON_MACHINE, E.ANSWERED): S.ON_MACHINE,  # late OriginateResponse
    (S.CONNECTED, E.HUMAN): S.HUMAN,
    (S.CONNECTED, E.DROPPED): S.DROPPED,  # the session failed after the agent answered
    (S.CONNECTED, E.ANSWERED): S.CONNECTED,  # late OriginateResponse
}

FINAL = frozenset({S.BUSY, S.NO_ANSWER, S.FAILED, S.MACHINE, S.HUMAN, S.DROPPED})

REPORT_MARGIN_S = 15.0
"""How long past Asterisk's own bound we wait for its report before deciding it was lost. The
Originate's timeout and AMD's analysis time are when Asterisk gives up, not when we hear of it:
the hang-up, the OriginateResponse crossing a busy AMI link and the FastAGI connect all come
after, and a pacing tick or two (1 s each) passes before the watchdog looks. Too short ends live
calls under load; too long only keeps a line counted as ringing a little longer."""


def overdue(state: AttemptState, age_s: float, *, ring_timeout_s: float, amd_s: float) -> bool:
    """Whether an attempt ``age_s`` seconds into ``state`` should have been reported on by now:
    RINGING past the Originate's ``ring_timeout_s``, AMD past AMD's total analysis time ``amd_s``
    (0 when AMD is off), each plus `REPORT_MARGIN_S`. Other states are never overdue here."""
    bound = {S.RINGING: ring_timeout_s, S.AMD: amd_s}.get(state)
    return bound is not None and age_s > bound + REPORT_MARGIN_S


class InvalidAttemptTransition(DialerError):
    """The attempt cannot take this event in its current state."""

    error_id = "attempt_invalid_transition"

    def __init__(self, attempt_id: str, state: AttemptState, event: AttemptEvent) -> None:
        self.attempt_id, self.state, self.event = attempt_id, state, event
        super().__init__(f"attempt {attempt_id} cannot take {event.value} while {state.value}")


def step(attempt_id: str, state: AttemptState, event: AttemptEvent) -> AttemptState:
    """The state after ``event``; raise `InvalidAttemptTransition` if the table has no such move."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidAttemptTransition(attempt_id, state, event)
    log.debug("attempt %s: %s -[%s]-> %s", attempt_id, state, event, target)
    return target
