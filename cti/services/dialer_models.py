"""What `cti.services.dialer.DialerService` keeps per running campaign and per attempt in flight.

Both move only through their pure state machines (`dialer.campaign_state`, `dialer.attempt_state`):
their ``step`` methods are the one place that writes ``CampaignRun.state`` and ``Attempt.phase``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialer import attempt_state, campaign_state
from dialer.attempt_state import AttemptEvent, AttemptState
from dialer.campaign import Campaign
from dialer.campaign_state import CampaignEvent, CampaignState
from dialer.hopper import Hopper
from dialer.leads import Lead
from dialer.pacing import Pacer
from dialer.stats import PacingStats


@dataclass
class Attempt:
    """One originated call to one lead, until its outcome is recorded."""

    id: str
    lead: Lead
    campaign: str
    started: float
    started_at: datetime
    phase: AttemptState = AttemptState.RINGING  # ringing -> amd -> live -> connected -> human | ...
    answered: float | None = None
    preview_agent: str | None = None  # preview mode: the agent who accepted the lead
    call_id: str | None = None  # a person waiting for an agent: the answered call's task id in the ACD

    def step(self, event: AttemptEvent) -> AttemptState:
        """Move by `dialer.attempt_state.TRANSITIONS` (anything else raises)."""
        self.phase = attempt_state.step(self.id, self.phase, event)
        return self.phase

    def age(self, now: float) -> float:
        """Seconds in its phase as the watchdog counts them: AMD from the answer, else from the dial."""
        since = self.answered if self.phase == AttemptState.AMD and self.answered is not None else self.started
        return now - since


@dataclass
class CampaignRun:
    """A started campaign: its hopper, pacer and statistics, and its attempts in flight."""

    campaign: Campaign
    hopper: Hopper
    pacer: Pacer
    stats: PacingStats
    state: CampaignState = CampaignState.RUNNING  # running | paused | stopped
    inflight: dict[str, Attempt] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    day: date | None = None  # the campaign's local date the pacer's abandonment day belongs to

    def step(self, event: CampaignEvent) -> CampaignState:
        """Move by `dialer.campaign_state.TRANSITIONS` (anything else raises)."""
        self.state = campaign_state.step(self.campaign.name, self.state, event)
        return self.state

    def roll_day(self, now: datetime) -> None:
        """The abandon cap counts per day in the campaign's own zone: a new date starts a new budget."""
        today = now.astimezone(ZoneInfo(self.campaign.default_timezone)).date()
        if self.day != today:
            self.day = today
            self.pacer.start_day()

    def overdue(self, now: float) -> list[Attempt]:
        """Attempts in flight Asterisk should have reported on by ``now`` (`attempt_state.overdue`)."""
        amd = self.campaign.amd
        amd_s = amd.total_analysis_ms / 1000 if amd.enabled else 0.0
        return [a for a in self.inflight.values() if attempt_state.overdue(
            a.phase, a.age(now), ring_timeout_s=self.campaign.ring_timeout_s, amd_s=amd_s)]
