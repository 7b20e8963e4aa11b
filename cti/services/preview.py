"""Preview mode: an agent sees the next lead (name, number, script fields) and decides to call.

Theory of operation: for a running preview campaign, every agent of its queue who is ready and
has no preview gets one: the agent is paused with reason `preview` (so the ACD offers him no
other call meanwhile) and a `preview` event carries the lead to his desktop (MQTT screen pop).
Accept: the lead is dialed with the agent's id on the attempt; when the person answers, the
agent is made ready and the call is queued at top priority, so it reaches him (every other
agent of a preview campaign is busy previewing or talking). Skip: the lead goes back to the
hopper and the agent is ready for the next one. An attempt that never reaches a person frees
the agent the same way. A lead whose booking was withdrawn while in preview (CANCELLING) is not
dialed whatever the agent decides: it is CANCELLED and the agent made ready.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from acd.models import AgentState
from dialer.lead_state import LeadEvent, apply
from dialer.leads import Lead, LeadStatus

log = logging.getLogger("hotline.dialer")
PREVIEW_REASON = "preview"
SKIP_DELAY = timedelta(minutes=30)


@dataclass
class Preview:
    campaign: str
    lead: Lead


class PreviewDesk:
    """Hands leads of preview campaigns to agents and acts on their decision."""

    def __init__(self, dialer, acd, notify: Callable[[str, dict], None], *,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.dialer, self.acd, self.notify, self.now = dialer, acd, notify, now
        self.offers: dict[str, Preview] = {}
        self._tasks: set[asyncio.Task] = set()

    def tick(self, run) -> None:
        """Offer a lead to every free agent of this preview campaign's queue."""
        for agent in self.dialer.campaign_agents(run.campaign):
            if agent.state != AgentState.READY or agent.id in self.offers:
                continue
            batch = run.hopper.next_batch(1, self.now())
            if not batch:
                return
            self._offer(run, agent.id, batch[0])

    def _offer(self, run, agent_id: str, lead: Lead) -> None:
        self.acd.agent_command(agent_id, "pause", PREVIEW_REASON)
        self.offers[agent_id] = Preview(run.campaign.name, lead)
        fields = {f.key: lead.data.get(f.key, "") for f in run.campaign.screen_pop}
        self.notify("preview", {"agent": agent_id, "campaign": run.campaign.name, "lead": lead.id,
                                "number": lead.number, "name": lead.name, "fields": fields,
                                "script": run.campaign.script})
        log.info("campaign %s: lead %s previewed by agent %s", run.campaign.name, lead.number, agent_id)

    def decide(self, agent_id: str, accept: bool) -> dict:
        preview = self.offers.pop(agent_id, None)
        if preview is None:
            raise LookupError(f"agent {agent_id} has no lead in preview")
        run = self.dialer.runs.get(preview.campaign)
        if run is None:
            self._free(agent_id)
            raise LookupError(f"campaign {preview.campaign} is no longer running")
        if preview.lead.status is LeadStatus.CANCELLING:  # its booking was withdrawn while previewed
            apply(preview.lead, LeadEvent.SKIP)
            self.dialer.saves.save(preview.lead)
            self._free(agent_id)
            return {"campaign": preview.campaign, "lead": preview.lead.id, "cancelled": True}
        if accept:
            task = asyncio.get_running_loop().create_task(self.dialer.dial(run, preview.lead, agent_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return {"campaign": preview.campaign, "lead": preview.lead.id, "dialing": preview.lead.number}
        now = self.now()
        apply(preview.lead, LeadEvent.SKIP)  # DIALING since the hopper handed it out: dialable again
        preview.lead.next_attempt_at = now + SKIP_DELAY
        run.hopper.add(preview.lead, now)
        self._free(agent_id)
        return {"campaign": preview.campaign, "lead": preview.lead.id, "skipped": True}

    def _free(self, agent_id: str) -> None:
        agent = self.acd.agent(agent_id)
        if agent is not None and agent.state == AgentState.PAUSED and agent.pause_reason == PREVIEW_REASON:
            self.acd.agent_command(agent_id, "ready")

    def attempt_over(self, agent_id: str | None) -> None:
        """The previewed call ended without the agent talking (busy, no answer, machine...)."""
        if agent_id:
            self._free(agent_id)
