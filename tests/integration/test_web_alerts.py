"""Volume alerts and /metrics on a running engine with real parts: the Asterisk sandbox, SIPp
callers, a simulated agent phone, a private mosquitto and a real headless Chromium.

Story: billing raises a waiting-calls alert at 2 callers. Alice is logged in but paused, two
callers wait; the supervisor's wallboard shows the count rise and the alert (English, then
Mandarin), the alert is on MQTT and in the log; Alice goes ready, the alert clears on the board."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cti.web.users import UserStore
from tests.support import sipp
from tests.support.browser import browser, screenshot_dir  # noqa: F401 (fixture)
from tests.support.mosquitto import Observer, free_port
from tests.support.sipp import AwaitHangup, Dtmf, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd.yaml"
PASSWORD = "board-test-password"
WAIT_MS = 20_000
PRESS_0 = [Pause(1500), Dtmf("0")]  # to billing
RAISED_EN = "queue billing: warning raised: 2 calls waiting (alert at 2, clears at 1)"
BILLING_ALERTS = """    whisper: true
    alerts:
      waiting_calls: {raise: 2, clear: 1, clear_after_s: 0}
      longest_wait_s: {raise: 90, clear: 40, enabled: false}
      service_level: {raise: 70, clear: 78, enabled: false}
      ready_agents: {raise: 0, clear: 1, enabled: false}
