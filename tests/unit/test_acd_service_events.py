"""`AcdService` tells the world through typed frozen events, and answers questions without its router."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from acd import Agent, QueueSpec, Router, Task
from acd.events import AgentStateChanged, CallQueueEvent, QueueEvent
from acd.errors import UnknownQueue
from acd.inbox import Offered
from cti.services.acd import AcdService
from cti.store.models import AgentStateRecord, QueueLogRecord
from tests.support.sinks import RecordingSink

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def world() -> tuple[AcdService, RecordingSink, list, Clock]:
    queues = {"billing": QueueSpec("billing", {"billing": 3}, wrapup_s=5),
              "faults": QueueSpec("faults", {"faults": 1})}
    agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"billing": 1}),
              "C": Agent("C", "Carol", "PJSIP/C", {"faults": 2, "billing": 3})}
    sink, clock, events = RecordingSink(), Clock(), []
    acd = AcdService(Router(queues, agents), sink, clock=clock, wall=lambda: AT)
    acd.notifier.on_event.append(events.append)
    return acd, sink, events, clock


def test_a_call_answered_by_an_agent_emits_frozen_typed_events_in_order():
    acd, sink, events, clock = world()
    acd.agent_command("A", "login")
    inbox = acd.open(Task("c1", "billing", 3, clock.now, attributes={"tier": "gold"}))
    clock.now += 4.0
    acd.answered(inbox.events.get_nowait().reservation)

    assert [(type(e).__name__, str(e.event)) for e in events] == [
        ("AgentStateChanged", "login"), ("CallQueueEvent", "enqueue"), ("AgentStateChanged", "reserve"),
        ("CallQueueEvent", "offer"), ("CallQueueEvent", "answer"), ("AgentStateChanged", "accept")]
    assert all(dataclasses.is_dataclass(e) and type(e).__dataclass_params__.frozen for e in events)
    assert all(e.at == AT for e in events)
    offer, answer = events[3], events[4]
    assert (offer.call_id, offer.agent_id, offer.priority, dict(offer.context)) == \
        ("c1", "A", 3, {"tier": "gold", "wait_s": 0.0})
    assert (answer.agent_id, answer.wait_s) == ("A", 4.0)
    assert [type(r) for r in sink.records] == [AgentStateRecord, QueueLogRecord, AgentStateRecord,
                                                QueueLogRecord, QueueLogRecord, AgentStateRecord]


def test_cti_listeners_get_the_same_payloads_as_before_the_events_were_typed():
    acd, _, _, clock = world()
    heard: list[tuple[str, dict]] = []
    acd.notifier.listeners.append(lambda kind, payload: heard.append((kind, payload)))
    acd.agent_command("A", "login")
    acd.open(Task("c1", "billing", 0, clock.now))
    acd.notifier.relay("consult", {"by": "A", "event": "consult_ended"})
    assert heard == [
        ("agent", {"agent": "A", "from": "logged_out", "event": "login", "state": "ready", "reason": ""}),
        ("queue", {"queue": "billing", "call": "c1", "event": "enqueue", "priority": 0}),
        ("agent", {"agent": "A", "from": "ready", "event": "reserve", "state": "reserved", "reason": "billing"}),
        ("queue", {"queue": "billing", "call": "c1", "event": "offer", "agent_id": "A", "priority": 0,
                   "context": {"wait_s": 0.0}}),
        ("consult", {"by": "A", "event": "consult_ended"}),
    ]


def test_a_refused_caller_is_logged_with_the_queue_log_word_and_the_routers_reason():
    acd, _, events, clock = world()
    acd.open(Task("c1", "faults", 0, clock.now))  # nobody logged in to serve faults
    refused = events[-1]
    assert isinstance(refused, CallQueueEvent)
    assert (refused.event, refused.reason) == (QueueEvent.NOBODY, "nobody_logged_in")


def test_a_disposition_is_an_event_with_its_code_as_json_data():
    acd, _, events, clock = world()
    acd.agent_command("A", "login")
    acd.answered(acd.open(Task("c1", "billing", 0, clock.now)).events.get_nowait().reservation)
    acd.disposition("A", "sale", "two lines")
    last = events[-1]
    assert (last.event, last.agent_id, last.reason, last.data) == \
        (QueueEvent.DISPOSITION, "A", "sale", '{"code": "sale", "note": "two lines"}')


def test_agent_state_events_carry_the_pause_reason():
    acd, _, events, _ = world()
    acd.agent_command("B", "login")
    acd.agent_command("B", "pause", "lunch")
    assert events[-1] == AgentStateChanged(AT, "B", "ready", "pause", "paused", "lunch")


# ------------------------------------------------------------------ questions, without the router

def test_queue_and_agent_lookups():
    acd, _, _, _ = world()
    assert acd.queue("billing").wrapup_s == 5 and acd.queue("nowhere") is None
    assert acd.queue_names() == ["billing", "faults"]
    assert acd.agent("A").name == "Alice" and acd.agent("Z") is None
    assert [a.id for a in acd.agents()] == ["A", "B", "C"]
    assert [a.id for a in acd.agents_of("billing")] == ["A", "C"]  # Bob's billing 1 is below the queue's 3
    assert acd.agents_of("nowhere") == []


def test_position_wait_estimate_and_ringing_reservation():
    acd, _, _, clock = world()
    acd.agent_command("A", "login")
    ringing = acd.open(Task("c1", "billing", 0, clock.now)).events.get_nowait()
    assert isinstance(ringing, Offered) and acd.reservation_of("A") == ringing.reservation
    acd.open(Task("c2", "billing", 0, clock.now))
    acd.open(Task("c3", "billing", 0, clock.now))
    assert [t.id for t in acd.waiting("billing")] == ["c2", "c3"]
    assert (acd.position("c1"), acd.position("c2"), acd.position("c3")) == (0, 1, 2)
    assert acd.ewt("c1") == 0.0 and acd.ewt("c3") >= acd.ewt("c2") >= 0.0
    assert acd.reservation_of("C") is None


def test_stats_use_the_services_clock_and_refuse_unknown_queues():
    acd, _, _, clock = world()
    acd.agent_command("A", "login")
    acd.open(Task("c1", "billing", 0, clock.now))  # rings at Alice
    clock.now += 10.0
    acd.open(Task("c2", "billing", 0, clock.now))  # waits
    clock.now += 30.0
    stats = acd.stats("billing")
    assert (stats.at, stats.waiting, stats.reserved, stats.longest_wait_s) == (clock.now, 1, 1, 40.0)
    with pytest.raises(UnknownQueue):
        acd.stats("nowhere")
