"""Prometheus metrics of one engine (docs/metrics.md lists every one): `EngineMetrics.render`.

Why this shape: counters of what happened (calls offered, answered, abandoned...) are fed from
the ACD's typed events as they happen (`on_acd_event`, an `AcdNotifier.on_event` observer), and
routing time from `AcdService.decision_observers`; everything that *is* (calls waiting, agents
by state, AGI sessions, AMI link, spool depth, dialer pacing, alerts up) is read at scrape time
by `_LiveCollector`, so it can never drift from the objects that own it. Each engine has its own
`CollectorRegistry` (no global default registry: two engines in one test process stay apart).
The HTTP app mounts `render` at ``/metrics``; nothing here serves HTTP.
"""

from __future__ import annotations

from typing import Any, Iterator, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from acd.events import AcdEvent, CallQueueEvent, QueueEvent
from acd.models import AgentState
from cti.services.acd_queries import AcdQueries

# generate_latest writes the classic text format, version 0.0.4 (what prometheus_client's own HTTP
# handler labels it; its CONTENT_TYPE_LATEST names 1.0.0, which older Prometheus servers do not know).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ROUTING_BUCKETS = (0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1)
_OUTCOMES = {QueueEvent.ENQUEUE: "offered", QueueEvent.ANSWER: "answered", QueueEvent.ABANDON: "abandoned",
             QueueEvent.TIMEOUT: "timed_out", QueueEvent.FULL: "rejected", QueueEvent.NOBODY: "rejected"}


class AgiServer(Protocol):
    active_sessions: int
    sessions_total: int
    sessions_refused: int


class AmiLink(Protocol):
    connected: Any  # asyncio.Event


class Spool(Protocol):
    def pending_bytes(self) -> int: ...


class RecordWriter(Protocol):
    spool: Spool
    queued: int
    stats: Any  # WriterStats: written, spooled, replayed, rejected


class Dialer(Protocol):
    runs: dict[str, Any]  # campaign -> CampaignRun


class Recordings(Protocol):
    counts: Any  # Counter: finished recordings by status (ok, missing, empty), refused / failed starts


class Alerts(Protocol):
    counts: dict[tuple[str, str, str], int]

    def active(self) -> list[dict[str, Any]]: ...


