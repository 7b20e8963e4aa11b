"""Consult transfers, engine side: what `Consults` refuses, asks of AMI and records (real ACD and
registry fed with AMI events; a recording AMI). With real calls: tests/integration/test_consult_calls.py."""

from __future__ import annotations

import pytest
from panoramisk.message import Message

from acd import Agent, QueueSpec, Router, Task
from acd.inbox import Offered
from cti.services.acd import AcdService
from cti.ami import events as ev
from cti.ami.client import AmiError
from cti.calls.consult import Consults
from cti.calls.desk import DeskActions
from cti.ami.registry import CallRegistry
from cti.store.models import QueueLogRecord
from tests.support.sinks import RecordingSink
from tests.support.until import until

CALLER, LEG = "PJSIP/caller-00000001", "PJSIP/A-00000002"


class Ami:
    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[tuple] = []
        self.refuse = refuse

    async def atxfer(self, channel: str, context: str, exten: str) -> None:
        self.sent.append(("atxfer", channel, context, exten))
        if self.refuse:
            raise AmiError("Atxfer failed: No attended transfer feature code found")

    async def hangup(self, channel: str) -> None:
        self.sent.append(("hangup", channel))


class Leg:
    """Just enough of a FastAGI session for a consult leg that is turned away before any command."""

    def __init__(self, consult_id: str) -> None:
        self.script, self.uniqueid, self.env = f"consult/{consult_id}", "1700000000.9", {}


def event(*lines: str) -> ev.AmiEvent:
    return ev.translate(Message.from_line("\r\n".join(lines)))


def channel(uniqueid: str, name: str) -> ev.AmiEvent:
    return event("Event: Newchannel", f"Channel: {name}", "ChannelStateDesc: Up", f"Uniqueid: {uniqueid}",
                 "Linkedid: c1")


@pytest.fixture
def world():
    queues = {"billing": QueueSpec("billing", {"billing": 1}), "faults": QueueSpec("faults", {"faults": 1})}
    agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"faults": 5})}
    sink = RecordingSink()
    acd = AcdService(Router(queues, agents), sink, clock=lambda: 100.0)
    registry = CallRegistry()
    return acd, registry, sink


def talking(acd: AcdService, registry: CallRegistry) -> Task:
    """Agent A answered caller c1: the ACD and the registry (DialEnd names A's leg) know it."""
    acd.agent_command("A", "login")
    task = Task("c1", "billing", 0, 100.0, attributes={"tier": "gold"})
    offered = acd.open(task).events.get_nowait()
    assert isinstance(offered, Offered)
    acd.answered(offered.reservation)
    for e in (channel("c1", CALLER), channel("a1", LEG),
              event("Event: DialEnd", "Uniqueid: c1", "DestUniqueid: a1", f"DestChannel: {LEG}", "DialStatus: ANSWER")):
        registry.apply(e)
    return task


def consult_log(sink: RecordingSink) -> list[tuple[str, str | None]]:
    return [(str(r.event), r.reason) for r in sink.records
            if isinstance(r, QueueLogRecord) and str(r.event).startswith("consult")]


async def test_start_holds_the_caller_by_an_atxfer_on_the_agents_leg(world):
    acd, registry, sink = world
    ami = Ami()
    consults = Consults(acd, ami, registry)
    talking(acd, registry)

    view = consults.start("A", "faults")
    assert (view["call"], view["queue"], view["state"], view["by"]) == ("c1", "faults", "dialing", "A")
    await until(lambda: ami.sent, 2)
    assert ami.sent == [("atxfer", LEG, "hotline-consult", view["consult"])]
    assert len(view["consult"]) == 7 and view["consult"].isdigit()
    assert consult_log(sink) == [("consult", "to faults")]
    with pytest.raises(LookupError, match="already consulting"):
        consults.start("A", "faults")
    with pytest.raises(LookupError, match="nobody has answered"):
        consults.complete("A")
    with pytest.raises(LookupError, match="complete or cancel the consult first"):
        DeskActions(acd, None, ami, registry, consults=consults).transfer("A", "faults")


