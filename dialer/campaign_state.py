"""Campaign run state machine: whether a started campaign dials.

Theory of operation
-------------------
Starting a campaign loads its leads and makes it RUNNING: the pacing loop dials for it. PAUSE
stops new dials and keeps the hopper; START resumes. STOP stops new dials for good: calls in
flight finish and are recorded, then the run is forgotten (a later START loads the leads again).
START while STOPPED, before those calls are over, runs it again with the hopper it has. A
stopped run cannot be paused: there is nothing left to resume but a start.

No state here is transient (an operator decides), so none has a timeout. The values are what
``hotline dialer status`` and the control socket show, so they never change.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from dialer.errors import DialerError

log = logging.getLogger("hotline.dialer")


class CampaignState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"  # its last calls in flight are finishing


class CampaignEvent(StrEnum):
    START = "start"
    PAUSE = "pause"
    STOP = "stop"


S, E = CampaignState, CampaignEvent

TRANSITIONS: dict[tuple[CampaignState, CampaignEvent], CampaignState] = {
    (S.RUNNING, E.START): S.RUNNING,
    (S.RUNNING, E.PAUSE): S.PAUSED,
    (S.RUNNING, E.STOP): S.STOPPED,
    (S.PAUSED, E.START): S.RUNNING,
    (S.PAUSED, E.PAUSE): S.PAUSED,
    (S.PAUSED, E.STOP): S.STOPPED,
    (S.STOPPED, E.START): S.RUNNING,
    (S.STOPPED, E.STOP): S.STOPPED,
}


class InvalidCampaignTransition(DialerError):
    """The campaign cannot take this command in its current state (e.g. pause once stopped)."""

    error_id = "campaign_invalid_transition"

    def __init__(self, campaign: str, state: CampaignState, event: CampaignEvent) -> None:
        self.campaign, self.state, self.event = campaign, state, event
        super().__init__(f"campaign {campaign} cannot {event.value} while {state.value}"
                         + ("; start it again instead" if state == S.STOPPED else ""))


def step(campaign: str, state: CampaignState, event: CampaignEvent) -> CampaignState:
    """The state after ``event``; raise `InvalidCampaignTransition` if the table has no such move."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidCampaignTransition(campaign, state, event)
    log.debug("campaign %s: %s -[%s]-> %s", campaign, state, event, target)
    return target
