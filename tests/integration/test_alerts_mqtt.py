"""Volume alerts on a real mosquitto (the shipped sample config): a wallboard sees the raise and the
clear on the alert stream, and the retained per-queue state; an agent desktop cannot read them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from acd.config import load_acd
from acd.models import Task
from acd.router import Router
from cti.app.control import Commands
from cti.mqtt import MqttBridge
from cti.services.acd import AcdService
from cti.services.alerts import AlertService
from tests.support.clock import FakeClock
from tests.support.mosquitto import Mosquitto, Observer, free_port, sample_config
from tests.support.sinks import RecordingSink
from tests.support.until import until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
USERS = {"hotline-engine": "engine-secret", "wallboard": "wallboard-secret", "1001": "alice-secret"}


@pytest.fixture
async def broker(tmp_path):
    port = free_port()
    mosquitto = Mosquitto(tmp_path, port, sample_config(tmp_path, port, USERS))
    await mosquitto.start()
    yield mosquitto
    await mosquitto.stop()


async def test_a_raised_and_a_cleared_alert_reach_the_wallboard_and_the_state_is_retained(broker) -> None:
    clock = FakeClock()
    acd = AcdService(Router(*load_acd(REPO / "config/acd.yaml")), RecordingSink(), clock=clock, wall=clock.wall)
    alerts = AlertService(acd, wall=clock.wall)
    acd.notifier.on_event.append(alerts.on_acd_event)
    bridge = MqttBridge("127.0.0.1", broker.port, "hotline", Commands(acd), username="hotline-engine",
                        password=USERS["hotline-engine"], reconnect_min=0.1, reconnect_max=0.5)
    alerts.listeners.append(bridge.listener)
    link = asyncio.create_task(bridge.run(), name="mqtt-under-test")
    await bridge.wait_connected(10)
    board = Observer(broker.port, "wallboard", USERS["wallboard"], ["hotline/alerts", "hotline/queues/+/alerts/+"])
    desk = Observer(broker.port, "1001", USERS["1001"], ["hotline/alerts", "hotline/queues/+/alerts/+"])
    try:
        async with board, desk:
            for n in range(5):  # nobody logged in for complaints (when_nobody: wait): five callers wait
                acd.open(Task(id=f"c{n}", queue="complaints", priority=0, enqueued_at=acd.now()))
            await until(lambda: board.on("hotline/alerts"), message="raised alert on the stream")
            for n in range(3):
                acd.abandon(f"c{n}")
                acd.close(f"c{n}")
            assert alerts.evaluate() == []  # two waiting: at the clear level, which must hold 30 s
            clock.advance(30)
            alerts.evaluate()
            await until(lambda: len(board.on("hotline/alerts")) == 2, message="cleared alert on the stream")
            raised, cleared = board.on("hotline/alerts")
            assert (raised["queue"], raised["kind"], raised["state"], raised["value"]) == (
                "complaints", "waiting_calls", "raised", 5)
            assert (cleared["state"], cleared["value"], cleared["since"]) == ("cleared", 2, raised["since"])
            assert board.on("hotline/queues/complaints/alerts/waiting_calls") == [raised, cleared]
            assert desk.messages == []  # the sample ACL keeps alerts for supervisors
        late = Observer(broker.port, "wallboard", USERS["wallboard"], ["hotline/queues/+/alerts/+"])
        async with late:  # a wallboard starting now gets the current state, retained
            await until(lambda: late.messages, message="retained alert state")
            assert late.messages == [("hotline/queues/complaints/alerts/waiting_calls", cleared, True)]
    finally:
        await bridge.close()
        await asyncio.wait_for(link, 10)
