"""Supervisors over MQTT, against a real mosquitto started from the shipped sample config and ACL:
a supervisor commands only as himself (the broker drops his publishes under another id), his
commands reach the monitoring service and are answered on his reply topic, refusals are logged.
No Asterisk here: the requests are refused or answered before any AMI action (the real-call path
is tests/integration/test_monitor_calls.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from acd.config import load_acd, load_supervisors
from acd.router import Router
from cti.app.control import Commands
from cti.app.supervise_commands import SuperviseCommands
from cti.ami.registry import CallRegistry
from cti.mqtt import MqttBridge
from cti.services.acd import AcdService
from cti.services.monitoring import MonitorService
from cti.store.quality_models import MonitorSessionRecord
from tests.support.mosquitto import Mosquitto, Observer, free_port, sample_config
from tests.support.until import until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
USERS = {"hotline-engine": "engine-secret", "sup1": "sam-secret", "sup2": "zhang-secret", "1001": "alice-secret"}


class RecordSink:
    def __init__(self) -> None:
        self.records: list[object] = []

    def submit(self, record: object) -> None:
        self.records.append(record)


class NoAmi:
    """Nothing in these tests may reach Asterisk: any AMI action fails the test."""

    async def originate(self, *args, **kwargs):
        raise AssertionError(f"unexpected Originate {args} {kwargs}")


@pytest.fixture
async def broker(tmp_path):
    port = free_port()
    mosquitto = Mosquitto(tmp_path, port, sample_config(tmp_path, port, USERS))
    await mosquitto.start()
    yield mosquitto
    await mosquitto.stop()


@pytest.fixture
async def engine(broker):
    records = RecordSink()
    queues, agents = load_acd(REPO / "config/acd.yaml")
    acd = AcdService(Router(queues, agents), records)
    monitor = MonitorService(acd, NoAmi(), CallRegistry(), records, load_supervisors(REPO / "config/acd.yaml"),
                             relay=acd.notifier.relay)
    commands = Commands(acd)
    commands.supervise = SuperviseCommands(monitor)
    mqtt = MqttBridge("127.0.0.1", broker.port, "hotline", commands, username="hotline-engine",
                      password=USERS["hotline-engine"], reconnect_min=0.1, reconnect_max=0.5)
    task = asyncio.create_task(mqtt.run(), name="mqtt-under-test")
    await mqtt.wait_connected(10)
    mqtt.records = records
    yield mqtt
    await mqtt.close()
    await asyncio.wait_for(task, 10)


def screen(broker: Mosquitto, user: str, *topics: str) -> Observer:
    return Observer(broker.port, user, USERS[user], list(topics) or [f"hotline/supervisors/{user}/reply"])


async def test_supervisor_commands_only_as_himself_and_gets_his_answers(broker, engine):
    async with screen(broker, "sup1", "hotline/supervisors/sup1/reply", "hotline/supervisors/sup2/reply") as sam:
        await sam.publish("hotline/supervisors/sup2/cmd", {"cmd": "listen", "agent": "1004", "request_id": "evil"})
        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "list", "request_id": "own"})
        await until(lambda: sam.on("hotline/supervisors/sup1/reply"), 10, message="Sam's own reply")
        assert engine.commands_received == 1  # the broker dropped the publish under sup2's id
        [listing] = sam.on("hotline/supervisors/sup1/reply")
        assert listing["request_id"] == "own" and listing["ok"] and listing["supervisor"] == "sup1"
        # billing (base skill billing 5) and vip (vip 5) of the shipped config: Alice, Bob, Chen, Eve
        assert [a["id"] for a in listing["agents"]] == ["1001", "1002", "1003", "1005"]

        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "whisper", "agent": "1004", "request_id": 2})
        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "listen", "agent": "1001", "request_id": 3})
        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "mode", "mode": "barge", "request_id": 4})
        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "listen", "agent": "1001", "supervisor": "sup2",
                                                            "request_id": 5})
        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "shout", "request_id": 6})
        await sam.publish("hotline/supervisors/sup1/cmd", {"cmd": "listen", "request_id": 7})
        await until(lambda: len(sam.on("hotline/supervisors/sup1/reply")) == 7, 10, message=str(sam.messages))
        got = [(r["request_id"], r["ok"], r.get("error_id")) for r in sam.on("hotline/supervisors/sup1/reply")[1:]]
        assert got == [(2, False, "out-of-scope"),          # Dana (faults) is not billing's or vip's
                       (3, False, "agent-not-on-call"),     # Alice is in scope, but on no call
                       (4, False, "no-session"),
                       (5, False, "supervisor-mismatch"),
                       (6, False, "unknown-command"),
                       (7, False, "invalid-command")], got  # listen whom?
        assert sam.on("hotline/supervisors/sup2/reply") == []

    logged = [(r.supervisor, r.agent, r.mode, r.outcome, r.via) for r in engine.records.records
              if isinstance(r, MonitorSessionRecord)]
    assert logged == [("sup1", "1004", "whisper", "refused", "mqtt"),
                      ("sup1", "1001", "listen", "agent_not_on_call", "mqtt")]


async def test_agent_cannot_command_as_a_supervisor(broker, engine):
    async with screen(broker, "1001", "hotline/agents/1001/reply") as alice:
        await alice.publish("hotline/supervisors/sup1/cmd", {"cmd": "listen", "agent": "1002"})
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "login", "request_id": "own"})
        await until(lambda: alice.on("hotline/agents/1001/reply"), 10, message="Alice's own reply")
        assert engine.commands_received == 1  # the broker dropped the publish under sup1's topic
        assert not any(isinstance(r, MonitorSessionRecord) for r in engine.records.records)
