"""CTI with real calls: the engine's MQTT bridge on a private mosquitto, a SIPp caller, a simulated
agent. The agent's desktop gets a screen pop with everything the caller already told the IVR, and
commands it over MQTT."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import sipp
from tests.support.mosquitto import Observer
from tests.support.sipp import AwaitHangup, Dtmf, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd.yaml"


async def test_agent_desktop_logs_in_over_mqtt_and_gets_the_screen_pop_of_a_gold_caller(engine_factory, broker,
                                                                                      tmp_path):
    hotline = await engine_factory(acd=str(ACD_YAML), mqtt_port=broker.port)
    await until(lambda: hotline.engine.mqtt.connected.is_set(), 10, message="engine connected to the broker")
    async with Observer(broker.port, None, None, ["hotline/#"]) as desk:
        await desk.publish("hotline/agents/1001/cmd", {"cmd": "login", "request_id": "r1"})
        await until(lambda: desk.on("hotline/agents/1001/reply"), 10, message="command reply")
        assert desk.on("hotline/agents/1001/reply")[0]["ok"] is True
        assert str(hotline.engine.acd.router.agent("1001").state) == "ready"

        result = await sipp.call(tmp_path, [Pause(1500), Dtmf("0"), AwaitHangup(40000)], caller="5559001")
        assert result.ok, result.stderr
        row = await hotline.cdr(caller="5559001")

        pop = desk.on("hotline/agents/1001/screenpop")
        assert len(pop) == 1
        context = pop[0]["context"]
        assert (context["caller"], context["tier"], context["customer_name"]) == ("5559001", "gold", "Li Wei")
        assert context["ivr_path"] == "by_case>by_tier>welcome_gold>menu>agent" and context["digits"] == "0"
        assert pop[0]["queue"] == "billing" and pop[0]["call"] == row.call_id and context["wait_s"] < 5

        await until(lambda: any(e.get("event") == "ended" for e in desk.on(f"hotline/calls/{row.call_id}/events")),
                    10, message="call ended event")
        events = [e["event"] for e in desk.on(f"hotline/calls/{row.call_id}/events")]
        assert events[:3] == ["enqueue", "offer", "answer"] and events[-1] == "ended"
        states = [s["state"] for s in desk.on("hotline/agents/1001/state")]
        assert {"ready", "reserved", "on_call", "wrap_up"} <= set(states)
        await until(lambda: desk.on("hotline/queues/billing/stats"), 10, message="queue stats")
