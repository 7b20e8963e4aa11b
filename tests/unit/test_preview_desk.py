"""Preview campaigns: an agent sees a lead before it is dialed (real ACD and hopper, fake dialer, fake clock)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest

from acd import Agent, QueueSpec, Router
from cti.services.acd import AcdService
from cti.services.preview import PreviewDesk
from dialer.campaign import Campaign
from dialer.hopper import Hopper
from dialer.leads import Lead, LeadStatus
from tests.support.clock import FakeClock
from tests.support.sinks import RecordingSink

CAMPAIGN = Campaign(name="reminders", kind="payment_reminder", mode="preview", queue="collections",
                    caller_id="+8602160000000", safe_harbor_prompt="safe_harbor",
                    script="Remind the customer of invoice {invoice}.",
                    screen_pop=[{"key": "invoice", "label": "Invoice"}, {"key": "amount"}])


@dataclass
class Run:
    campaign: Campaign
    hopper: Hopper


class Dialer:
    """What the desk uses of the dialer service: its runs, a campaign's agents, and dialing a lead."""

    def __init__(self, acd: AcdService) -> None:
        self.acd = acd
        self.runs: dict[str, Run] = {}
        self.dials: list[tuple[str, str, str | None]] = []
        self.dialed = asyncio.Event()

    def campaign_agents(self, campaign: Campaign) -> list[Agent]:
        spec = self.acd.router.queues[campaign.queue]
        return [a for a in self.acd.router.agents.values()
                if all(a.skills.get(s, 0) >= level for s, level in spec.skills.items())]

    async def dial(self, run: Run, lead: Lead, preview_agent: str | None = None) -> None:
        self.dials.append((run.campaign.name, lead.id, preview_agent))
        self.dialed.set()


class World:
    def __init__(self, *leads: Lead) -> None:
        self.clock = FakeClock()
        agents = {i: Agent(i, f"Agent {i}", f"PJSIP/{i}", {"collections": 5}) for i in "ABC"}
        agents["X"] = Agent("X", "Other", "PJSIP/X", {"billing": 5})  # not qualified for the campaign
        self.acd = AcdService(Router({"collections": QueueSpec("collections", {"collections": 1})}, agents),
                              RecordingSink(), clock=self.clock, wall=self.clock.wall)
        self.dialer = Dialer(self.acd)
        self.notes: list[tuple[str, dict]] = []
        self.desk = PreviewDesk(self.dialer, self.acd, lambda kind, payload: self.notes.append((kind, payload)),
                                now=self.clock.wall)
        self.run = self.dialer.runs[CAMPAIGN.name] = Run(CAMPAIGN, Hopper(CAMPAIGN))
        self.run.hopper.extend(list(leads), self.clock.wall())

    def agent(self, agent_id: str, *commands: str) -> None:
        for command in commands:
            self.acd.agent_command(agent_id, *command.split(":"))

    def state(self, agent_id: str) -> tuple[str, str]:
        agent = self.acd.router.agent(agent_id)
        return str(agent.state), agent.pause_reason


def lead(lead_id: str, number: str, **kw: object) -> Lead:
    return Lead(id=lead_id, campaign=CAMPAIGN.name, number=number, timezone="Asia/Shanghai", **kw)  # type: ignore[arg-type]


def _world() -> World:
    return World(lead("L1", "+8613800138001", name="Li Lei", priority=5, data={"invoice": "INV-7", "amount": "120"}),
                 lead("L2", "+8613800138002", name="Han Meimei"))


def test_only_a_ready_agent_of_the_campaign_is_offered_a_lead_and_is_paused_for_preview() -> None:
    world = _world()
    world.agent("A", "login")
    world.agent("B", "login", "pause:lunch")
    world.agent("X", "login")
    world.desk.tick(world.run)
    assert world.state("A") == ("paused", "preview")  # the ACD offers him no other call meanwhile
    assert world.state("B") == ("paused", "lunch") and world.state("X") == ("ready", "")
    assert world.notes == [("preview", {
        "agent": "A", "campaign": "reminders", "lead": "L1", "number": "+8613800138001", "name": "Li Lei",
        "fields": {"invoice": "INV-7", "amount": "120"}, "script": "Remind the customer of invoice {invoice}."})]
    assert len(world.run.hopper) == 1


