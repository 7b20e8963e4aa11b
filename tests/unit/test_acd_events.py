"""The ACD's typed events and the one adapter that maps them: record, CTI payload, MQTT messages."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from acd import Task
from acd.agent_state import AgentEvent, StateChange
from acd.errors import UnknownQueue
from acd.events import REFUSAL_EVENT, AgentStateChanged, CallQueueEvent, QueueEvent
from acd.models import AgentState
from cti.mqtt.notifier import acd_messages
from cti.mqtt.topics import Topics
from cti.services.acd_notifier import AcdNotifier, cti_payload_of, record_of
from cti.store import models as store
from cti.store.models import AgentStateRecord, QueueLogRecord
from tests.support.sinks import RecordingSink

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
TOPICS = Topics("hotline")
S, E, Q = AgentState, AgentEvent, QueueEvent


def queue_event(event: QueueEvent, **fields) -> CallQueueEvent:
    return CallQueueEvent(AT, "1700.1", "billing", event, **fields)


def test_agent_state_change_maps_to_its_record_its_cti_payload_and_a_retained_state_message():
    event = AgentStateChanged.of(StateChange("1001", S.READY, E.PAUSE, S.PAUSED, 12.0, "lunch"), AT)
    record = record_of(event)
    assert isinstance(record, AgentStateRecord)
    assert (record.at, record.agent_id, record.from_state, record.event, record.to_state, record.reason) == \
        (AT, "1001", "ready", "pause", "paused", "lunch")
    assert cti_payload_of(event) == ("agent", {"agent": "1001", "from": "ready", "event": "pause",
                                               "state": "paused", "reason": "lunch"})
    [message] = acd_messages(TOPICS, *cti_payload_of(event), "T")
    assert (message.topic, message.retain) == ("hotline/agents/1001/state", True)


def test_agent_state_change_without_reason_is_null_in_the_record_and_empty_in_the_payload():
    event = AgentStateChanged(AT, "1001", S.LOGGED_OUT, E.LOGIN, S.READY)
    assert record_of(event).reason is None
    assert cti_payload_of(event)[1]["reason"] == ""


# Each queue event as the ACD and the consult desk emit it -> the payload listeners get (key order included).
QUEUE_CASES = [
    (queue_event(Q.ENQUEUE, priority=5), {"priority": 5}),
    (queue_event(Q.ANSWER, agent_id="1001", wait_s=12.5), {"agent_id": "1001", "wait_s": 12.5}),
    (queue_event(Q.NO_ANSWER, agent_id="1001", reason="busy"), {"agent_id": "1001", "reason": "busy"}),
    (queue_event(Q.ABANDON, wait_s=3.0), {"wait_s": 3.0}),
    (queue_event(Q.TIMEOUT, wait_s=600.0), {"wait_s": 600.0}),
    (queue_event(Q.CALLBACK, wait_s=40.0), {"wait_s": 40.0}),
    (queue_event(Q.NOBODY, reason="nobody_logged_in"), {"reason": "nobody_logged_in"}),
    (queue_event(Q.FULL, reason="queue_full"), {"reason": "queue_full"}),
    (queue_event(Q.LEAVE, reason="queue_removed"), {"reason": "queue_removed"}),
    (queue_event(Q.TRANSFER, agent_id="1001", reason="to faults"), {"agent_id": "1001", "reason": "to faults"}),
    (queue_event(Q.DISPOSITION, agent_id="1001", reason="sale", data='{"code": "sale", "note": ""}'),
     {"agent_id": "1001", "reason": "sale", "data": '{"code": "sale", "note": ""}'}),
    (queue_event(Q.CONSULT, agent_id="1001", reason="to faults"), {"agent_id": "1001", "reason": "to faults"}),
    (queue_event(Q.CONSULT_END, agent_id="1001", reason=""), {"agent_id": "1001", "reason": ""}),
    (queue_event(Q.CONSULT_QUEUED, priority=1_000_000), {"priority": 1_000_000}),
]


@pytest.mark.parametrize("event, fields", QUEUE_CASES, ids=[str(e.event) for e, _ in QUEUE_CASES])
def test_queue_event_maps_to_its_queue_log_record_and_a_call_events_message(event, fields):
    record = record_of(event)
    assert isinstance(record, QueueLogRecord)
    assert (record.at, record.call_id, record.queue, record.event) == (AT, "1700.1", "billing", event.event)
    for name in ("agent_id", "wait_s", "priority", "reason", "data"):
        assert getattr(record, name) == fields.get(name)
    kind, payload = cti_payload_of(event)
    assert kind == "queue"
    assert list(payload.items()) == [("queue", "billing"), ("call", "1700.1"), ("event", str(event.event)),
                                     *fields.items()]
    assert [m.topic for m in acd_messages(TOPICS, kind, payload, "T")] == ["hotline/calls/1700.1/events"]


def test_offer_carries_the_callers_context_to_the_record_less_payload_and_the_agents_screenpop():
    context = {"caller": "0612345678", "tier": "gold", "wait_s": 12.5}
    event = queue_event(Q.OFFER, agent_id="1001", priority=5, context=context)
    record = record_of(event)
    assert (record.event, record.agent_id, record.priority, record.data) == (Q.OFFER, "1001", 5, None)
    kind, payload = cti_payload_of(event)
    assert payload == {"queue": "billing", "call": "1700.1", "event": "offer", "agent_id": "1001", "priority": 5,
                       "context": context}
    assert json.loads(json.dumps(payload)) == payload  # plain dicts: the bridge can encode it
    assert [m.topic for m in acd_messages(TOPICS, kind, payload, "T")] == [
        "hotline/calls/1700.1/events", "hotline/agents/1001/screenpop"]


def test_events_are_frozen_and_an_offers_context_cannot_be_changed_behind_the_record():
    context = {"tier": "gold"}
    event = queue_event(Q.OFFER, agent_id="1001", context=context)
    context["tier"] = "normal"
    assert event.context == {"tier": "gold"}
    with pytest.raises(TypeError):
        event.context["tier"] = "normal"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.agent_id = "1002"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        AgentStateChanged(AT, "1001", S.READY, E.PAUSE, S.PAUSED).to_state = S.READY  # type: ignore[misc]


def test_queue_event_words_are_the_queue_logs_and_nothing_else():
    assert store.QueueEvent is QueueEvent  # one vocabulary: the store accepts every event the ACD emits
    assert queue_event("answer").event is Q.ANSWER  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        queue_event("answered")  # type: ignore[arg-type]
    assert set(REFUSAL_EVENT.values()) <= set(QueueEvent)


def test_a_consult_leg_entering_its_queue_is_logged_consult_queued_not_enqueue():
    consult = Task("leg1", "faults", 1_000_000, 0.0, kind="consult")
    caller = Task("c1", "faults", 0, 0.0)
    assert CallQueueEvent.of(consult, "enqueue", AT).event is Q.CONSULT_QUEUED
    assert CallQueueEvent.of(caller, "enqueue", AT).event is Q.ENQUEUE
    assert CallQueueEvent.of(consult, Q.ANSWER, AT, agent_id="B").event is Q.ANSWER


def test_notifier_records_first_then_tells_observers_then_cti_listeners():
    order: list[str] = []

    class Sink:
        def submit(self, record) -> None:
            order.append(f"record:{type(record).__name__}")

    notifier = AcdNotifier(Sink())
    notifier.on_event.append(lambda event: order.append(f"observer:{type(event).__name__}"))
    notifier.listeners.append(lambda kind, payload: order.append(f"listener:{kind}"))
    notifier.emit(queue_event(Q.ENQUEUE, priority=0))
    assert order == ["record:QueueLogRecord", "observer:CallQueueEvent", "listener:queue"]


def test_relayed_cti_news_reaches_the_listeners_but_is_not_recorded():
    sink, heard = RecordingSink(), []
    notifier = AcdNotifier(sink)
    notifier.listeners.append(lambda kind, payload: heard.append((kind, payload)))
    notifier.relay("consult", {"by": "1001", "event": "consult_answered"})
    assert heard == [("consult", {"by": "1001", "event": "consult_answered"})] and sink.records == []


def test_notifier_refuses_what_is_not_an_acd_event():
    with pytest.raises(TypeError):
        AcdNotifier(RecordingSink()).emit(object())  # type: ignore[arg-type]


def test_unknown_queue_has_the_ctis_slug_and_is_a_lookup_failure():
    exc = UnknownQueue("nowhere")
    assert exc.error_id == "acd-unknown-queue" and isinstance(exc, KeyError)
    assert str(exc) == "no queue 'nowhere'"
