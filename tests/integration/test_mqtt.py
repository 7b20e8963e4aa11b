"""The MQTT bridge against real mosquitto brokers started from the shipped sample config.

Each test gets a private broker (own port, password file and ACL from config/mosquitto/) and
a real ACD (`AcdService` over the `Router` of config/acd.yaml); only the record sink is a stub.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from acd.config import load_acd
from acd.models import AgentState, Task
from acd.router import Router
from acd.inbox import Offered
from cti.services.acd import AcdService
from cti.app.control import Commands
from cti.mqtt import MqttBridge
from tests.support.mosquitto import Mosquitto, Observer, free_port, sample_config
from tests.support.until import until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
USERS = {"hotline-engine": "engine-secret", "wallboard": "wallboard-secret", "1001": "alice-secret",
         "1002": "bob-secret"}


class RecordSink:
    def __init__(self) -> None:
        self.records: list[object] = []

    def submit(self, record: object) -> None:
        self.records.append(record)


@pytest.fixture
async def broker(tmp_path):
    port = free_port()
    mosquitto = Mosquitto(tmp_path, port, sample_config(tmp_path, port, USERS))
    await mosquitto.start()
    yield mosquitto
    await mosquitto.stop()


@pytest.fixture
def acd() -> AcdService:
    queues, agents = load_acd(REPO / "config" / "acd.yaml")
    return AcdService(Router(queues, agents), RecordSink())


@pytest.fixture
async def bridge(broker, acd):
    commands = Commands(acd)
    mqtt = MqttBridge("127.0.0.1", broker.port, "hotline", commands, username="hotline-engine",
                      password=USERS["hotline-engine"], stats_provider=commands.queues, stats_interval=0.2,
                      reconnect_min=0.1, reconnect_max=0.5)
    acd.notifier.listeners.append(mqtt.listener)
    task = asyncio.create_task(mqtt.run(), name="mqtt-under-test")
    await mqtt.wait_connected(10)
    yield mqtt
    await mqtt.close()
    await asyncio.wait_for(task, 10)


def wallboard(broker: Mosquitto, **kwargs) -> Observer:
    return Observer(broker.port, "wallboard", USERS["wallboard"], ["hotline/#"], **kwargs)


def desktop(broker: Mosquitto, agent: str, *topics: str) -> Observer:
    return Observer(broker.port, agent, USERS[agent], list(topics) or [f"hotline/agents/{agent}/reply"])


def call(acd: AcdService, call_id: str) -> Task:
    return Task(id=call_id, queue="billing", priority=0, enqueued_at=acd.now(),
                attributes={"caller": "0612345678", "tier": "gold"})


def events_of(observer: Observer, call_id: str) -> list[str]:
    return [body["event"] for body in observer.on(f"hotline/calls/{call_id}/events")]


async def test_acd_events_arrive_on_agent_call_queue_ivr_and_dialer_topics(broker, bridge, acd):
    async with wallboard(broker) as board:
        acd.agent_command("1001", "login")
        acd.agent_command("1001", "ready")
        acd.open(call(acd, "1700000000.1"))
        bridge.ivr_flow("main", "rejected", ["config/ivr/main.yaml:12:5: unknown node 'menu2'; declare it"])
        bridge.dialer_stats("winback", {"dialled": 10, "answered": 4})

        await until(lambda: events_of(board, "1700000000.1") == ["enqueue", "offer"], 10,
                    message=f"call events, got {board.messages}")
        await until(lambda: board.on("hotline/agents/1001/screenpop"), 10, message="screen pop")
        await until(lambda: [s for s in board.on("hotline/queues/billing/stats") if s["reserved"] == 1], 10,
                    message="queue stats showing the ringing call")
        await until(lambda: board.on("hotline/dialer/winback/stats"), 10, message="dialer stats")

        states = [(s["from"], s["state"]) for s in board.on("hotline/agents/1001/state")]
        assert states == [("logged_out", "ready"), ("ready", "reserved")], states
        pop = board.on("hotline/agents/1001/screenpop")[0]
        assert (pop["call"], pop["queue"], pop["agent_id"], pop["event"]) == ("1700000000.1", "billing", "1001",
                                                                              "offer")
        assert {s["queue"] for s in board.on("hotline/queues/billing/stats")} == {"billing"}
        (flow,) = board.on("hotline/ivr/flows/main")
        assert flow["status"] == "rejected" and "menu2" in flow["messages"][0]
        assert board.on("hotline/dialer/winback/stats")[0]["answered"] == 4
        assert board.on("hotline/agents/1002/screenpop") == []

    # Retained: a wallboard arriving later sees the latest agent state, queue stats and engine status.
    async with wallboard(broker) as late:
        await until(lambda: late.on("hotline/agents/1001/state") and late.on("hotline/engine/status"), 10)
        assert late.on("hotline/agents/1001/state")[-1]["state"] == "reserved"
        assert late.on("hotline/engine/status")[-1]["state"] == "online"


async def test_desktop_command_round_trip_and_bad_commands_get_error_replies(broker, bridge, acd):
    async with desktop(broker, "1001") as alice:
        replies = lambda: alice.on("hotline/agents/1001/reply")  # noqa: E731
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "login", "request_id": "r1"})
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "pause", "reason": "lunch", "request_id": "r2"})
        await alice.publish("hotline/agents/1001/cmd", b"{not json")
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "fly", "request_id": "r3"})
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "ready", "agent": "1002", "request_id": "r4"})
        await alice.publish("hotline/agents/1001/cmd", b" " * 5000)
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "ready", "request_id": 5})
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "consult", "target": "billing", "request_id": "r6"})
        await until(lambda: len(replies()) == 8, 10, message=f"8 replies, got {alice.messages}")

        got = [(r["request_id"], r["ok"], r.get("error_id")) for r in replies()]
        assert got == [("r1", True, None), ("r2", True, None), (None, False, "bad-json"),
                       ("r3", False, "unknown-command"), ("r4", False, "agent-mismatch"),
                       (None, False, "payload-too-large"), (5, True, None),
                       ("r6", False, "nothing-to-do")], got  # consult: Alice is on no call
        assert replies()[1]["agent"]["state"] == "paused" and replies()[1]["agent"]["reason"] == "lunch"
        assert acd.router.agent("1001").state == AgentState.READY
        assert acd.router.agent("1002").state == AgentState.LOGGED_OUT


async def test_acl_lets_an_agent_command_only_itself(broker, bridge, acd):
    async with desktop(broker, "1001", "hotline/agents/1001/reply", "hotline/agents/1002/reply") as alice, \
            desktop(broker, "1002") as bob:
        await alice.publish("hotline/agents/1002/cmd", {"cmd": "login", "request_id": "evil"})
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "login", "request_id": "own"})
        await until(lambda: alice.on("hotline/agents/1001/reply"), 10, message="alice's own reply")
        # Same publisher, in order: had the broker passed the first one, the engine would have seen it first.
        assert bridge.commands_received == 1
        assert acd.router.agent("1002").state == AgentState.LOGGED_OUT
        assert acd.router.agent("1001").state != AgentState.LOGGED_OUT

        await bob.publish("hotline/agents/1002/cmd", {"cmd": "login", "request_id": "bob"})
        await until(lambda: bob.on("hotline/agents/1002/reply"), 10, message="bob's own reply")
        assert acd.router.agent("1002").state != AgentState.LOGGED_OUT
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "ready", "request_id": "own2"})
        await until(lambda: len(alice.on("hotline/agents/1001/reply")) == 2, 10)
        assert alice.on("hotline/agents/1002/reply") == []  # nor can she read Bob's replies

    # Each desktop follows its own consults, and only its own.
    async with desktop(broker, "1001", "hotline/agents/1001/consult", "hotline/agents/1002/consult") as alice:
        for by in ("1002", "1001"):
            acd.notifier.relay("consult", {"call": "1700.9", "consult": "5137222", "by": by, "agent": "1003",
                                   "event": "consult_answered", "reason": ""})
        await until(lambda: alice.on("hotline/agents/1001/consult"), 10, message="alice's consult news")
        assert alice.on("hotline/agents/1002/consult") == []  # published first: the broker withheld it


async def test_broker_restart_queues_events_without_blocking_calls_and_delivers_them_after(broker, bridge, acd):
    async with wallboard(broker, identifier="restart-observer", persistent=True):
        pass  # leaves a persistent QoS 1 session that collects what is published while we are away
    await broker.stop()
    await until(lambda: not bridge.connected.is_set(), 10, message="bridge noticed the broker is gone")

    started = time.perf_counter()
    acd.agent_command("1001", "login")
    acd.agent_command("1001", "ready")
    inbox = acd.open(call(acd, "1700000000.9"))
    elapsed = time.perf_counter() - started
    assert isinstance(inbox.events.get_nowait(), Offered)  # the call went on: offered to an agent
    assert elapsed < 0.05, f"ACD calls took {elapsed:.3f}s with the broker down"
    assert bridge.pending >= 5 and bridge.dropped == 0

    await broker.start()
    await bridge.wait_connected(15)
    async with wallboard(broker, identifier="restart-observer", persistent=True) as board:
        await until(lambda: events_of(board, "1700000000.9") == ["enqueue", "offer"], 15,
                    message=f"queued call events after restart, got {board.messages}")
        await until(lambda: board.on("hotline/agents/1001/screenpop"), 10)
        # as queued, in order; a retained copy of the last state may follow (re-subscribing)
        states = [body["state"] for topic, body, retained in board.messages
                  if topic == "hotline/agents/1001/state" and not retained]
        assert states == ["ready", "reserved"], board.messages
    assert bridge.connections == 2

    async with desktop(broker, "1002") as bob:  # commands work again: the bridge re-subscribed
        await bob.publish("hotline/agents/1002/cmd", {"cmd": "login", "request_id": "after"})
        await until(lambda: bob.on("hotline/agents/1002/reply"), 10, message="reply after restart")
        assert bob.on("hotline/agents/1002/reply")[0]["ok"] is True


async def test_close_delivers_the_queue_then_says_offline(broker, acd):
    mqtt = MqttBridge("127.0.0.1", broker.port, "hotline", Commands(acd), username="hotline-engine",
                      password=USERS["hotline-engine"])
    task = asyncio.create_task(mqtt.run(), name="mqtt-under-test")
    await mqtt.wait_connected(10)
    for i in range(500):
        mqtt.call_event(f"c{i}", "ended", talk_s=i)
    await mqtt.close()
    await asyncio.wait_for(task, 10)
    assert mqtt.pending == 0 and mqtt.published == 500
    async with wallboard(broker) as board:
        await until(lambda: board.on("hotline/engine/status"), 10)
        assert board.on("hotline/engine/status")[-1]["state"] == "offline"