class EngineMetrics:
    """The engine's registry; optional collaborators (None) leave their metrics out."""

    def __init__(self, acd: AcdQueries, *, agi: AgiServer | None = None, ami: AmiLink | None = None,
                 records: RecordWriter | None = None, dialer: Dialer | None = None,
                 alerts: Alerts | None = None, recordings: Recordings | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.calls = {name: Counter(f"hotline_calls_{name}", f"Calls {name.replace('_', ' ')} by queue",
                                    ["queue"], registry=r)
                      for name in ("offered", "answered", "abandoned", "timed_out", "rejected")}
        self.routing = Histogram("hotline_routing_decision_seconds",
                                 "Time the router took to decide (match calls and agents), by operation",
                                 ["operation"], buckets=ROUTING_BUCKETS, registry=r)
        r.register(_LiveCollector(acd, agi, ami, records, dialer, alerts, recordings))

    def on_acd_event(self, event: AcdEvent) -> None:
        if isinstance(event, CallQueueEvent) and event.event in _OUTCOMES:
            self.calls[_OUTCOMES[event.event]].labels(event.queue).inc()

    def on_decision(self, operation: str, seconds: float) -> None:
        self.routing.labels(operation).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type, for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE


class _LiveCollector(Collector):
    """Reads the engine's objects at scrape time."""

    def __init__(self, acd: AcdQueries, agi: AgiServer | None, ami: AmiLink | None, records: RecordWriter | None,
                 dialer: Dialer | None, alerts: Alerts | None, recordings: Recordings | None = None) -> None:
        self.acd, self.agi, self.ami, self.records = acd, agi, ami, records
        self.dialer, self.alerts, self.recordings = dialer, alerts, recordings

    def describe(self) -> Iterator[Metric]:
        return iter(())  # names vary with config (queues, campaigns); nothing to pre-register

    def collect(self) -> Iterator[Metric]:
        yield from self._queues()
        yield from self._agents()
        for part in (self._agi, self._ami, self._records, self._dialer, self._alerts, self._recordings):
            yield from part()

    def _queues(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("hotline_queue_waiting_calls", "Calls waiting for an agent (not ringing)",
                                    labels=["queue"])
        ringing = GaugeMetricFamily("hotline_queue_ringing_calls", "Calls ringing an agent", labels=["queue"])
        longest = GaugeMetricFamily("hotline_queue_longest_wait_seconds", "Longest current wait", labels=["queue"])
        agents = GaugeMetricFamily("hotline_queue_agents", "Agents qualified for the queue, by state",
                                   labels=["queue", "state"])
        for name in self.acd.queue_names():
            stats = self.acd.stats(name)
            waiting.add_metric([name], stats.waiting)
            ringing.add_metric([name], stats.reserved)
            longest.add_metric([name], stats.longest_wait_s)
            for state, count in stats.agents.items():
                agents.add_metric([name, state], count)
        yield from (waiting, ringing, longest, agents)

    def _agents(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("hotline_agents", "Configured agents by state", labels=["state"])
        states = [str(a.state) for a in self.acd.agents()]
        for state in AgentState:
            family.add_metric([str(state)], states.count(str(state)))
        yield family

    def _agi(self) -> Iterator[Metric]:
        if self.agi is None:
            return
        yield GaugeMetricFamily("hotline_agi_sessions_active", "FastAGI sessions being served",
                                value=self.agi.active_sessions)
        yield CounterMetricFamily("hotline_agi_sessions", "FastAGI connections accepted since start",
                                  value=self.agi.sessions_total)
        yield CounterMetricFamily("hotline_agi_sessions_refused", "FastAGI connections refused (agi.max_sessions, admission limits, closing)",
                                  value=self.agi.sessions_refused)

    def _ami(self) -> Iterator[Metric]:
        if self.ami is not None:
            yield GaugeMetricFamily("hotline_ami_connected", "1 while the AMI link is up and logged in",
                                    value=1 if self.ami.connected.is_set() else 0)
            links = getattr(self.ami, "links", None)  # several Asterisk nodes (cti.ami.nodes.AmiNodes)
            if links is not None and len(links()) > 1:
                family = GaugeMetricFamily("hotline_asterisk_node_up", "1 while the AMI link to the Asterisk node "
                                           "is up (its agents are offered calls)", labels=["node"])
                for node, up in links().items():
                    family.add_metric([node], 1 if up else 0)
                yield family

    def _records(self) -> Iterator[Metric]:
        if self.records is None:
            return
        yield GaugeMetricFamily("hotline_record_spool_bytes", "Records spooled on disk, waiting for the database",
                                value=self.records.spool.pending_bytes())
        yield GaugeMetricFamily("hotline_records_queued", "Records in memory, not yet written or spooled",
                                value=self.records.queued)
        done = CounterMetricFamily("hotline_records", "Records by outcome since start", labels=["outcome"])
        for outcome in ("written", "spooled", "replayed", "rejected"):
            done.add_metric([outcome], getattr(self.records.stats, outcome))
        yield done

    def _dialer(self) -> Iterator[Metric]:
        if self.dialer is None:
            return
        lines = GaugeMetricFamily("hotline_dialer_lines_in_flight", "Outbound attempts in flight",
                                  labels=["campaign"])
        dials = CounterMetricFamily("hotline_dialer_dials", "Outbound attempts started (rate() = dial rate)",
                                    labels=["campaign"])
        abandon = GaugeMetricFamily("hotline_dialer_abandon_ratio_today",
                                    "Abandoned / live connects today (predictive campaigns)", labels=["campaign"])
        for name, run in sorted(self.dialer.runs.items()):
            lines.add_metric([name], len(run.inflight))
            dials.add_metric([name], run.counts.get("dialed", 0))
            controller = getattr(run.pacer, "controller", None)  # only the predictive pacer has one
            if controller is not None:
                abandon.add_metric([name], controller.day_rate)
        yield from (lines, dials, abandon)

    def _recordings(self) -> Iterator[Metric]:
        if self.recordings is None:
            return
        family = CounterMetricFamily("hotline_recordings", "Call recordings checked after the call, by status "
                                     "(ok, missing, empty), and starts refused or failed", labels=["status"])
        for status in ("ok", "missing", "empty", "refused", "start_failed"):
            family.add_metric([status], self.recordings.counts.get(status, 0))
        yield family

    def _alerts(self) -> Iterator[Metric]:
        if self.alerts is None:
            return
        active = GaugeMetricFamily("hotline_alerts_active", "Volume alerts up now",
                                   labels=["queue", "kind", "severity"])
        for alert in self.alerts.active():
            active.add_metric([alert["queue"], alert["kind"], alert["severity"]], 1)
        changes = CounterMetricFamily("hotline_alert_changes", "Volume alerts raised and cleared since start",
                                      labels=["queue", "kind", "change"])
        for (queue, kind, change), count in sorted(self.alerts.counts.items()):
            changes.add_metric([queue, kind, change], count)
        yield from (active, changes)
