"""A caller's wait in an ACD queue (`QueueCall`): a real ACD (router + service) on a fake clock,
a fake media session that moves the clock. With real calls: tests/integration/test_acd_calls.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd import Agent, QueueSpec, Router, Task
from acd.errors import UnknownQueue
from cti.agi import CallerHungUp
from cti.calls.flow_runner import FlowRunner
from cti.calls.queue_call import Announcer, QueueCall
from cti.calls.queue_stay import QueueStay
from cti.services.acd import AcdService
from cti.store.models import QueueLogRecord
from ivr.loader import load_flow
from ivr.stepper import Enqueue
from tests.support.timed_call import Clock, TimedCall as FakeCall, ticking
from tests.support.sinks import RecordingSink

START = 100.0
REPO = Path(__file__).resolve().parents[2]


class World:
    def __init__(self, **spec) -> None:
        self.clock, self.sink = Clock(START), RecordingSink()
        self.spec = QueueSpec("billing", {"billing": 1}, wrapup_s=5, ring_timeout_s=20, **spec)
        agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}),
                  "B": Agent("B", "Bob", "PJSIP/B", {"billing": 5})}
        self.acd = AcdService(Router({"billing": self.spec}, agents), self.sink, clock=self.clock)
        self.call = FakeCall(self.clock, on_answer=self.acd.on_dial_answered)

    def ready(self, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            self.acd.agent_command(agent_id, "login")
            self.clock.now += 1  # A, logged in first, is the longest idle

    def away(self, agent_id: str) -> None:
        self.acd.agent_command(agent_id, "login")
        self.acd.agent_command(agent_id, "pause", "break")

    def queue_call(self, **options) -> QueueCall:
        task = Task(self.call.uniqueid, "billing", 0, self.clock.now, attributes={"tier": "gold"})
        return QueueCall(self.acd, self.call, task, self.spec, None, **options)

    def log(self) -> list[tuple[str, str | None, float | None]]:
        return [(str(r.event), r.agent_id, r.wait_s if r.wait_s is None else round(r.wait_s, 3))
                for r in self.sink.records if isinstance(r, QueueLogRecord)]

    def state(self, agent_id: str) -> str:
        return str(self.acd.router.agent(agent_id).state)


async def test_ready_agent_is_rung_at_once_and_the_answered_call_ends_in_wrap_up():
    world = World()
    world.ready("A")
    outcome = await world.queue_call().run()

    assert (outcome.result, outcome.agent, outcome.wait_s, outcome.talk_s, outcome.queue) == \
        ("answered", "A", 0.0, 30, "billing")
    assert world.call.actions == [("music_on",), ("music_off",), ("dial", "PJSIP/A", 18, "gt")]
    assert world.log() == [("enqueue", None, None), ("offer", "A", None), ("answer", "A", 2.0)]
    assert world.state("A") == "wrap_up"


async def test_agent_who_does_not_answer_is_paused_and_the_next_agent_takes_the_call():
    world = World()
    world.ready("A", "B")
    world.call.dials["PJSIP/A"] = ["NOANSWER"]
    outcome = await world.queue_call().run()

    assert (outcome.result, outcome.agent, outcome.wait_s) == ("answered", "B", 18.0)
    assert world.call.did("dial") == [("dial", "PJSIP/A", 18, "gt"), ("dial", "PJSIP/B", 18, "gt")]
    assert world.call.did("music_on") == [("music_on",)] * 2  # back on hold between the two
    assert world.log() == [("enqueue", None, None), ("offer", "A", None), ("no_answer", "A", None),
                           ("offer", "B", None), ("answer", "B", 20.0)]
    assert (world.state("A"), world.state("B")) == ("paused", "wrap_up")


async def test_agent_back_from_a_break_gets_the_waiting_caller_within_one_poll():
    world = World()
    world.away("A")
    world.call.at(START + 7.2, lambda: world.acd.agent_command("A", "ready"))
    outcome = await world.queue_call().run()

    assert (outcome.result, outcome.agent, outcome.wait_s) == ("answered", "A", 7.5)
    assert world.call.did("wait") == [("wait", 500)] * 15


async def test_caller_hanging_up_while_waiting_is_logged_as_abandoned():
    world = World()
    world.away("A")
    world.call.hang_up(START + 3)
    queue_call = world.queue_call()
    with pytest.raises(CallerHungUp):
        await queue_call.run()

    assert (queue_call.outcome.result, queue_call.outcome.wait_s) == ("caller_hangup", 3.0)
    assert world.log() == [("enqueue", None, None), ("abandon", None, 3.0)]
    assert world.acd.router.task(world.call.uniqueid) is None


async def test_caller_hanging_up_while_talking_is_an_answered_call():
    world = World()
    world.ready("A")
    world.call.dials["PJSIP/A"] = ["HANGUP"]
    queue_call = world.queue_call()
    with pytest.raises(CallerHungUp):
        await queue_call.run()

    assert (queue_call.outcome.result, queue_call.outcome.agent, queue_call.outcome.wait_s) == ("answered", "A", 0.0)
    assert [event for event, _, _ in world.log()] == ["enqueue", "offer", "answer"]
    assert world.state("A") == "wrap_up"


async def test_caller_waiting_past_the_queues_max_wait_leaves_with_timeout():
    world = World(max_wait_s=30)
    world.away("A")
    async with ticking(world.acd):
        outcome = await world.queue_call().run()

    assert (outcome.result, outcome.wait_s) == ("timeout", 30.0)
    assert world.log() == [("enqueue", None, None), ("timeout", None, 30.0)]


async def test_nobody_logged_in_refuses_the_caller_at_once():
    world = World()
    outcome = await world.queue_call().run()

    assert (outcome.result, outcome.wait_s) == ("nobody_logged_in", 0.0)
    assert world.call.actions == [("music_on",)]
    assert world.log() == [("enqueue", None, None), ("nobody", None, None)]


async def test_waiting_caller_hears_position_then_presses_1_for_a_call_back():
    world = World(announce_every_s=10)
    world.away("A")
    booked: list[Task] = []

    async def book(task: Task) -> bool:
        booked.append(task)
        return True

    world.call.press(START + 12.3, "1")
    command = Enqueue("billing", 0, "1")
    queue_call = QueueCall.for_command(world.acd, world.call, command, {"caller": "+86138"},
                                       Announcer(lambda name: f"/sounds/en/{name}"), book)
    outcome = await queue_call.run()

    assert (outcome.result, outcome.wait_s) == ("callback", 12.3)
    assert [task.attributes for task in booked] == [{"caller": "+86138"}]
    announcement = world.call.actions[world.call.actions.index(("music_off",)):][:9]
    assert announcement == [("music_off",), ("play", "queue_position"), ("say_number", 1), ("play", "queue_in_line"),
                            ("play", "queue_ewt"), ("say_number", 3), ("play", "minutes"),
                            ("play", "queue_callback_offer"), ("music_on",)]
    assert world.call.actions.index(("music_off",)) == 21  # after 10 s of 500 ms polls
    assert world.log() == [("enqueue", None, None), ("callback", None, 12.3)]


async def test_failed_call_back_booking_keeps_the_caller_waiting_and_stops_offering_it():
    world = World(max_wait_s=5)
    world.away("A")
    world.call.press(START + 1, "1")
    world.call.press(START + 2, "1")
    queue_call = QueueCall.for_command(world.acd, world.call, Enqueue("billing", 0, "1"), {},
                                       Announcer(lambda name: name), lambda task: _false())
    world.call.at(START + 4, lambda: world.acd.agent_command("A", "ready"))
    outcome = await queue_call.run()

    assert (outcome.result, outcome.agent) == ("answered", "A")
    assert queue_call.callback_key == "" and queue_call.announce.offer_callback_key == ""


def test_unknown_queue_is_the_acds_own_error():
    world = World()
    with pytest.raises(UnknownQueue) as info:
        QueueCall.for_command(world.acd, world.call, Enqueue("nowhere", 0, ""), {}, Announcer(str))
    assert info.value.queue == "nowhere" and info.value.error_id == UnknownQueue.error_id


def test_safe_harbor_wait_takes_no_announcer_or_call_back():
    world = World()
    task = Task("t", "billing", 0, START)
    with pytest.raises(ValueError):
        QueueCall(world.acd, world.call, task, world.spec, Announcer(str), safe_harbor_s=2)


async def _false() -> bool:
    return False


async def test_queue_stay_follows_a_blind_transfer_with_the_callers_context():
    world = World()
    faults = QueueSpec("faults", {"faults": 1}, ring_timeout_s=20)
    agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"faults": 5})}
    router = Router({"billing": world.spec, "faults": faults}, agents)
    world.acd = acd = AcdService(router, world.sink, clock=world.clock)
    world.ready("A", "B")

    def answered(call_id: str) -> None:  # AMI's DialEnd; Alice passes the call on while talking
        acd.on_dial_answered(call_id)
        if acd.holder(call_id) == ("A", "billing"):
            acd.request_transfer("A", "faults")

    world.call.on_answer = answered
    stay = QueueStay(acd)
    result = await stay(world.call, Enqueue("billing", 3, ""), {"tier": "gold", "ivr_path": "start>menu"},
                        lambda name: name)

    assert (result, stay.queue, stay.outcome.agent) == ("answered", "faults", "B")
    assert world.call.did("dial") == [("dial", "PJSIP/A", 18, "gt"), ("dial", "PJSIP/B", 18, "gt")]
    assert acd.last_call["B"].attributes == {"tier": "gold", "ivr_path": "start>menu", "dialed": "10000",
                                             "transferred_from_agent": "A", "transferred_from_queue": "billing"}
    assert acd.last_call["B"].priority == 3


async def test_queue_stay_in_an_unknown_queue_is_nobody_logged_in():
    world = World()
    stay = QueueStay(world.acd)
    assert await stay(world.call, Enqueue("nowhere", 0, ""), {}, str) == "nobody_logged_in"
    assert (stay.queue, stay.outcome) == ("nowhere", None) and world.call.actions == []


async def test_flow_runner_hands_the_queue_node_and_the_callers_context_to_its_queue_handler():
    world = World()
    world.call.entries = ["0"]
    asked = []

    async def queue_handler(call, command, context, prompt_path) -> str:
        asked.append((call, command, dict(context), prompt_path("hold")))
        return "answered"

    flow = load_flow(REPO / "config/ivr/main.yaml")
    runner = FlowRunner(flow, REPO / "sounds", variables={"caller": "+86138"}, queue_handler=queue_handler)
    outcome = await runner.run(world.call)

    [(call, command, context, prompt)] = asked
    assert call is world.call and (command.queue, command.callback_key) == ("billing", "1")
    assert context == {"caller": "+86138", "ivr_path": "by_case>by_tier>welcome>menu>agent", "digits": "0"}
    assert prompt == str(REPO / "sounds/en/hold")
    assert outcome.disposition == "completed"


class ArmLog:
    """Stands in for the recorder: what QueueCall asked it to record."""

    def __init__(self) -> None:
        self.armed: list[tuple[str, str, str | None]] = []

    async def arm(self, call, mode: str, *, queue=None, campaign=None):
        self.armed.append((call.uniqueid, mode, queue))


async def test_a_recorded_queue_arms_the_recording_before_each_ring_and_a_plain_one_does_not():
    world = World(record="always")
    world.ready("B", "A")
    world.call.dials["PJSIP/B"] = ["NOANSWER"]  # B idles longest: rung first, no answer; then A
    recorder = ArmLog()
    outcome = await world.queue_call(recorder=recorder).run()
    assert outcome.result == "answered" and outcome.agent == "A"
    assert recorder.armed == [(world.call.uniqueid, "always", "billing")] * 2  # the recorder keeps one file

    plain, silent = World(), ArmLog()
    plain.ready("A")
    await plain.queue_call(recorder=silent).run()
    assert silent.armed == []
