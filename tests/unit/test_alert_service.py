"""`AlertService` on a real ACD (the shipped config/acd.yaml), driven by a test clock.

The supervisor's story: callers pile up in billing, the waiting count crosses 5 and an alert is
raised (log, listeners, `active()`); callers get served or leave, the count falls to 2, and 30 s
later the alert clears. A reload that drops the rule clears what it raised.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from acd.config import load_acd
from acd.models import Task
from acd.router import Router
from cti.services.acd import AcdService
from cti.services.alerts import AlertService, AlertsProvider
from tests.support.clock import FakeClock
from tests.support.sinks import RecordingSink

REPO = Path(__file__).resolve().parents[2]


def world() -> tuple[AcdService, AlertService, list[dict], FakeClock]:
    clock = FakeClock()
    acd = AcdService(Router(*load_acd(REPO / "config/acd.yaml")), RecordingSink(), clock=clock, wall=clock.wall)
    alerts = AlertService(acd, wall=clock.wall)
    acd.notifier.on_event.append(alerts.on_acd_event)
    heard: list[dict] = []
    alerts.listeners.append(lambda kind, payload: heard.append({"kind": kind, **payload}))
    return acd, alerts, heard, clock


def call(acd: AcdService, n: int) -> Task:
    return Task(id=f"c{n}", queue="billing", priority=0, enqueued_at=acd.now())


async def test_waiting_calls_raise_an_alert_at_five_and_clear_it_after_thirty_seconds_at_two(caplog) -> None:
    acd, alerts, heard, clock = world()
    provider: AlertsProvider = alerts
    acd.agent_command("1001", "login")
    caplog.set_level(logging.INFO, logger="hotline.alerts")
    for n in range(6):  # the first rings Alice; five wait
        acd.open(call(acd, n))
        await asyncio.sleep(0)  # one loop turn: the evaluation scheduled by the ACD's event runs
        clock.advance(1)
    assert [h["state"] for h in heard] == ["raised"]
    [raised] = heard
    assert {k: raised[k] for k in ("queue", "kind", "severity", "value", "threshold", "clear_at")} == {
        "queue": "billing", "kind": "waiting_calls", "severity": "warning", "value": 5, "threshold": 5,
        "clear_at": 2}
    assert raised["message"]["zh"].startswith("队列 billing：预警（警告）：5 个来电排队等待")
    assert [(a["queue"], a["kind"], a["since"]) for a in provider.active()] == [
        ("billing", "waiting_calls", "2026-12-01T02:00:05+00:00")]
    assert [r.getMessage() for r in caplog.records] == [
        "alert raised: queue billing: warning raised: 5 calls waiting (alert at 5, clears at 2)"]

    for n in (5, 4, 3):
        acd.abandon(f"c{n}")
        acd.close(f"c{n}")
    await asyncio.sleep(0)
    assert alerts.evaluate() == [] and len(provider.active()) == 1  # at the clear level, not yet held
    clock.advance(29)
    assert alerts.evaluate() == []
    clock.advance(1)
    [cleared] = alerts.evaluate()
    assert (cleared["state"], cleared["value"], cleared["since"]) == ("cleared", 2, "2026-12-01T02:00:05+00:00")
    assert heard[-1] == {"kind": "alert", **cleared} and provider.active() == []
    assert caplog.records[-1].getMessage() == (
        "alert cleared: queue billing: warning cleared: 2 calls waiting (alert at 5, clears at 2)")
    assert alerts.counts[("billing", "waiting_calls", "raised")] == 1


async def test_a_reload_without_the_rule_clears_the_alert_it_raised(tmp_path: Path) -> None:
    acd, alerts, heard, clock = world()
    for n in range(5):  # nobody logged in: all five wait (billing turns callers away... unless they wait)
        acd.open(Task(id=f"c{n}", queue="complaints", priority=0, enqueued_at=acd.now()))
    await asyncio.sleep(0)
    assert [(h["queue"], h["kind"], h["state"]) for h in heard] == [("complaints", "waiting_calls", "raised")]
    text = (REPO / "config/acd.yaml").read_text().replace(
        "    when_nobody: wait\n", "    when_nobody: wait\n    alerts:\n      waiting_calls: {raise: 5, clear: 2, enabled: false}\n")
    (tmp_path / "acd.yaml").write_text(text)
    acd.reload(*load_acd(tmp_path / "acd.yaml"))
    clock.advance(1)
    [cleared] = alerts.evaluate()
    assert (cleared["queue"], cleared["kind"], cleared["state"], cleared["reason"]) == (
        "complaints", "waiting_calls", "cleared", "reset")
    assert "(rule removed)" in cleared["message"]["en"] and alerts.active() == []
