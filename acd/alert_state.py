"""Volume alert state machine: one per (queue, kind), with hysteresis and hold times.

Theory of operation
-------------------
Each evaluation classifies one queue figure against its rule (`acd.alerts.observe`):

* BREACH — at or past the raise level (``waiting >= raise``; ``service level <= raise``);
* NORMAL — between the raise and the clear level (the hysteresis band);
* RECOVERED — at or past the clear level, or no figure at all (a quiet SL window);
* BREACH_HELD / RECOVERY_HELD — a breach (recovery) that has now lasted ``raise_after_s``
  (``clear_after_s``); with a zero hold the first breach (recovery) is already "held";
* RESET — the rule or the queue is gone (config reload): an alert up is cleared.

An alert is *raised* when the machine enters RAISED from CLEAR or PENDING, and *cleared* when it
enters CLEAR from RAISED or CLEARING. In between it moves without telling anybody: PENDING is a
breach that has not lasted long enough to raise; CLEARING a recovery that has not lasted long
enough to clear; a figure back in the band (NORMAL) cancels either. A figure bobbing around the
raise level therefore raises once and does not clear until it has been past the (different)
clear level for ``clear_after_s``: no flapping. ``TRANSITIONS`` is the whole machine; any other
pair raises `InvalidAlertTransition` (the classifier never produces one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from acd.errors import AcdError

log = logging.getLogger("hotline.alerts")


class AlertState(StrEnum):
    CLEAR = "clear"
    PENDING = "pending"  # breaching, not yet for raise_after_s
    RAISED = "raised"
    CLEARING = "clearing"  # recovered, not yet for clear_after_s


class Observation(StrEnum):
    BREACH = "breach"
    BREACH_HELD = "breach_held"
    NORMAL = "normal"
    RECOVERED = "recovered"
    RECOVERY_HELD = "recovery_held"
    RESET = "reset"


S, O = AlertState, Observation

TRANSITIONS: dict[tuple[AlertState, Observation], AlertState] = {
    (S.CLEAR, O.BREACH): S.PENDING,
    (S.CLEAR, O.BREACH_HELD): S.RAISED,
    (S.CLEAR, O.NORMAL): S.CLEAR,
    (S.CLEAR, O.RECOVERED): S.CLEAR,
    (S.CLEAR, O.RESET): S.CLEAR,
    (S.PENDING, O.BREACH): S.PENDING,
    (S.PENDING, O.BREACH_HELD): S.RAISED,
    (S.PENDING, O.NORMAL): S.CLEAR,
    (S.PENDING, O.RECOVERED): S.CLEAR,
    (S.PENDING, O.RESET): S.CLEAR,
    (S.RAISED, O.BREACH): S.RAISED,
    (S.RAISED, O.NORMAL): S.RAISED,
    (S.RAISED, O.RECOVERED): S.CLEARING,
    (S.RAISED, O.RECOVERY_HELD): S.CLEAR,
    (S.RAISED, O.RESET): S.CLEAR,
    (S.CLEARING, O.BREACH): S.RAISED,
    (S.CLEARING, O.NORMAL): S.RAISED,
    (S.CLEARING, O.RECOVERED): S.CLEARING,
    (S.CLEARING, O.RECOVERY_HELD): S.CLEAR,
    (S.CLEARING, O.RESET): S.CLEAR,
}

UP = frozenset({S.RAISED, S.CLEARING})  # states in which the alert is shown as active


class InvalidAlertTransition(AcdError):
    error_id = "alert_invalid_transition"

    def __init__(self, key: str, state: AlertState, observation: Observation) -> None:
        self.state, self.event = state, observation
        super().__init__(f"alert {key} cannot see {observation.value} while {state.value}")


class Change(StrEnum):
    RAISED = "raised"
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Track:
    """Where one (queue, kind) alert is: its state, since when (``now`` floats), raised when."""

    state: AlertState = S.CLEAR
    since: float = 0.0
    raised_at: float | None = None


def step(key: str, track: Track, observation: Observation, now: float) -> tuple[Track, Change | None]:
    """The next track and whether the alert was raised or cleared by this move."""
    target = TRANSITIONS.get((track.state, observation))
    if target is None:
        raise InvalidAlertTransition(key, track.state, observation)
    if target is track.state:
        return track, None
    log.debug("alert %s: %s -[%s]-> %s", key, track.state, observation, target)
    if target is S.RAISED and track.state not in UP:
        return Track(target, now, now), Change.RAISED
    if target is S.CLEAR and track.state in UP:
        return Track(target, now, None), Change.CLEARED
    return Track(target, now, track.raised_at), None