def test_an_agent_holding_a_preview_gets_no_second_lead_and_an_empty_hopper_offers_nothing() -> None:
    world = World(lead("L1", "+8613800138001"))
    world.agent("A", "login")
    world.desk.tick(world.run)
    world.agent("A", "ready")  # pressed Ready on the desktop with the preview still open
    world.agent("B", "login")
    world.desk.tick(world.run)
    assert [payload["agent"] for _, payload in world.notes] == ["A"]
    assert world.state("B") == ("ready", "")


def test_skip_puts_the_lead_back_for_thirty_minutes_and_frees_the_agent_for_the_next_one() -> None:
    world = _world()
    world.agent("A", "login")
    world.desk.tick(world.run)
    assert world.desk.decide("A", accept=False) == {"campaign": "reminders", "lead": "L1", "skipped": True}
    assert world.state("A") == ("ready", "")
    assert len(world.run.hopper) == 2  # L1 is back, not due yet
    world.desk.tick(world.run)
    assert [payload["lead"] for _, payload in world.notes] == ["L1", "L2"]  # not L1 again
    world.desk.decide("A", accept=False)
    world.clock.advance(30 * 60 - 1)
    assert world.run.hopper.next_batch(5, world.clock.wall()) == []
    assert world.dialer.dials == []


def test_a_skipped_lead_is_offered_again_thirty_minutes_later() -> None:
    world = World(lead("L1", "+8613800138001"))
    world.agent("A", "login")
    world.desk.tick(world.run)
    skipped_at = world.clock.wall()
    world.desk.decide("A", accept=False)
    world.clock.advance(30 * 60)
    world.desk.tick(world.run)
    assert [payload["lead"] for _, payload in world.notes] == ["L1", "L1"]
    assert world.run.hopper.dropped == {}
    assert world.desk.offers["A"].lead.next_attempt_at == skipped_at + timedelta(minutes=30)


async def test_accept_dials_the_lead_with_the_agents_id_and_keeps_him_for_that_call() -> None:
    world = _world()
    world.agent("A", "login")
    world.desk.tick(world.run)
    assert world.desk.decide("A", accept=True) == {"campaign": "reminders", "lead": "L1",
                                                    "dialing": "+8613800138001"}
    await asyncio.wait_for(world.dialer.dialed.wait(), 2.0)
    assert world.dialer.dials == [("reminders", "L1", "A")]
    assert world.state("A") == ("paused", "preview")  # until the call reaches him or the attempt fails
    assert world.run.hopper.next_batch(5, world.clock.wall())[0].status is LeadStatus.DIALING  # L2 only


async def test_attempt_over_frees_the_agent_who_previewed_it_and_nobody_else() -> None:
    world = _world()
    world.agent("A", "login")
    world.desk.tick(world.run)
    world.desk.decide("A", accept=True)
    await asyncio.wait_for(world.dialer.dialed.wait(), 2.0)
    world.agent("B", "login", "pause:lunch")
    world.desk.attempt_over(None)  # an attempt of a non-preview campaign
    world.desk.attempt_over("B")  # paused for another reason: stays paused
    assert (world.state("A"), world.state("B")) == (("paused", "preview"), ("paused", "lunch"))
    world.desk.attempt_over("A")
    assert world.state("A") == ("ready", "")


def test_deciding_without_a_preview_is_refused() -> None:
    world = _world()
    world.agent("A", "login")
    with pytest.raises(LookupError, match="no lead in preview"):
        world.desk.decide("A", accept=True)


def test_deciding_after_the_campaign_stopped_frees_the_agent_and_says_why() -> None:
    world = _world()
    world.agent("A", "login")
    world.desk.tick(world.run)
    del world.dialer.runs[CAMPAIGN.name]
    with pytest.raises(LookupError, match="no longer running"):
        world.desk.decide("A", accept=True)
    assert world.state("A") == ("ready", "") and world.dialer.dials == []
