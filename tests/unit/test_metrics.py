"""`/metrics` as the web app will serve it: `EngineMetrics.render()` parsed with prometheus_client's
own parser, after calls offered, answered and abandoned through the real ACD service."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from acd.config import load_acd
from acd.inbox import Offered
from acd.models import Task
from acd.router import Router
from cti.services.acd import AcdService
from cti.services.alerts import AlertService
from cti.services.metrics import EngineMetrics
from tests.support.clock import FakeClock
from tests.support.sinks import RecordingSink

REPO = Path(__file__).resolve().parents[2]


def samples(metrics: EngineMetrics) -> dict[tuple[str, tuple], float]:
    body, content_type = metrics.render()
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


async def test_scrape_counts_calls_by_queue_and_reads_live_figures() -> None:
    clock = FakeClock()
    acd = AcdService(Router(*load_acd(REPO / "config/acd.yaml")), RecordingSink(), clock=clock, wall=clock.wall)
    alerts = AlertService(acd, wall=clock.wall)
    spool = SimpleNamespace(pending_bytes=lambda: 512)
    metrics = EngineMetrics(
        acd, agi=SimpleNamespace(active_sessions=2, sessions_total=7, sessions_refused=1),
        ami=SimpleNamespace(connected=asyncio.Event()),
        records=SimpleNamespace(spool=spool, queued=3, stats=SimpleNamespace(written=40, spooled=2, replayed=1, rejected=0)),
        dialer=SimpleNamespace(runs={}), alerts=alerts)
    acd.notifier.on_event.append(metrics.on_acd_event)
    acd.decision_observers.append(metrics.on_decision)

    acd.agent_command("1001", "login")
    inbox = acd.open(Task(id="c1", queue="billing", priority=0, enqueued_at=acd.now()))
    offered = inbox.events.get_nowait()
    assert isinstance(offered, Offered)
    clock.advance(4)
    acd.answered(offered.reservation)
    for n in (2, 3):
        acd.open(Task(id=f"c{n}", queue="billing", priority=0, enqueued_at=acd.now()))
    clock.advance(10)
    acd.abandon("c3")
    acd.close("c3")

    s = samples(metrics)
    q = (("queue", "billing"),)
    assert (s["hotline_calls_offered_total", q], s["hotline_calls_answered_total", q],
            s["hotline_calls_abandoned_total", q]) == (3, 1, 1)
    assert ("hotline_calls_offered_total", (("queue", "vip"),)) not in s  # no call there yet
    assert s["hotline_queue_waiting_calls", q] == 1 and s["hotline_queue_longest_wait_seconds", q] == 10
    assert s["hotline_queue_agents", (("queue", "billing"), ("state", "on_call"))] == 1
    assert s["hotline_agents", (("state", "on_call"),)] == 1 and s["hotline_agents", (("state", "logged_out"),)] == 5
    assert s["hotline_routing_decision_seconds_count", (("operation", "enqueue"),)] == 3
    assert s["hotline_routing_decision_seconds_count", (("operation", "accept"),)] == 1
    assert s["hotline_routing_decision_seconds_bucket", (("le", "+Inf"), ("operation", "login"))] == 1
    assert (s["hotline_agi_sessions_active", ()], s["hotline_agi_sessions_total", ()]) == (2, 7)
    assert s["hotline_ami_connected", ()] == 0
    assert (s["hotline_record_spool_bytes", ()], s["hotline_records_queued", ()]) == (512, 3)
    assert s["hotline_records_total", (("outcome", "written"),)] == 40


async def test_scrape_shows_dialer_pacing_and_active_alerts() -> None:
    clock = FakeClock()
    acd = AcdService(Router(*load_acd(REPO / "config/acd.yaml")), RecordingSink(), clock=clock, wall=clock.wall)
    alerts = AlertService(acd, wall=clock.wall)
    run = SimpleNamespace(inflight={"a1": 1, "a2": 2}, counts={"dialed": 12},
                          pacer=SimpleNamespace(controller=SimpleNamespace(day_rate=0.025)))
    metrics = EngineMetrics(acd, dialer=SimpleNamespace(runs={"renewals": run}), alerts=alerts)
    for n in range(5):
        acd.open(Task(id=f"c{n}", queue="complaints", priority=0, enqueued_at=acd.now()))
    alerts.evaluate()
    s = samples(metrics)
    c = (("campaign", "renewals"),)
    assert (s["hotline_dialer_lines_in_flight", c], s["hotline_dialer_dials_total", c],
            s["hotline_dialer_abandon_ratio_today", c]) == (2, 12, 0.025)
    assert s["hotline_alerts_active", (("kind", "waiting_calls"), ("queue", "complaints"), ("severity", "warning"))] == 1
    assert s["hotline_alert_changes_total", (("change", "raised"), ("kind", "waiting_calls"), ("queue", "complaints"))] == 1


def test_every_metric_rendered_and_every_one_the_dashboard_uses_is_documented() -> None:
    import json
    import re
    documented = set(re.findall(r"^\| `(hotline_\w+)`", (REPO / "docs/metrics.md").read_text(), re.M))
    clock = FakeClock()
    acd = AcdService(Router(*load_acd(REPO / "config/acd.yaml")), RecordingSink(), clock=clock)
    full = EngineMetrics(acd, agi=SimpleNamespace(active_sessions=0, sessions_total=0, sessions_refused=0),
                         ami=SimpleNamespace(connected=asyncio.Event(), links=lambda: {"pbx-a": True, "pbx-b": False}),
                         records=SimpleNamespace(spool=SimpleNamespace(pending_bytes=lambda: 0), queued=0,
                                                 stats=SimpleNamespace(written=0, spooled=0, replayed=0, rejected=0)),
                         dialer=SimpleNamespace(runs={}), alerts=AlertService(acd),
                         recordings=SimpleNamespace(counts={"missing": 1}))
    rendered = set(re.findall(r"^# TYPE (hotline_\w+) (\w+)", full.render()[0].decode(), re.M))
    names = {name for name, _ in rendered}
    assert names == documented
    exprs = [t["expr"] for p in json.loads((REPO / "docs/grafana/hotline.json").read_text())["panels"]
             for t in p["targets"]]
    used = {re.sub(r"_bucket$", "", m) for e in exprs for m in re.findall(r"hotline_\w+", e)}
    assert used <= documented and len(used) >= 12