"""
RAISED_ZH = "队列 billing：预警（警告）：2 个来电排队等待（预警阈值 2，恢复阈值 1）"


def acd_with_billing_alert(tmp_path: Path) -> Path:
    """The integration ACD, billing raising at 2 waiting and clearing at 1 at once; its other kinds off."""
    text = ACD_YAML.read_text()
    assert text.count("    whisper: true\n") == 1  # billing's last line
    path = tmp_path / "acd.yaml"
    path.write_text(text.replace("    whisper: true\n", BILLING_ALERTS))
    return path


async def _agent(desk: Observer, cmd: str, **fields) -> None:
    """An agent command over MQTT, as a desktop would send it; waits for its reply."""
    request = f"{cmd}-{len(desk.on('hotline/agents/1001/reply'))}"
    await desk.publish("hotline/agents/1001/cmd", {"cmd": cmd, "request_id": request, **fields})
    await until(lambda: any(r.get("request_id") == request for r in desk.on("hotline/agents/1001/reply")),
                10, message=f"reply to {cmd}")
    [reply] = [r for r in desk.on("hotline/agents/1001/reply") if r.get("request_id") == request]
    assert reply["ok"] is True, reply


async def test_supervisor_sees_waiting_rise_and_a_volume_alert_raise_then_clear_when_the_agent_is_ready(
        engine_factory, broker, browser, tmp_path, caplog):
    from playwright.async_api import expect

    caplog.set_level(logging.INFO, logger="hotline.alerts")
    port = free_port()
    hotline = await engine_factory(acd=str(acd_with_billing_alert(tmp_path)), web_port=port, mqtt_port=broker.port)
    UserStore(Path(hotline.engine.config.http.users_file)).set("boss", "supervisor", PASSWORD, queues=("billing",))
    await until(lambda: hotline.engine.web.started and hotline.engine.mqtt.connected.is_set(), 10,
                message="web server listening, engine on the broker")
    async with Observer(broker.port, None, None, ["hotline/alerts", "hotline/agents/1001/reply"]) as mqtt:
        await _agent(mqtt, "login")
        await _agent(mqtt, "pause", reason="lunch")

        board = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await board.goto(f"http://127.0.0.1:{port}/wallboard")
        await board.fill("#login-user", "boss")
        await board.fill("#login-password", PASSWORD)
        await board.click("#login-submit")
        waiting, alerts = board.locator('tr[data-queue="billing"] [data-field="waiting"]'), board.locator("#alerts")
        await expect(waiting).to_have_text("0", timeout=WAIT_MS)
        await expect(alerts).to_contain_text("No alerts")

        calls = []
        for caller, count in (("5551201", "1"), ("5551202", "2")):
            calls.append(asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, AwaitHangup(60_000)], caller=caller)))
            await expect(waiting).to_have_text(count, timeout=WAIT_MS)
            if count == "1":
                await expect(alerts).to_contain_text("No alerts")  # below the raise level
        await expect(alerts.locator("li.alert")).to_have_text(RAISED_EN, timeout=WAIT_MS)
        if screenshot_dir():
            await board.screenshot(path=str(screenshot_dir() / "web-wallboard-alert.png"), full_page=True)
        await board.click("#lang")
        await expect(alerts.locator("li.alert")).to_have_text(RAISED_ZH)
        if screenshot_dir():
            await board.screenshot(path=str(screenshot_dir() / "web-wallboard-alert-zh.png"), full_page=True)

        [raised] = mqtt.on("hotline/alerts")
        assert (raised["queue"], raised["kind"], raised["state"], raised["value"]) == (
            "billing", "waiting_calls", "raised", 2)
        assert raised["message"] == {"en": RAISED_EN, "zh": RAISED_ZH}
        assert f"alert raised: {RAISED_EN}" in caplog.text

        await _agent(mqtt, "ready")  # one caller is put through: one waiting, the clear level
        await expect(alerts.locator("li.alert")).to_have_count(0, timeout=WAIT_MS)
        await expect(alerts).to_contain_text("无预警")  # the page is still in Mandarin
        await until(lambda: len(mqtt.on("hotline/alerts")) == 2, 10, message="cleared alert on MQTT")
        cleared = mqtt.on("hotline/alerts")[1]
        assert (cleared["state"], cleared["value"], cleared["since"]) == ("cleared", 1, raised["since"])
        assert "alert cleared: queue billing: warning cleared: 1 calls waiting" in caplog.text
        results = await asyncio.gather(*calls)  # agent-sim answers both in turn and hangs up
        assert all(r.ok for r in results), [r.stderr for r in results]
        await expect(waiting).to_have_text("0", timeout=WAIT_MS)
        assert len(mqtt.on("hotline/alerts")) == 2  # raised once, cleared once: no flapping


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    """Prometheus text parsed by the client library's own parser: {(sample name, labels): value}."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_scraped_over_http_count_a_real_call_answered_through_the_acd(engine_factory, tmp_path):
    port = free_port()
    hotline = await engine_factory(acd=str(ACD_YAML), web_port=port)
    await until(lambda: hotline.engine.web.started, 10, message="web server listening")
    assert hotline.engine.commands.execute({"cmd": "agent.login", "agent": "1001"})["ok"]
    billing, seen = (("queue", "billing"),), {}

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        async def scrape(**expected: float) -> bool:
            reply = await http.get("/metrics")
            assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
            seen.clear()
            seen.update(_samples(reply.text))
            return all(seen.get(key) == value for key, value in _keys(expected))

        def _keys(expected):
            names = {"on_call": ("hotline_agents", (("state", "on_call"),)),
                     "agi_active": ("hotline_agi_sessions_active", ()),
                     "ready": ("hotline_agents", (("state", "ready"),)),
                     "answered": ("hotline_calls_answered_total", billing)}
            return [(names[k], v) for k, v in expected.items()]

        call = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, AwaitHangup(40_000)], caller="5551203"))
        await until(lambda: scrape(on_call=1, agi_active=1, answered=1), 20, 0.2, "the call in /metrics")
        assert seen[("hotline_queue_agents", (("queue", "billing"), ("state", "on_call")))] == 1
        assert seen[("hotline_ami_connected", ())] == 1
        assert (await call).ok
        await until(lambda: scrape(on_call=0, agi_active=0, ready=1), 20, 0.2, "the call over in /metrics")
        assert seen[("hotline_calls_offered_total", billing)] == 1
        assert seen[("hotline_calls_answered_total", billing)] == 1
        assert ("hotline_calls_abandoned_total", billing) not in seen  # a labelled counter appears once counted
        assert seen[("hotline_queue_waiting_calls", billing)] == 0
        assert seen[("hotline_agents", (("state", "logged_out"),))] == 2  # Bob and Carol
        assert seen[("hotline_agi_sessions_total", ())] == 1
        assert seen[("hotline_ami_connected", ())] == 1

        # a scrape from the LAN through the recommended loopback reverse proxy (docs/web.md) is not
        # loopback: uvicorn takes the client from X-Forwarded-For sent by 127.0.0.1
        refused = await http.get("/metrics", headers={"X-Forwarded-For": "192.0.2.77"})
        assert (refused.status_code, refused.json()["error_id"]) == (401, "no-session")
