"""The engine's front ends, built from its parts: the call recorder, the MQTT bridge, today's
wallboard figures and the browser desk (split from cti/app/engine.py, the composition root)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cti.app.config import HotlineConfig
from cti.mqtt import MqttBridge
from cti.reports.today import queues_today
from cti.services.recordings import Recorder
from cti.services.today import TodayFigures
from cti.web import WebServer, make_context

if TYPE_CHECKING:
    from cti.app.engine import Engine


def make_recorder(engine: Engine, config: HotlineConfig) -> Recorder:
    """Call recordings (docs/recordings.md): Asterisk writes under recordings.asterisk_dir, the
    engine reads the same files under recordings.engine_dir()."""
    r = config.recordings

    def channel_of(call_id: str) -> str | None:
        info = engine.registry.get(call_id)
        return info.channel if info and info.channel else None
    return Recorder(r.engine_dir(), r.asterisk_dir, engine.nodes, engine.cdrs, settle_timeout_s=r.settle_timeout_s,
                    channel_of=channel_of)


def make_mqtt(engine: Engine, config: HotlineConfig) -> MqttBridge | None:
    m = config.mqtt
    if not m.enabled:
        return None
    bridge = MqttBridge(m.host, m.port, m.topic_prefix, engine.commands, username=m.username,
                        password=m.password(), client_id=m.client_id, stats_provider=engine.commands.queues,
                        stats_interval=m.stats_interval)
    engine.acd.notifier.listeners.append(bridge.listener)
    engine.alerts.listeners.append(bridge.listener)
    engine.flows.on_change(lambda name, issues: bridge.ivr_flow(
        name, "rejected" if issues else "reloaded", [str(i) for i in issues]))
    engine.calls.ended_listeners.append(lambda cdr: bridge.call_event(
        cdr.call_id, "ended", disposition=cdr.disposition, ivr_exit=cdr.ivr_exit, caller=cdr.caller,
        queue=cdr.queue, agent=cdr.agent, ivr_path=cdr.ivr_path, duration_s=cdr.duration_s))
    return bridge


def make_today(engine: Engine, config: HotlineConfig) -> TodayFigures:
    """Today's queue figures (from local midnight), each queue against its current SL threshold."""
    zone = ZoneInfo(config.engine.timezone)

    def thresholds() -> dict[str, float]:
        return {name: engine.acd.queue(name).sl_seconds for name in engine.acd.queue_names()}
    return TodayFigures(lambda now: queues_today(engine.db, thresholds(), now, zone),
                        interval=config.http.today_interval, timeout=config.http.today_timeout)


def make_web(engine: Engine, config: HotlineConfig, alerts=None, metrics=None) -> WebServer | None:
    """The browser desk and wallboard; `alerts` (an AlertFeed) and `metrics` (Prometheus text)
    are the seams later features plug into (docs/web.md)."""
    h = config.http
    if not h.enabled:
        return None
    context = make_context(
        users_file=Path(h.users_file), commands=engine.commands, agents=engine.commands.agents,
        queues=engine.commands.queues, queue_names=engine.acd.queue_names,
        agents_of=lambda q: [a.id for a in engine.acd.agents_of(q)], clock=time.monotonic, alerts=alerts,
        metrics=metrics, admin_token=h.admin_token(), session_ttl_s=h.session_ttl_s,
        login_attempts=h.login_attempts, login_window_s=h.login_window_s, secure_cookies=h.secure_cookies,
        board_interval=h.board_interval, today=engine.today.current,
        monitoring=lambda user_id: _monitoring(engine, user_id))
    engine.acd.notifier.listeners.append(context.hub.listener)
    return WebServer(context, h.host, h.port)


def _monitoring(engine: Engine, user_id: str) -> dict | None:
    """The wallboard's monitoring part for a web user who is a supervisor of config/acd.yaml."""
    return engine.monitor.list(user_id) if user_id in engine.monitor.supervisors else None
