"""Composition root: builds every object of the engine and owns their tasks.

Shutdown order (SIGTERM/SIGINT or `stop()`): stop intake (FastAGI listener closed) -> drain live
calls (bounded by shutdown.drain_timeout) -> close the web desk (live streams ended first) ->
flush CDRs to the database or spool -> close MQTT -> close AMI.

With `ha.enabled` (docs/standby.md) the engine first waits as a STANDBY: it connects nothing but
the database, where it polls for the lease (and its record writer replays a spool left by an
earlier run). Only once it holds the lease does it restore agents and
cases from the records and start everything above. If it loses the lease it stops acting at once
(cti/app/standby_role.py: no FastAGI intake, live calls handed back to the dialplan, no ACD ticks, no
dialer), flushes its records and exits with EXIT_LEASE_LOST for its supervisor to restart it,
as a standby. A clean stop releases the lease last, after the records are flushed.

With several Asterisk nodes (`asterisk:`, docs/nodes.md) there is one AMI link and one event
consumer per node (cti/ami/nodes.py); the services get `self.nodes`, which sends each action to
the node that has the channel, and `self.ami` is the first node's link.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from cti.agi import CallSession, FastAgiServer
from cti.calls.admission import Admission, AdmissionLimits
from cti.calls.inbound import InboundCalls
from cti.app.asterisk_nodes import agent_node_issues, make_nodes
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
from cti.calls.consult import Consults
from cti.app.control import Commands, ControlServer
from cti.calls.desk import DeskActions
from common.yamlconf import ConfigError
from cti.store.customers import CustomerDirectory, create_and_seed
from cti.store import CdrWriter, create_schema, latest_agent_states, make_engine
from cti.store.lease import create_lease_table, schema_lock
from cti.services.standby import FencedRecords
from cti.app.frontends import make_mqtt, make_recorder, make_today, make_web
from cti.app.standby_role import EXIT_LEASE_LOST, lease_keeper, take_over
from cti.calls.outbound import OutboundCalls
from cti.calls.survey import Surveys, check_survey_flows
from cti.services.dialer import DialerService
from cti.services.flows import FlowLibrary
from cti.app.case_commands import CaseCommands
from cti.services.case_desk import CaseCalls, CaseDirectory, make_case_service

log = logging.getLogger("hotline.app")


class Engine:
    """One running hotline engine; `run()` until `stop()`."""

    def __init__(self, config: HotlineConfig) -> None:
        self.config = config
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self.db = make_engine(config.database.url, schema=config.database.schema_name)
        self.exit_code = 0
        self.ha = lease_keeper(self, config)
        self._acting: list[asyncio.Task] = []  # what stops at once when the lease is lost
        self._lease_task: asyncio.Task | None = None
        self.tables_ready = False
        self.cdrs = CdrWriter(self.db, Path(config.database.spool_dir) / "cdr.jsonl",
                              batch_size=config.database.batch_size)
        self.registry = CallRegistry()
        self.nodes = make_nodes(config, self.registry)  # one AMI link per Asterisk node (docs/nodes.md)
        self.ami = self.nodes.default
        acd_config = load_acd_config(Path(config.acd.config))
        if issues := agent_node_issues(acd_config, Path(config.acd.config), self.nodes.topology):
            raise ConfigError(issues)
        queues, agents = to_specs(acd_config)
        self.acd = AcdService(Router(queues, agents), self.cdrs)
        self.acd.use_topology(self.nodes.topology)
        self.nodes.on_link.append(self.acd.node_link)
        self.flows = FlowLibrary(Path(config.ivr.flows_dir), Path(config.ivr.sounds_dir),
                                 queues=self.acd.queue_names)
        self.acd_watcher = AcdConfigWatcher(Path(config.acd.config), self.acd)
        self.acd_watcher.checks.append(lambda c, path: agent_node_issues(c, path, self.nodes.topology))
        self.registry.on_dial_answered.append(self.acd.on_dial_answered)
        d = config.dialer
        self.dialer = DialerService(Path(d.campaigns_dir), self.db, self.nodes, self.acd, self.cdrs, interval=d.interval)
        self.registry.on_originate_response.append(self.dialer.on_originate_response)
        self.recorder = make_recorder(self, config)
        self.outbound = OutboundCalls(self.dialer, self.acd, Path(config.ivr.sounds_dir), safe_harbor_s=d.safe_harbor_s,
                                      recorder=self.recorder)
        self.consults = Consults(self.acd, self.nodes, self.registry, max_wait_s=config.acd.consult_wait_s)
        self.commands = Commands(self.acd, self.dialer, DeskActions(
            self.acd, self.dialer, self.nodes, self.registry, config.dialer.callback_campaign, self.consults,
            self.recorder))
        self.monitor = MonitorService(self.acd, self.nodes, self.registry, self.cdrs,
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
            self.outbound.cases = self.cases  # an automated 回访 survey's score confirms or reopens the case
        self.surveys = Surveys(self.flows.current, Path(config.ivr.sounds_dir).resolve(), self.cdrs)
        self.outbound.surveys = self.surveys
        self.dialer.survey_flows = self.flows.current  # a survey campaign whose flow is missing will not start
        call_records = FencedRecords(self.cdrs, lambda: self.ha.fence) if self.ha else self.cdrs
        self.calls = InboundCalls(self.flows.current, Path(config.ivr.sounds_dir).resolve(), self.registry,
                                  call_records, ami_up=self.nodes.connected.is_set, acd=self.acd,
                                  directory=self.directory, book_callback=self._book_callback,
                                  recorder=self.recorder, surveys=self.surveys)
        self.calls.ended_listeners.append(lambda cdr: self.consults.on_call_ended(cdr.call_id))
        self.alerts = AlertService(self.acd)  # the wallboard's AlertsProvider
        self.acd.notifier.on_event.append(self.alerts.on_acd_event)
        self.mqtt = make_mqtt(self, config)
        g = config.agi
        self.agi = FastAgiServer(self._on_call, g.host, g.port, header_timeout=g.header_timeout,
                                 max_sessions=g.max_sessions, command_timeout=g.command_timeout)
        self.admission = Admission(AdmissionLimits(g.max_calls, g.max_new_calls_per_s, g.new_calls_burst))
        self.metrics = EngineMetrics(self.acd, agi=self.agi, ami=self.nodes, records=self.cdrs, dialer=self.dialer,
                                     alerts=self.alerts, recordings=self.recorder)  # render serves GET /metrics
        self.acd.notifier.on_event.append(self.metrics.on_acd_event)
        self.acd.decision_observers.append(self.metrics.on_decision)
        self.today = make_today(self, config)
        self.web = make_web(self, config, alerts=self.alerts, metrics=lambda: self.metrics.render()[0].decode())

    async def _on_call(self, session: CallSession) -> None:
        if self.ha is not None and not self.ha.may_act():
            log.warning("call %s handed back to the dialplan: this engine does not hold the lease", session.uniqueid)
            return
        session.node = self.nodes.node_of(session.uniqueid)
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
            writer = tg.create_task(self.cdrs.run(), name="cdr-writer")  # a standby too replays its spool
            if self.ha is not None and not await take_over(self, tg):
                return
            background = [
                *[tg.create_task(coro, name=name) for name, coro in self.nodes.tasks()],
                writer,
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
            self._acting = [t for t in background if t.get_name() in ("acd-ticks", "dialer-pacing", "case-ticks")]
            await self.control.start()
            await self.agi.start()
            log.info("engine ready: FastAGI %s:%d, AMI %s, database %s, flows %s, web %s",
                     self.config.agi.host, self.agi.port, self.nodes.describe(),
                     _safe_url(self.config.database.url), ", ".join(sorted(self.flows.flows)) or "none",
                     f"http://{self.config.http.host}:{self.config.http.port}/desk" if self.web else "off")
            self.ready.set()
            await self._stop.wait()
            await self._shutdown(background)

    async def _prepare(self) -> None:
        self.flows.scan()
        check_survey_flows(Path(self.config.acd.config), self.flows.current())
        try:
            await asyncio.wait_for(self._create_tables(), 15)
            if self.ha is None:
                await self._restore()
        except (OSError, asyncio.TimeoutError, SQLAlchemyError) as exc:
            log.error("database unreachable at start (%s); CDRs go to the spool until it returns", exc)

    async def _create_tables(self) -> None:
        if self.ha is None:
            await create_schema(self.db)
            await create_and_seed(self.db)
            return
        async with schema_lock(self.db):  # two engines starting together must not race CREATE TABLE
            await create_schema(self.db)
            await create_and_seed(self.db)
            await create_lease_table(self.db)
        self.tables_ready = True

    async def _restore(self) -> None:
        """What the records say about agents and cases (at start, or when a standby takes over)."""
        await self._restore_agents()
        if self.cases is not None:
            log.info("cases: %d open or awaiting follow-up", await asyncio.wait_for(self.cases.load(), 15))

    async def _restore_agents(self) -> None:
        """Agents logged in when the engine stopped are logged in again, in the state they had."""
        last = await asyncio.wait_for(latest_agent_states(self.db), 15)
        self.acd.restore({agent_id: (rec.to_state, rec.reason or "") for agent_id, rec in last.items()})

    async def _shutdown(self, background: list[asyncio.Task]) -> None:
        lost = self.exit_code == EXIT_LEASE_LOST
        drain = 0.0 if lost else self.config.shutdown.drain_timeout
        log.info("stopping: no new calls; draining %d live calls (up to %.0f s)", self.agi.active_sessions, drain)
        await self.agi.close(drain)
        if lost:  # nothing may act any more: no desk or MQTT command, no AMI action, even before the records flush
            await self._close_desk()
            await self._close_cti_and_ami()
        await self.calls.drain(5.0)
        if self.cases is not None:
            await self.case_calls.drain(5.0)
        if not lost:
            await self._close_desk()
        await self.monitor.close()  # (AMI is gone when the lease was lost: the sessions are still logged)
        await self.cdrs.close()
        if not lost:
            await self._close_cti_and_ami()
        if self.ha is not None:
            await self.ha.release()  # last: the standby must not take over while we still drain calls
            if self._lease_task is not None:
                self._lease_task.cancel()
        for task in background:
            task.cancel()
        await self.db.dispose()
        log.info("stopped")

    async def _close_desk(self) -> None:
        if self.web:
            await self.web.close()
        await self.control.close()

    async def _close_cti_and_ami(self) -> None:
        if self.mqtt:
            await self.mqtt.close(5.0)
        await self.nodes.close()


def _safe_url(url: str) -> str:
    head, sep, tail = url.rpartition("@")
    return f"{head.split('//')[0]}//***@{tail}" if sep else url


async def serve(config: HotlineConfig) -> int:
    """Run the engine until SIGTERM or SIGINT (or a lost lease); returns the process exit code."""
    engine = Engine(config)
    gc.freeze()  # config, flows and indexes are long-lived: keep full collections from scanning them
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, engine.stop)
    await engine.run()
    return engine.exit_code
