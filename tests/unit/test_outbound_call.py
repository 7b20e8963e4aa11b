"""An answered dialer call (`OutboundCalls`): AMD, then an agent within the safe-harbor time or the
safe-harbor message. A real ACD on a fake clock, a fake media session, a dialer that only records.
With real calls: tests/integration/test_dialer_calls.py."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from acd import Agent, QueueSpec, Router
from cti.calls.outbound import OutboundCalls
from cti.services.acd import AcdService
from cti.services.dialer import Attempt
from cti.store.models import QueueLogRecord
from dialer.campaign import Campaign
from dialer.leads import Lead
from tests.support.timed_call import Clock, TimedCall as FakeCall, ticking
from tests.support.sinks import RecordingSink

START = 100.0
CAMPAIGN = Campaign.model_validate({"name": "reminder", "kind": "payment_reminder", "queue": "sales",
                                    "caller_id": "+861000", "safe_harbor_prompt": "safe_harbor",
                                    "machine_prompt": "reminder_message"})
AMD_ARGS = ("AMD", "2500", "1500", "800", "5000", "100", "50", "2", "256")


class Dialer:
    """Records what the call use case tells the dialer."""

    def __init__(self, attempt: Attempt) -> None:
        self._attempt = attempt
        self.classified_live: list[bool] = []
        self.finished: list[tuple[str, dict]] = []
        self.preview = self
        self.over: list[str | None] = []

    def attempt(self, attempt_id: str) -> Attempt | None:
        return self._attempt if attempt_id == self._attempt.id else None

    def campaign(self, name: str) -> Campaign | None:
        return CAMPAIGN if name == CAMPAIGN.name else None

    def classified(self, attempt: Attempt, live: bool, call_id: str | None = None) -> None:
        self.classified_live.append(live)

    def finish(self, attempt_id: str, outcome: str, **fields) -> None:
        self.finished.append((outcome, fields))

    def attempt_over(self, agent_id: str | None) -> None:  # the preview desk's
        self.over.append(agent_id)


class World:
    def __init__(self, amd: str = "HUMAN", *, safe_harbor_s: float = 2.0, **spec) -> None:
        self.clock, self.sink = Clock(START), RecordingSink()
        self.spec = QueueSpec("sales", {"sales": 1}, ring_timeout_s=20, **spec)
        agents = {"A": Agent("A", "Alice", "PJSIP/A", {"sales": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"sales": 5})}
        self.acd = AcdService(Router({"sales": self.spec}, agents), self.sink, clock=self.clock)
        lead = Lead("lead-1", "reminder", "+8613900000001", "Asia/Shanghai", name="Li Lei", data={"amount": "42"})
        attempt = Attempt("att-1", lead, "reminder", START, datetime.now(timezone.utc), preview_agent="A")
        self.dialer = Dialer(attempt)
        self.outbound = OutboundCalls(self.dialer, self.acd, Path("/sounds"), safe_harbor_s=safe_harbor_s)
        self.call = FakeCall(self.clock, "1700000000.5", on_answer=self.acd.on_dial_answered,
                             variables={"HOTLINE_ATTEMPT": "att-1", "AMDSTATUS": amd, "AMDCAUSE": amd.lower()})

    def away(self, agent_id: str) -> None:
        self.acd.agent_command(agent_id, "login")
        self.acd.agent_command(agent_id, "pause", "break")

    def log(self) -> list[tuple[str, str | None, float | None]]:
        return [(str(r.event), r.agent_id, r.wait_s if r.wait_s is None else round(r.wait_s, 3))
                for r in self.sink.records if isinstance(r, QueueLogRecord)]

    def finished(self) -> tuple[str, dict]:
        [(outcome, fields)] = self.dialer.finished
        return outcome, {k: v for k, v in fields.items() if k != "call_id"}


async def test_answering_machine_hears_the_campaign_message_and_never_reaches_the_queue():
    world = World("MACHINE")
    await world.outbound.handle(world.call)

    assert world.finished() == ("machine", {"amd": ("MACHINE", "machine")})
    assert world.dialer.classified_live == [False]
    assert world.call.did("exec") == [("exec", *AMD_ARGS)]
    assert world.call.did("play") == [("play", "reminder_message")] and world.call.hung_up
    assert world.log() == [] and world.dialer.over == []


async def test_human_is_put_through_to_a_ready_agent_without_music():
    world = World()
    world.acd.agent_command("A", "login")
    await world.outbound.handle(world.call)

    assert world.finished() == ("human", {"amd": ("HUMAN", "human"), "wait_s": 0.0, "agent": "A", "talk_s": 30})
    assert world.dialer.classified_live == [True] and world.dialer.over == ["A"]
    assert world.call.did("dial") == [("dial", "PJSIP/A", 18, "gt")]
    assert not world.call.did("music_on") and not world.call.did("play")
    assert world.log() == [("enqueue", None, None), ("offer", "A", None), ("answer", "A", 2.0)]
    task = world.acd.last_call["A"]
    assert (task.priority, task.attributes) == (100, {"campaign": "reminder", "number": "+8613900000001",
                                                      "name": "Li Lei", "amount": "42"})


async def test_human_with_no_agent_within_the_safe_harbor_time_is_dropped_with_the_message():
    world = World()
    world.away("A")
    await world.outbound.handle(world.call)

    assert world.finished() == ("dropped", {"amd": ("HUMAN", "human"), "wait_s": 2.0})
    assert world.call.did("wait") == [("wait", 500)] * 4
    assert world.call.did("play") == [("play", "safe_harbor")] and world.call.hung_up
    assert world.log() == [("enqueue", None, None), ("abandon", None, 2.0)]
    assert world.acd.router.task(world.call.uniqueid) is None


async def test_last_poll_of_a_safe_harbor_wait_ends_on_the_deadline():
    world = World(safe_harbor_s=1.2)
    world.away("A")
    await world.outbound.handle(world.call)

    assert world.call.did("wait") == [("wait", 500), ("wait", 500), ("wait", 200)]
    assert world.log() == [("enqueue", None, None), ("abandon", None, 1.2)]


async def test_agent_freed_within_the_safe_harbor_time_is_rung_as_usual():
    world = World()
    world.away("A")
    world.call.at(START + 1.2, lambda: world.acd.agent_command("A", "ready"))
    await world.outbound.handle(world.call)

    assert world.finished() == ("human", {"amd": ("HUMAN", "human"), "wait_s": 1.5, "agent": "A", "talk_s": 30})
    assert [event for event, _, _ in world.log()] == ["enqueue", "offer", "answer"]


async def test_agent_who_does_not_answer_gives_the_person_a_new_safe_harbor_wait_then_the_drop():
    world = World()
    world.acd.agent_command("A", "login")
    world.call.dials["PJSIP/A"] = ["NOANSWER"]
    await world.outbound.handle(world.call)

    assert world.finished() == ("dropped", {"amd": ("HUMAN", "human"), "wait_s": 20.0})
    assert world.log() == [("enqueue", None, None), ("offer", "A", None), ("no_answer", "A", None),
                           ("abandon", None, 20.0)]


async def test_nobody_logged_in_is_a_drop_at_once():
    world = World()
    await world.outbound.handle(world.call)

    assert world.finished() == ("dropped", {"amd": ("HUMAN", "human"), "wait_s": 0.0})
    assert world.call.did("play") == [("play", "safe_harbor")]
    assert world.log() == [("enqueue", None, None), ("nobody", None, None)]


async def test_router_timing_the_call_out_first_is_a_drop_too():
    world = World(max_wait_s=1)
    world.away("A")
    async with ticking(world.acd):
        await world.outbound.handle(world.call)

    assert world.finished() == ("dropped", {"amd": ("HUMAN", "human"), "wait_s": 1.0})
    assert world.log() == [("enqueue", None, None), ("timeout", None, 1.0)]


async def test_person_hanging_up_while_waiting_is_an_abandoned_drop_without_the_message():
    world = World()
    world.away("A")
    world.call.hang_up(START + 1)
    await world.outbound.handle(world.call)

    assert world.finished() == ("dropped", {"amd": ("HUMAN", "human")})
    assert not world.call.did("play")
    assert world.log() == [("enqueue", None, None), ("abandon", None, 1.0)]


async def test_person_hanging_up_on_the_agent_is_a_human_call():
    world = World()
    world.acd.agent_command("A", "login")
    world.call.dials["PJSIP/A"] = ["HANGUP"]
    await world.outbound.handle(world.call)

    assert world.finished() == ("human", {"amd": ("HUMAN", "human"), "wait_s": 0.0, "agent": "A", "talk_s": 30.0})  # from the answer (ACD clock): Dial never returned
    assert str(world.acd.router.agent("A").state) == "wrap_up"


async def test_call_without_a_live_attempt_is_hung_up():
    world = World()
    world.call.variables["HOTLINE_ATTEMPT"] = "gone"
    await world.outbound.handle(world.call)

    assert world.call.did("set") == [("set", "HOTLINE_DONE", "1")] and world.call.hung_up
    assert world.dialer.finished == [] and world.log() == []


async def test_campaign_queue_missing_from_the_acd_config_drops_the_person():
    world = World()
    world.dialer.campaign = lambda name: CAMPAIGN.model_copy(update={"queue": "elsewhere"})
    await world.outbound.handle(world.call)

    assert world.finished() == ("dropped", {"amd": ("HUMAN", "human"), "wait_s": None})
    assert world.call.did("play") == [("play", "safe_harbor")] and world.log() == []


class FakeRecorder:
    def __init__(self) -> None:
        self.live: dict[str, str] = {}
        self.finished: list[tuple[str, str | None, str]] = []

    async def arm(self, call, mode: str, *, queue=None, campaign=None):
        self.live[call.uniqueid] = f"{mode} {queue} {campaign}"

    async def finish(self, call_id: str, *, agent=None, queue=None):
        self.finished.append((self.live.pop(call_id), agent, queue))


async def test_a_recorded_campaign_records_its_answered_person_with_the_agent():
    import asyncio

    world = World()
    recorder = FakeRecorder()
    world.outbound = OutboundCalls(world.dialer, world.acd, Path("/sounds"), recorder=recorder)
    world.dialer.campaign = lambda name: CAMPAIGN.model_copy(update={"record": "always"})  # the queue: never
    world.acd.agent_command("A", "login")
    await world.outbound.handle(world.call)
    await asyncio.gather(*world.outbound._finishing)
    assert recorder.finished == [("always sales reminder", "A", "sales")]
