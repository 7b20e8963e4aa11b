"""Volume alerts (呼叫量预警): queue figures against per-queue thresholds -> raised/cleared events.

Theory of operation
-------------------
Four kinds of alert watch each queue: calls waiting, the longest wait, the service level over
the last ``window_min`` minutes, and ready agents falling to a floor. A `Rule` gives a kind its
raise and clear levels; the clear level lies on the safe side of the raise level (validated in
`acd.alert_config`), which is the hysteresis. `AlertBook.evaluate(figures, rules, now)` is a
pure function of the queue's `Figures`, its rules and ``now``: it classifies each figure
(`observe`), moves that (queue, kind) through `acd.alert_state`, and returns the `AlertEvent`s
raised or cleared by this evaluation. Nothing here reads a clock or publishes anything.

Figures that say nothing are treated as recovered: a service level over a window with fewer
than ``min_calls`` finished calls (one late call of two is not a crisis), and ready agents while
nobody serving the queue is logged in (a closed queue is not short of ready agents; calls
waiting there raise the waiting alerts).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from acd.alert_state import UP, AlertState, Change, Observation, Track, step


class AlertKind(StrEnum):
    WAITING_CALLS = "waiting_calls"
    LONGEST_WAIT = "longest_wait_s"
    SERVICE_LEVEL = "service_level"
    READY_AGENTS = "ready_agents"


# Kinds where a LOW figure is bad: breach at or below the raise level, recover at or above clear.
LOW_IS_BAD = frozenset({AlertKind.SERVICE_LEVEL, AlertKind.READY_AGENTS})


@dataclass(frozen=True, slots=True)
class Rule:
    kind: AlertKind
    raise_at: float
    clear_at: float
    raise_after_s: float = 0.0
    clear_after_s: float = 0.0
    severity: str = "warning"  # warning | critical
    window_min: int = 15  # service_level only
    min_calls: int = 1  # service_level only: fewer finished calls in the window -> no figure


@dataclass(frozen=True, slots=True)
class Figures:
    """One queue's live figures; ``sl_percent`` by window minutes, with the window's call count."""

    queue: str
    waiting: int
    longest_wait_s: float
    ready: int
    staffed: int
    sl_percent: dict[int, tuple[float | None, int]]


@dataclass(frozen=True, slots=True)
class AlertEvent:
    queue: str
    kind: AlertKind
    change: Change
    severity: str
    value: float | None
    threshold: float  # the raise level
    clear_at: float
    at: float  # ``now`` of the evaluation
    raised_at: float  # when the alert went up (== at for a raise)
    reason: str = ""  # "reset" when the rule or queue went away
    window_min: int = 15  # the service-level window the value is over


def value_of(rule: Rule, figures: Figures) -> float | None:
    match rule.kind:
        case AlertKind.WAITING_CALLS:
            return float(figures.waiting)
        case AlertKind.LONGEST_WAIT:
            return figures.longest_wait_s
        case AlertKind.READY_AGENTS:
            return float(figures.ready) if figures.staffed else None
        case AlertKind.SERVICE_LEVEL:
            percent, calls = figures.sl_percent.get(rule.window_min, (None, 0))
            return percent if calls >= rule.min_calls else None
    raise ValueError(rule.kind)


def observe(rule: Rule, value: float | None, track: Track, now: float) -> Observation:
    """Classify a figure for the machine, given where the alert is and since when."""
    low = rule.kind in LOW_IS_BAD
    if value is not None and (value <= rule.raise_at if low else value >= rule.raise_at):
        if track.state is AlertState.PENDING:
            held = now - track.since >= rule.raise_after_s
        else:
            held = track.state is AlertState.CLEAR and rule.raise_after_s <= 0
        return Observation.BREACH_HELD if held else Observation.BREACH
    if value is None or (value >= rule.clear_at if low else value <= rule.clear_at):
        if track.state is AlertState.CLEARING:
            held = now - track.since >= rule.clear_after_s
        else:
            held = track.state is AlertState.RAISED and rule.clear_after_s <= 0
        return Observation.RECOVERY_HELD if held else Observation.RECOVERED
    return Observation.NORMAL


class AlertBook:
    """Every (queue, kind) alert's track; `evaluate` and `reset_missing` return what changed."""

    def __init__(self) -> None:
        self.tracks: dict[tuple[str, AlertKind], Track] = {}
        self._rules: dict[tuple[str, AlertKind], Rule] = {}
        self._values: dict[tuple[str, AlertKind], float | None] = {}

    def evaluate(self, figures: Figures, rules: tuple[Rule, ...], now: float) -> list[AlertEvent]:
        events = []
        for rule in rules:
            key = (figures.queue, rule.kind)
            value = value_of(rule, figures)
            track = self.tracks.get(key, Track(since=now))
            new, change = step(f"{key[0]}/{key[1]}", track, observe(rule, value, track, now), now)
            self.tracks[key], self._rules[key], self._values[key] = new, rule, value
            if change is not None:
                events.append(_event(key, rule, change, value, now, track.raised_at or now, new))
        return events

    def reset_missing(self, rules: dict[str, tuple[Rule, ...]], now: float) -> list[AlertEvent]:
        """Clear alerts whose queue or rule is gone (``rules``: every queue's current rules)."""
        events = []
        for key in list(self.tracks):
            queue, kind = key
            if any(r.kind == kind for r in rules.get(queue, ())):
                continue
            track = self.tracks.pop(key)
            rule, value = self._rules.pop(key), self._values.pop(key)
            _, change = step(f"{queue}/{kind}", track, Observation.RESET, now)
            if change is not None:
                events.append(_event(key, rule, change, value, now, track.raised_at or now, None, "reset"))
        return events

    def active(self) -> list[AlertEvent]:
        """Alerts up now (raised or clearing), as their raise events with the latest value."""
        return [_event((q, k), self._rules[q, k], Change.RAISED, self._values[q, k], t.since,
                       t.raised_at or t.since, t) for (q, k), t in self.tracks.items() if t.state in UP]


def _event(key: tuple[str, AlertKind], rule: Rule, change: Change, value: float | None, now: float,
           raised_at: float, new: Track | None, reason: str = "") -> AlertEvent:
    return AlertEvent(key[0], key[1], change, rule.severity, value, rule.raise_at, rule.clear_at, now,
                      raised_at if change is Change.CLEARED else (new.raised_at if new else now), reason,
                      rule.window_min)
