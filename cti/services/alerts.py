"""Volume alerts (呼叫量预警) of the running engine: the asyncio shell around `acd.alerts`.

Theory of operation: the pure `AlertBook` decides; this service feeds it each queue's live
figures (`AcdQueries.stats` and `window`) and tells the world what it decided. It evaluates

* after ACD events (`on_acd_event`, an `AcdNotifier.on_event` observer): the queues the event
  touched are marked and evaluated on the next loop turn, once the ACD has finished the step
  that emitted the event (an `enqueue` event is emitted before the router has placed the call);
* every ``interval`` seconds (`run`): waits grow and SL windows slide with no event at all, hold
  times run out, and rules or queues removed by a reload are cleared.

Each raised or cleared alert becomes one log line (warning / info) and one ``("alert", payload)``
call to every listener: the MQTT bridge's `listener` (topics in docs/mqtt.md) and the wallboard.
`active()` is the wallboard's view of the alerts up now. Payloads are JSON-ready dicts::

    {"queue", "kind", "state": "raised"|"cleared", "severity", "value", "threshold", "clear_at",
     "since", "at", "message": {"en", "zh"}, ["window_min"], ["reason": "reset"]}
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from acd.alert_state import Change
from acd.alert_text import messages
from acd.alerts import AlertBook, AlertEvent, AlertKind, Figures, Rule
from acd.events import AcdEvent, CallQueueEvent
from cti.services.acd_queries import AcdQueries

log = logging.getLogger("hotline.alerts")

AlertListener = Callable[[str, dict[str, Any]], None]  # ("alert", payload), like AcdNotifier's listeners


class AlertsProvider(Protocol):
    """What the wallboard needs: the alerts up now, and news of each raise and clear."""

    listeners: list[AlertListener]

    def active(self) -> list[dict[str, Any]]: ...


class AlertService:
    """Evaluates every queue's alert rules (from config/acd.yaml, hot-reloaded with the ACD)."""

    def __init__(self, acd: AcdQueries, *,
                 wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.acd, self._wall = acd, wall
        self.book = AlertBook()
        self.listeners: list[AlertListener] = []
        self.counts: dict[tuple[str, str, str], int] = {}  # (queue, kind, raised|cleared) -> since start
        self._dirty: set[str] = set()
        self._pending: asyncio.Handle | None = None

    # -- the wallboard seam --------------------------------------------------------------
    def active(self) -> list[dict[str, Any]]:
        """Alerts up now (raised, or recovering but not yet cleared), by queue then kind."""
        now = self.acd.now()
        return sorted((self._payload(e, now) for e in self.book.active()),
                      key=lambda p: (p["queue"], list(AlertKind).index(p["kind"])))

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Raised/cleared payloads to `callback` (the web wallboard's AlertFeed seam)."""
        self.listeners.append(lambda _kind, payload: callback(payload))

    # -- evaluation ----------------------------------------------------------------------
    def on_acd_event(self, event: AcdEvent) -> None:
        if isinstance(event, CallQueueEvent):
            self._dirty.add(event.queue)
        else:  # an agent's state counts in every queue he serves
            self._dirty.update(self.acd.queue_names())
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_soon(self._evaluate_dirty)

    def _evaluate_dirty(self) -> None:
        self._pending = None
        queues, self._dirty = self._dirty, set()
        now = self.acd.now()
        for name in sorted(queues):
            spec = self.acd.queue(name)
            if spec is not None and spec.alerts:
                self._announce(self.book.evaluate(self.figures(name, spec.alerts), spec.alerts, now), now)

    def evaluate(self) -> list[dict[str, Any]]:
        """Every queue now (and alerts of removed rules cleared); the payloads of what changed."""
        now = self.acd.now()
        rules = {name: spec.alerts for name in self.acd.queue_names() if (spec := self.acd.queue(name))}
        events = self.book.reset_missing(rules, now)
        for name, queue_rules in rules.items():
            events += self.book.evaluate(self.figures(name, queue_rules), queue_rules, now)
        return self._announce(events, now)

    async def run(self, interval: float = 1.0) -> None:
        while True:
            await asyncio.sleep(interval)
            self.evaluate()

    def figures(self, queue: str, rules: tuple[Rule, ...]) -> Figures:
        stats = self.acd.stats(queue)
        sl = {}
        for minutes in {r.window_min for r in rules if r.kind is AlertKind.SERVICE_LEVEL}:
            w = self.acd.window(queue, minutes)
            sl[minutes] = (w.service_level, w.answered + w.abandoned_after_sl + w.timed_out)
        return Figures(queue, stats.waiting, stats.longest_wait_s, stats.agents.get("ready", 0), stats.staffed, sl)

    # -- telling the world -----------------------------------------------------------------
    def _announce(self, events: list[AlertEvent], now: float) -> list[dict[str, Any]]:
        payloads = []
        for event in events:
            payload = self._payload(event, now)
            key = (event.queue, str(event.kind), str(event.change))
            self.counts[key] = self.counts.get(key, 0) + 1
            if event.change is Change.RAISED:
                log.warning("alert raised: %s", payload["message"]["en"])
            else:
                log.info("alert cleared: %s", payload["message"]["en"])
            for listener in self.listeners:
                listener("alert", payload)
            payloads.append(payload)
        return payloads

    def _payload(self, event: AlertEvent, now: float) -> dict[str, Any]:
        wall = self._wall()
        since = wall - timedelta(seconds=max(0.0, now - event.raised_at))
        payload = {"queue": event.queue, "kind": str(event.kind), "state": str(event.change),
                   "severity": event.severity, "value": None if event.value is None else round(event.value, 1),
                   "threshold": event.threshold, "clear_at": event.clear_at,
                   "since": since.isoformat(timespec="seconds"), "at": wall.isoformat(timespec="milliseconds"),
                   "message": messages(event)}
        if event.kind is AlertKind.SERVICE_LEVEL:
            payload["window_min"] = event.window_min
        if event.reason:
            payload["reason"] = event.reason
        return payload