async def test_what_cannot_be_consulted_is_refused_with_the_reason(world):
    acd, registry, _ = world
    consults = Consults(acd, Ami(), registry)
    acd.agent_command("A", "login")
    with pytest.raises(LookupError, match="not on a call"):
        consults.start("A", "faults")
    talking(acd, registry)
    with pytest.raises(LookupError, match="no queue 'nowhere'"):
        consults.start("A", "nowhere")
    with pytest.raises(LookupError, match="not consulting"):
        consults.cancel("A")
    registry.apply(event("Event: Hangup", f"Channel: {LEG}", "Uniqueid: a1", "Linkedid: c1", "Cause: 16"))
    with pytest.raises(LookupError, match="cannot find agent A's side"):
        consults.start("A", "faults")


async def test_atxfer_refused_by_asterisk_ends_the_consult_and_the_agent_may_try_again(world):
    acd, registry, sink = world
    consults = Consults(acd, Ami(refuse=True), registry)
    talking(acd, registry)
    consults.start("A", "faults")
    await until(lambda: consults.of_agent("A") is None, 2, message="consult ended")
    [(event_name, reason)] = consult_log(sink)[1:]
    assert event_name == "consult_end" and "No attended transfer feature code" in reason
    assert consults.start("A", "faults")["state"] == "dialing"


async def test_leg_that_never_arrives_ends_the_consult_and_a_late_leg_is_turned_away(world):
    acd, registry, sink = world
    consults = Consults(acd, Ami(), registry, arrive_timeout_s=0.05)
    talking(acd, registry)
    consult_id = consults.start("A", "faults")["consult"]
    await until(lambda: consults.of_agent("A") is None, 2, message="consult given up")
    assert consult_log(sink)[-1] == ("consult_end", "consult leg never arrived")
    await consults.handle(Leg(consult_id))  # returns at once: the dialplan hangs the leg up
    assert acd.waiting("faults") == []


async def test_cancel_while_dialing_ends_it_and_the_transfer_event_of_another_agent_is_ignored(world):
    acd, registry, sink = world
    consults = Consults(acd, Ami(), registry)
    talking(acd, registry)
    consults.start("A", "faults")
    consults.on_attended_transfer(ev.AttendedTransfer(success=True, transferer_channel="PJSIP/other-0001",
                                                      transferee_uniqueid="x", target_channel=""))
    assert consults.of_agent("A").state == "dialing"
    assert consults.cancel("A")["consult"]
    assert consults.of_agent("A") is None
    assert consult_log(sink)[-1] == ("consult_end", "cancelled")
    assert str(acd.agent("A").state) == "on_call"


async def test_transfer_completed_from_the_phone_before_anyone_answered_ends_the_agents_part(world):
    acd, registry, sink = world
    consults = Consults(acd, Ami(), registry)
    task = talking(acd, registry)
    consults.start("A", "faults")
    consults.on_attended_transfer(ev.AttendedTransfer(success=True, transferer_channel=LEG,
                                                      transferee_uniqueid="c1", target_channel=""))
    assert consults.of_agent("A") is None
    assert str(acd.agent("A").state) == "wrap_up"
    assert acd.holder(task.id) is None
    assert [(str(r.event), r.reason) for r in sink.records if isinstance(r, QueueLogRecord)][-1] == \
        ("transfer", "attended to queue faults")


async def test_a_named_colleague_is_consulted_only_when_he_is_ready(world):
    acd, registry, sink = world
    ami = Ami()
    consults = Consults(acd, ami, registry)
    talking(acd, registry)
    with pytest.raises(LookupError, match="no agent 'Z'"):
        consults.start("A", colleague="Z")
    with pytest.raises(LookupError, match="cannot consult himself"):
        consults.start("A", colleague="A")
    with pytest.raises(LookupError, match="agent B is logged_out"):
        consults.start("A", colleague="B")
    acd.agent_command("B", "login")
    view = consults.start("A", colleague="B")
    assert (view["colleague"], view["queue"]) == ("B", "billing")  # rings with the caller's queue's timings
    assert consult_log(sink) == [("consult", "to agent B")]


async def test_a_consult_nobody_answers_in_time_has_its_leg_hung_up(world):
    acd, registry, _ = world
    ami = Ami()
    consults = Consults(acd, ami, registry, max_wait_s=0.05)
    talking(acd, registry)
    consults.start("A", "faults")
    consult = consults.of_agent("A")
    consult.leg, consult.state = "Local/5137222@hotline-consult-00000001;2", "waiting"  # as `handle` leaves it
    consults._check_answered(consult)
    await until(lambda: ("hangup", consult.leg) in ami.sent, 2, message="consult leg hung up")
    assert consult.state == "timeout"  # `handle` reports it as the reason when the leg is gone
