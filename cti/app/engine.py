"""Composition root: builds every object of the engine and owns their tasks.

Shutdown order (SIGTERM/SIGINT or `stop()`): stop intake (FastAGI listener closed) -> drain live
calls (bounded by shutdown.drain_timeout) -> close the web desk (live streams ended first) ->
flush CDRs to the database or spool -> close MQTT -> close AMI.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from cti.agi import CallSession, FastAgiServer
from cti.ami import AmiClient
from cti.calls.admission import Admission, AdmissionLimits
from cti.calls.inbound import InboundCalls
from cti.app.config import HotlineConfig
from cti.ami.registry import CallRegistry
from acd.config import load_acd_config, to_specs
from acd.supervisor_config import to_supervisors
from cti.services.monitoring import MonitorService
from cti.app.supervise_commands import SuperviseCommands
from cti.services.acd_reload import AcdConfigWatcher
from acd.router import Router
from cti.services.acd import AcdService
from cti.services.alerts import AlertService
from cti.services.metrics import EngineMetrics
from cti.services.recordings import Recorder
from cti.services.today import TodayFigures
from cti.reports.today import queues_today
from cti.calls.consult import Consults
from cti.app.control import Commands, ControlServer
from cti.calls.desk import DeskActions
from cti.mqtt import MqttBridge
from cti.store.customers import CustomerDirectory, create_and_seed
from cti.store import CdrWriter, create_schema, latest_agent_states, make_engine
from cti.calls.outbound import OutboundCalls
from cti.services.dialer import DialerService
from cti.services.flows import FlowLibrary
from cti.app.case_commands import CaseCommands
from cti.services.case_desk import CaseCalls, CaseDirectory, make_case_service
from cti.web import WebServer, make_context

log = logging.getLogger("hotline.app")


class Engine:
    """One running hotline engine; `run()` until `stop()`."""

    def __init__(self, config: HotlineConfig) -> None:
        self.config = config
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.db = make_engine(config.database.url)
        self.cdrs = CdrWriter(self.db, Path(config.database.spool_dir) / "cdr.jsonl",
                              batch_size=config.database.batch_size)
        a = config.ami
        self.ami = AmiClient(a.host, a.port, a.username, a.secret, connect_timeout=a.connect_timeout,
                             action_timeout=a.action_timeout, ping_interval=a.ping_interval,
                             reconnect_min=a.reconnect_min, reconnect_max=a.reconnect_max)
        self.registry = CallRegistry()
        acd_config = load_acd_config(Path(config.acd.config))
        queues, agents = to_specs(acd_config)
        self.acd = AcdService(Router(queues, agents), self.cdrs)
        self.flows = FlowLibrary(Path(config.ivr.flows_dir), Path(config.ivr.sounds_dir),
                                 queues=self.acd.queue_names)
        self.acd_watcher = AcdConfigWatcher(Path(config.acd.config), self.acd)
        self.registry.on_dial_answered.append(self.acd.on_dial_answered)
        d = config.dialer
        self.dialer = DialerService(Path(d.campaigns_dir), self.db, self.ami, self.acd, self.cdrs, interval=d.interval)
        self.registry.on_originate_response.append(self.dialer.on_originate_response)
        self.recorder = self._recorder(config)
        self.outbound = OutboundCalls(self.dialer, self.acd, Path(config.ivr.sounds_dir), safe_harbor_s=d.safe_harbor_s,
                                      recorder=self.recorder)
        self.consults = Consults(self.acd, self.ami, self.registry, max_wait_s=config.acd.consult_wait_s)
        self.commands = Commands(self.acd, self.dialer, DeskActions(
            self.acd, self.dialer, self.ami, self.registry, config.dialer.callback_campaign, self.consults,
            self.recorder))
        self.monitor = MonitorService(self.acd, self.ami, self.registry, self.cdrs,
                                      to_supervisors(acd_config.supervisors), relay=self.acd.notifier.relay)
        self.acd_watcher.on_config.append(lambda c: self.monitor.reload(to_supervisors(c.supervisors)))
        self.commands.supervise = SuperviseCommands(self.monitor)
        self.control = ControlServer(self.commands, Path(config.control.socket))
        self.directory = CustomerDirectory(self.db)
        self.cases = make_case_service(config.cases.config, self.db, self.acd, self.dialer) \
            if config.cases.enabled else None
        if self.cases is not None:
            self.case_calls = CaseCalls(self.cases, self.acd)
            self.acd.notifier.on_event.append(self.case_calls.on_acd_event)
            self.directory = CaseDirectory(self.directory, self.cases)
            self.commands.cases = CaseCommands(self.cases, self.acd)
        self.calls = InboundCalls(self.flows.current, Path(config.ivr.sounds_dir).resolve(), self.registry,
                                  self.cdrs, ami_up=self.ami.connected.is_set, acd=self.acd,
                                  directory=self.directory, book_callback=self._book_callback,
                                  recorder=self.recorder)
        self.calls.ended_listeners.append(lambda cdr: self.consults.on_call_ended(cdr.call_id))
        self.alerts = AlertService(self.acd)  # the wallboard's AlertsProvider
        self.acd.notifier.on_event.append(self.alerts.on_acd_event)
        self.mqtt = self._mqtt(config)
        g = config.agi
        self.agi = FastAgiServer(self._on_call, g.host, g.port, header_timeout=g.header_timeout,
                                 max_sessions=g.max_sessions, command_timeout=g.command_timeout)
        self.admission = Admission(AdmissionLimits(g.max_calls, g.max_new_calls_per_s, g.new_calls_burst))
        self.metrics = EngineMetrics(self.acd, agi=self.agi, ami=self.ami, records=self.cdrs, dialer=self.dialer,
                                     alerts=self.alerts, recordings=self.recorder)  # render serves GET /metrics
        self.acd.notifier.on_event.append(self.metrics.on_acd_event)
        self.acd.decision_observers.append(self.metrics.on_decision)
        self.today = self._today(config)
        self.web = self._web(config, alerts=self.alerts, metrics=lambda: self.metrics.render()[0].decode())

    def _recorder(self, config: HotlineConfig) -> Recorder:
        """Call recordings (docs/recordings.md): Asterisk writes under recordings.asterisk_dir, the
        engine reads the same files under recordings.engine_dir()."""
        r = config.recordings

        def channel_of(call_id: str) -> str | None:
            info = self.registry.get(call_id)
            return info.channel if info and info.channel else None
        return Recorder(r.engine_dir(), r.asterisk_dir, self.ami, self.cdrs, settle_timeout_s=r.settle_timeout_s,
                        channel_of=channel_of)

    def _mqtt(self, config: HotlineConfig) -> MqttBridge | None:
        m = config.mqtt
        if not m.enabled:
            return None
        bridge = MqttBridge(m.host, m.port, m.topic_prefix, self.commands, username=m.username,
                            password=m.password(), client_id=m.client_id, stats_provider=self.commands.queues,
                            stats_interval=m.stats_interval)
        self.acd.notifier.listeners.append(bridge.listener)
        self.alerts.listeners.append(bridge.listener)
        self.flows.on_change(lambda name, issues: bridge.ivr_flow(
            name, "rejected" if issues else "reloaded", [str(i) for i in issues]))
        self.calls.ended_listeners.append(lambda cdr: bridge.call_event(
            cdr.call_id, "ended", disposition=cdr.disposition, ivr_exit=cdr.ivr_exit, caller=cdr.caller,
            queue=cdr.queue, agent=cdr.agent, ivr_path=cdr.ivr_path, duration_s=cdr.duration_s))
        return bridge

    def _today(self, config: HotlineConfig) -> TodayFigures:
        """Today's queue figures (from local midnight), each queue against its current SL threshold."""
        zone = ZoneInfo(config.engine.timezone)

        def thresholds() -> dict[str, float]:
            return {name: self.acd.queue(name).sl_seconds for name in self.acd.queue_names()}
        return TodayFigures(lambda now: queues_today(self.db, thresholds(), now, zone),
                            interval=config.http.today_interval, timeout=config.http.today_timeout)

    def _web(self, config: HotlineConfig, alerts=None, metrics=None) -> WebServer | None:
        """The browser desk and wallboard; `alerts` (an AlertFeed) and `metrics` (Prometheus text)
        are the seams later features plug into (docs/web.md)."""
        h = config.http
        if not h.enabled:
            return None
        context = make_context(
            users_file=Path(h.users_file), commands=self.commands, agents=self.commands.agents,
            queues=self.commands.queues, queue_names=self.acd.queue_names,
            agents_of=lambda q: [a.id for a in self.acd.agents_of(q)], clock=time.monotonic, alerts=alerts,
            metrics=metrics, admin_token=h.admin_token(), session_ttl_s=h.session_ttl_s,
            login_attempts=h.login_attempts, login_window_s=h.login_window_s, secure_cookies=h.secure_cookies,
            board_interval=h.board_interval, today=self.today.current, monitoring=self._monitoring)
        self.acd.notifier.listeners.append(context.hub.listener)
        return WebServer(context, h.host, h.port)

    def _monitoring(self, user_id: str) -> dict | None:
        """The wallboard's monitoring part for a web user who is a supervisor of config/acd.yaml."""
        return self.monitor.list(user_id) if user_id in self.monitor.supervisors else None

    async def _on_call(self, session: CallSession) -> None:
        if session.script.startswith("dialer/"):
            await self.outbound.handle(session)
        elif session.script.startswith("consult/"):
            await self.consults.handle(session)
        else:
            refusal = self.admission.decide(self.calls.active, time.monotonic())
            if refusal is None:
                await self.calls.handle(session)
                return
            self.agi.sessions_refused += 1
            self.calls.refuse(session, refusal)

    async def _book_callback(self, task) -> bool:
        attrs = task.attributes
        return await self.dialer.book_callback(self.config.dialer.callback_campaign, attrs.get("caller", ""),
                                               attrs.get("customer_name", ""),
                                               {"queue": task.queue, "tier": attrs.get("tier", "")})

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await self._prepare()
        async with asyncio.TaskGroup() as tg:
            background = [
                tg.create_task(self.ami.run(), name="ami-link"),
                tg.create_task(self.registry.consume(self.ami.events), name="ami-events"),
                tg.create_task(self.cdrs.run(), name="cdr-writer"),
                tg.create_task(self.flows.watch(), name="ivr-reload"),
                tg.create_task(self.acd.run_ticks(self.config.acd.tick_interval), name="acd-ticks"),
                tg.create_task(self.dialer.run(), name="dialer-pacing"),
                tg.create_task(self.acd_watcher.watch(), name="acd-reload"),
                tg.create_task(self.alerts.run(1.0), name="alert-ticks"),
                *([tg.create_task(self.mqtt.run(), name="mqtt-link")] if self.mqtt else []),
                *([tg.create_task(self.web.run(), name="web-http"),
                   tg.create_task(self.today.run(), name="today-figures")] if self.web else []),
                *([tg.create_task(self.cases.run(self.config.cases.tick_interval), name="case-ticks")]
                  if self.cases else []),
            ]
            await self.control.start()
            await self.agi.start()
            log.info("engine ready: FastAGI %s:%d, AMI %s:%d, database %s, flows %s, web %s",
                     self.config.agi.host, self.agi.port, self.config.ami.host, self.config.ami.port,
                     _safe_url(self.config.database.url), ", ".join(sorted(self.flows.flows)) or "none",
                     f"http://{self.config.http.host}:{self.config.http.port}/desk" if self.web else "off")
            self.ready.set()
            await self._stop.wait()
            await self._shutdown(background)

    async def _prepare(self) -> None:
        self.flows.scan()
        try:
            await asyncio.wait_for(create_schema(self.db), 15)
            await asyncio.wait_for(create_and_seed(self.db), 15)
            await self._restore_agents()
            if self.cases is not None:
                log.info("cases: %d open or awaiting follow-up", await asyncio.wait_for(self.cases.load(), 15))
        except (OSError, asyncio.TimeoutError, SQLAlchemyError) as exc:
            log.error("database unreachable at start (%s); CDRs go to the spool until it returns", exc)

    async def _restore_agents(self) -> None:
        """Agents logged in when the engine stopped are logged in again, in the state they had."""
        last = await asyncio.wait_for(latest_agent_states(self.db), 15)
        self.acd.restore({agent_id: (rec.to_state, rec.reason or "") for agent_id, rec in last.items()})

    async def _shutdown(self, background: list[asyncio.Task]) -> None:
        log.info("stopping: no new calls; draining %d live calls (up to %.0f s)",
                 self.agi.active_sessions, self.config.shutdown.drain_timeout)
        await self.agi.close(self.config.shutdown.drain_timeout)
        await self.calls.drain(5.0)
        if self.cases is not None:
            await self.case_calls.drain(5.0)
        if self.web:
            await self.web.close()
        await self.control.close()
        await self.monitor.close()
        await self.cdrs.close()
        if self.mqtt:
            await self.mqtt.close(5.0)
        await self.ami.close()
        for task in background:
            task.cancel()
        await self.db.dispose()
        log.info("stopped")


def _safe_url(url: str) -> str:
    head, sep, tail = url.rpartition("@")
    return f"{head.split('//')[0]}//***@{tail}" if sep else url


async def serve(config: HotlineConfig) -> None:
    """Run the engine until SIGTERM or SIGINT."""
    engine = Engine(config)
    gc.freeze()  # config, flows and indexes are long-lived: keep full collections from scanning them
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, engine.stop)
    await engine.run()
