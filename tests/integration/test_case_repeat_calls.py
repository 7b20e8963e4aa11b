"""A customer with an open case calls the main hotline (10000) again, against the real Asterisk
sandbox and a private mosquitto: the shipped main flow sends them straight to the queue that owns
the case (complaints), agent 1003 gets a screen pop showing the case, the call is linked to the
case, and the agent then works cases from the desk over MQTT (case_take, case_note,
case_resolve, case_open on that call, a refused case_close)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cti.store import fetch_queue_log
from cti.store.cases import fetch_case_log, fetch_cases
from tests.integration.conftest import engine_config, start_engine, stop_engine
from tests.support import sipp
from tests.support.mosquitto import Observer
from tests.support.sipp import AwaitHangup
from tests.support.until import until

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"
CUSTOMER = "2006"
REPLY = "hotline/agents/1003/reply"


@pytest.fixture
async def hotline(sandbox, broker, tmp_path):
    path = engine_config(tmp_path, acd=str(DATA / "acd.yaml"), campaigns=str(DATA / "campaigns"), mqtt_port=broker.port)
    config = json.loads(path.read_text())
    config["cases"] = {"config": str(DATA / "cases_repeat.yaml"), "tick_interval": 3600}
    path.write_text(json.dumps(config))
    running = await start_engine(path)
    await until(lambda: running.engine.mqtt.connected.is_set(), 10, message="engine connected to the broker")
    yield running
    await stop_engine(running)


async def _desk(desk: Observer, request_id: int, **command) -> dict:
    """One desk command from agent 1003's desktop and its reply."""
    await desk.publish("hotline/agents/1003/cmd", {**command, "request_id": request_id})
    await until(lambda: any(r.get("request_id") == request_id for r in desk.on(REPLY)), 10,
                message=f"reply to {command['cmd']}")
    return next(r for r in desk.on(REPLY) if r.get("request_id") == request_id)


async def test_a_repeat_caller_with_an_open_case_reaches_its_queue_and_the_agent_works_it_from_the_desk(
        hotline, broker, tmp_path):
    engine = hotline.engine
    opened = await engine.commands.execute_async({"cmd": "case.open", "category": "service", "customer": CUSTOMER,
                                                  "description": "router still broken"})
    assert opened["ok"] and opened["case"]["queue"] == "complaints", opened
    case_id = opened["case"]["case"]
    async with Observer(broker.port, None, None, ["hotline/#"]) as desk:
        assert (await _desk(desk, 1, cmd="login"))["ok"]

        # the customer calls again and presses nothing: the flow routes on the open case
        result = await sipp.call(tmp_path, [AwaitHangup(40000)], caller=CUSTOMER)
        assert result.ok, result.stderr
        row = await hotline.cdr(caller=CUSTOMER)
        assert (row.queue, row.agent, row.ivr_path) == (
            "complaints", "1003", "by_case>case_welcome_complaints>case_complaints>done")
        events = [(q.queue, str(q.event)) for q in await fetch_queue_log(engine.db, call_id=row.call_id)]
        assert ("complaints", "enqueue") in events and ("complaints", "answer") in events
        [pop] = desk.on("hotline/agents/1003/screenpop")
        assert (pop["call"], pop["queue"]) == (row.call_id, "complaints")
        assert (pop["context"]["open_case"], pop["context"]["case_id"]) == ("yes", case_id)
        assert pop["context"]["case_summary"] == "router still broken"

        async def linked() -> bool:
            [stored] = await fetch_cases(engine.db, case_id=case_id)
            return stored.calls == [row.call_id]

        await until(linked, 10, 0.2, "the call linked to the case")

        # the agent works the case from the desk, as himself
        assert (await _desk(desk, 2, cmd="case_take", case=case_id))["case"]["agent"] == "1003"
        assert (await _desk(desk, 3, cmd="case_note", case=case_id, note="replacing the router"))["ok"]
        assert (await _desk(desk, 4, cmd="case_resolve", case=case_id, note="router replaced"))["case"]["state"] \
            == "resolved"
        other = await _desk(desk, 5, cmd="case_open", category="service", description="wrong bill too")
        assert other["ok"] and (other["case"]["customer"], other["case"]["calls"]) == (CUSTOMER, [row.call_id])
        refused = await _desk(desk, 6, cmd="case_close", case=other["case"]["case"])
        assert (refused["ok"], refused["error_id"]) == (False, "case_invalid_transition")
        mismatch = await _desk(desk, 7, cmd="case_take", case=case_id, agent="1001")
        assert (mismatch["ok"], mismatch["error_id"]) == (False, "agent-mismatch")
        await until(lambda: any(e.get("event") == "resolve" for e in desk.on(f"hotline/cases/{case_id}/events")),
                    10, message="case event on MQTT")

    log = [(e.kind, e.actor) for e in await fetch_case_log(engine.db, case_id)]
    assert log == [("opened", "cli"), ("take", "1003"), ("note", "1003"), ("resolve", "1003")]
