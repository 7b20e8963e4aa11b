"""The bridge's producer side and reconnect decisions, without a broker (the I/O is proved in
tests/integration/test_mqtt.py against real mosquitto)."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiomqtt import ProtocolVersion
from aiomqtt.exceptions import MqttConnectError, MqttError
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from cti.mqtt import MqttBridge
from cti.mqtt.bridge import refuses_v5


class NoCommands:
    def execute(self, raw):
        raise AssertionError("no command expected")


def bridge(**kwargs) -> MqttBridge:
    return MqttBridge("127.0.0.1", 1, "hotline", NoCommands(), wall=lambda: "T", **kwargs)


def queued(b: MqttBridge) -> list[tuple[str, dict, bool]]:
    return [(m.topic, json.loads(m.payload), m.retain) for m in b.outbox.peek(len(b.outbox))]


async def test_agent_state_change_becomes_a_retained_state_message():
    b = bridge()
    b.listener("agent", {"agent": "1001", "from": "ready", "event": "offer", "state": "reserved", "reason": ""})
    assert queued(b) == [("hotline/agents/1001/state", {"agent": "1001", "from": "ready", "event": "offer",
                                                         "state": "reserved", "reason": "", "at": "T"}, True)]


async def test_offer_carries_the_caller_context_to_the_agents_screenpop_and_the_call_events():
    b = bridge()
    context = {"number": "0612345678", "customer": {"id": "C42", "name": "Zoé"}, "tier": "gold",
               "ivr_path": ["main", "billing_menu"], "digits": "21#", "wait_s": 12.5}
    b.listener("queue", {"queue": "billing", "call": "1700.1", "event": "offer", "agent_id": "1001", **context})
    (events, pop) = queued(b)
    assert events[0] == "hotline/calls/1700.1/events" and not events[2]
    assert pop[0] == "hotline/agents/1001/screenpop" and not pop[2]
    assert pop[1] == events[1] == {"queue": "billing", "call": "1700.1", "event": "offer", "agent_id": "1001",
                                   **context, "at": "T"}


async def test_non_offer_queue_events_go_to_the_call_topic_only():
    b = bridge()
    b.listener("queue", {"queue": "billing", "call": "1700.1", "event": "answer", "agent_id": "1001"})
    assert [t for t, _, _ in queued(b)] == ["hotline/calls/1700.1/events"]


async def test_consult_progress_goes_to_the_consulting_agents_own_topic_only():
    b = bridge()
    b.listener("consult", {"call": "1700.1", "consult": "5137222", "by": "1001", "agent": "1003",
                           "event": "consult_answered", "reason": ""})
    assert [(t, body["event"], body["agent"]) for t, body, _ in queued(b)] == [
        ("hotline/agents/1001/consult", "consult_answered", "1003")]


async def test_event_whose_id_cannot_be_a_topic_level_is_skipped_not_raised(caplog):
    b = bridge()
    b.listener("queue", {"queue": "billing", "call": "a/b#", "event": "enqueue"})
    b.listener("agent", {"state": "ready"})  # no agent id
    assert queued(b) == [] and "not published" in caplog.text


async def test_publishing_while_the_broker_is_down_never_waits_and_drops_the_oldest():
    b = bridge(queue_size=100)
    for i in range(250):
        b.publish(f"calls/{i}/events", {"event": "enqueue"})
    assert b.pending == 100 and b.dropped == 150
    assert queued(b)[0][0] == "hotline/calls/150/events"


async def test_publish_rejects_wildcards_in_the_topic_suffix():
    with pytest.raises(ValueError):
        bridge().publish("calls/+/events", {})


@pytest.mark.parametrize("rc, expected", [
    (1, True), (ReasonCode(PacketTypes.CONNACK, identifier=0x84), True),
    (5, False), (ReasonCode(PacketTypes.CONNACK, identifier=0x86), False),
])
def test_only_a_protocol_version_refusal_triggers_the_311_fallback(rc, expected):
    assert refuses_v5(MqttConnectError(rc)) is expected


async def test_broker_refusing_v5_is_retried_at_once_in_311(monkeypatch):
    b = bridge(reconnect_min=0.01, reconnect_max=0.01)
    seen: list[ProtocolVersion] = []

    async def session() -> None:
        seen.append(b.protocol)
        if b.protocol is ProtocolVersion.V5:
            raise MqttConnectError(ReasonCode(PacketTypes.CONNACK, identifier=0x84))
        b._stop.set()
        raise MqttError("stop here")

    monkeypatch.setattr(b, "_session", session)
    await asyncio.wait_for(b.run(), 5)
    assert seen == [ProtocolVersion.V5, ProtocolVersion.V311]
