"""Discrete-event simulation of one queue, driving the real `Router`, beside Erlang C / Erlang A.

Theory of operation
-------------------
One queue with no skill requirement, ``agents`` agents logged in and READY at time 0. Callers
arrive as a Poisson process; each is enqueued in the router. Whenever a `Decision` offers a
caller to an agent, the agent answers at once (reserve -> accept at the same instant), talks
for an exponential handle time and hangs up; the router then runs the queue's wrap-up (0 by
default, so the model is exactly Erlang's) and makes the agent READY, which is when he takes
the next caller. With a patience, every caller draws an exponential patience and abandons
through the router if still waiting when it runs out. Wrap-up timers fire through
`Router.tick` at `Router.next_deadline`. The simulator keeps its own event heap and clock;
the router only ever sees the injected ``now``.

Measurement: calls *arriving* in ``[warm-up, warm-up + hours)`` are measured (the warm-up
removes the empty-start bias); the run goes on, arrivals included, until each has been
answered or has abandoned. Occupancy is busy agent-time (reserved, talking, wrap-up) over
agent-time in the same window. Definitions match `acd.erlang`:

* service level = answered within ``sl_seconds`` / offered (abandoned callers count as failures);
* ASA = mean wait of answered calls; abandonment = abandoned / offered.

The ± figures are 95% half-widths from batch means (the window cut into ``batches`` equal
time slices), so a disagreement with Erlang can be judged against the simulation's own noise.
With a wrap-up, Erlang's AHT is talk + wrap-up, and since the wrap-up is constant rather than
exponential the prediction becomes an approximation.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from acd.erlang import Forecast, erlang_a_forecast, erlang_c_forecast
from acd.models import BUSY, Agent, QueueSpec, Task
from acd.router import Decision, Router

QUEUE = "sim"
_FOREVER = 1e12  # ring timeout and max wait: never reached in a simulated run


@dataclass(frozen=True)
class SimConfig:
    agents: int
    calls_per_hour: float
    aht_s: float  # mean talk time (exponential)
    hours: float  # measured hours, after the warm-up
    patience_s: float | None = None  # mean patience (exponential); None = callers never leave
    wrapup_s: float = 0.0
    sl_seconds: float = 20.0
    seed: int = 1
    warmup_h: float = 1.0
    batches: int = 20

    def forecast(self) -> Forecast:
        handle_s = self.aht_s + self.wrapup_s
        if self.patience_s is None:
            return erlang_c_forecast(self.agents, self.calls_per_hour, handle_s, self.sl_seconds)
        return erlang_a_forecast(self.agents, self.calls_per_hour, handle_s, self.patience_s, self.sl_seconds)


@dataclass(frozen=True)
class SimResult:
    config: SimConfig
    offered: int
    answered: int
    answered_in_sl: int
    abandoned: int
    service_level: float  # answered within sl_seconds / offered
    service_level_ci: float  # 95% half-width, batch means
    asa_s: float  # mean wait of answered calls
    asa_ci: float
    abandon_rate: float  # abandoned / offered
    abandon_ci: float
    occupancy: float
    events: int  # events processed by the simulator
    predicted: Forecast = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        measured = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in asdict(self).items() if k not in ("config", "predicted")}
        return {"config": asdict(self.config), "measured": measured, "predicted": self.predicted.to_dict(),
                "definitions": {
                    "service_level": "answered within sl_seconds / offered (abandons are failures)",
                    "asa_s": "mean wait of answered calls",
                    "abandon_rate": "abandoned / offered",
                    "occupancy": "busy agent-time (reserved, talking, wrap-up) / staffed agent-time",
                    "ci": "95% half-width from batch means"}}


@dataclass
class _Call:
    arrived: float
    measured: bool
    outcome: str = ""  # "answered" or "abandoned"
    wait: float = 0.0


class _Simulation:
    """One run: event heap, the router, and the per-call records."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.start, self.end = cfg.warmup_h * 3600.0, (cfg.warmup_h + cfg.hours) * 3600.0
        spec = QueueSpec(QUEUE, strategy="longest_idle", sl_seconds=cfg.sl_seconds, max_wait_s=_FOREVER,
                         max_len=2**62, wrapup_s=cfg.wrapup_s, ring_timeout_s=_FOREVER, when_nobody="wait")
        agents = {f"A{i}": Agent(f"A{i}", f"Agent {i}", f"Local/{i}@sim") for i in range(cfg.agents)}
        ids = itertools.count(1)
        self.router = Router({QUEUE: spec}, agents, id_factory=lambda: f"R{next(ids)}")
        self.heap: list[tuple[float, int, str, str]] = []
        self.seq = itertools.count()
        self.calls: dict[str, _Call] = {}
        self.open_measured = 0
        self.busy, self.busy_area, self.last = 0, 0.0, 0.0
        self.events = 0

    def run(self) -> list[_Call]:
        for agent_id in list(self.router.agents):
            self.apply(self.router.login(agent_id, 0.0), 0.0)
        self.push(self.rng.expovariate(self.cfg.calls_per_hour / 3600.0), "arrive", "")
        while self.heap:
            now = self.heap[0][0]
            if now >= self.end and self.open_measured == 0:
                break
            deadline = self.router.next_deadline()
            if deadline is not None and deadline <= now:
                self.apply(self.router.tick(deadline), deadline)
                continue
            _, _, kind, ident = heapq.heappop(self.heap)
            self.events += 1
            getattr(self, f"on_{kind}")(ident, now)
        self.advance(self.end)
        return [c for c in self.calls.values() if c.measured]

    def push(self, at: float, kind: str, ident: str) -> None:
        heapq.heappush(self.heap, (at, next(self.seq), kind, ident))

    def on_arrive(self, _: str, now: float) -> None:
        task_id = f"C{self.events}"
        measured = self.start <= now < self.end
        self.calls[task_id] = _Call(now, measured)
        self.open_measured += measured
        self.push(now + self.rng.expovariate(self.cfg.calls_per_hour / 3600.0), "arrive", "")
        if self.cfg.patience_s is not None:
            self.push(now + self.rng.expovariate(1.0 / self.cfg.patience_s), "patience", task_id)
        self.apply(self.router.enqueue(Task(task_id, QUEUE, 0, now), now), now)

    def on_patience(self, task_id: str, now: float) -> None:
        call = self.calls.get(task_id)  # unmeasured calls are dropped once settled
        if call is None or call.outcome:
            return
        self.apply(self.router.abandon(task_id, now), now)
        self.settle(task_id, "abandoned", now)

    def on_hangup(self, agent_id: str, now: float) -> None:
        self.apply(self.router.hangup(agent_id, now), now)

    def apply(self, decision: Decision, now: float) -> None:
        """Carry out a decision: count busy agents, answer every offer at once."""
        self.advance(now)
        for change in decision.state_changes:
            self.busy += (change.to_state in BUSY) - (change.from_state in BUSY)
        for res in decision.reservations:
            self.settle(res.task_id, "answered", now)
            self.apply(self.router.accept(res.id, now), now)
            self.push(now + self.rng.expovariate(1.0 / self.cfg.aht_s), "hangup", res.agent_id)

    def settle(self, task_id: str, outcome: str, now: float) -> None:
        call = self.calls.pop(task_id) if not self.calls[task_id].measured else self.calls[task_id]
        call.outcome, call.wait = outcome, now - call.arrived
        self.open_measured -= call.measured

    def advance(self, now: float) -> None:
        """Integrate busy agents over the measured window up to ``now``."""
        lo, hi = max(self.last, self.start), min(now, self.end)
        if hi > lo:
            self.busy_area += self.busy * (hi - lo)
        self.last = max(self.last, now)


def simulate(cfg: SimConfig) -> SimResult:
    """Run one simulation and compare it with Erlang C (no patience) or Erlang A."""
    if cfg.agents < 1 or cfg.calls_per_hour <= 0 or cfg.aht_s <= 0 or cfg.hours <= 0:
        raise ValueError("agents, calls_per_hour, aht_s and hours must be positive")
    if (cfg.patience_s is not None and cfg.patience_s <= 0) or cfg.wrapup_s < 0 or cfg.warmup_h < 0:
        raise ValueError("patience_s must be positive, wrapup_s and warmup_h non-negative")
    sim = _Simulation(cfg)
    calls = sim.run()
    batches = [_figures(b, cfg.sl_seconds) for b in _batches(calls, sim.start, sim.end, cfg.batches)]
    sl, asa, ab = _figures(calls, cfg.sl_seconds)
    answered = [c for c in calls if c.outcome == "answered"]
    return SimResult(
        cfg, offered=len(calls), answered=len(answered),
        answered_in_sl=sum(c.wait <= cfg.sl_seconds for c in answered),
        abandoned=len(calls) - len(answered), service_level=sl, service_level_ci=_half_width(batches, 0),
        asa_s=asa, asa_ci=_half_width(batches, 1), abandon_rate=ab, abandon_ci=_half_width(batches, 2),
        occupancy=sim.busy_area / (cfg.agents * (sim.end - sim.start)), events=sim.events,
        predicted=cfg.forecast())


def _figures(calls: list[_Call], sl_seconds: float) -> tuple[float, float, float]:
    """(service level, ASA, abandonment rate) of some calls; NaN when there are none."""
    if not calls:
        return math.nan, math.nan, math.nan
    waits = [c.wait for c in calls if c.outcome == "answered"]
    in_sl = sum(w <= sl_seconds for w in waits)
    asa = sum(waits) / len(waits) if waits else math.nan
    return in_sl / len(calls), asa, (len(calls) - len(waits)) / len(calls)


def _batches(calls: list[_Call], start: float, end: float, count: int) -> list[list[_Call]]:
    out: list[list[_Call]] = [[] for _ in range(max(1, count))]
    width = (end - start) / len(out)
    for call in calls:
        out[min(len(out) - 1, int((call.arrived - start) / width))].append(call)
    return out


def _half_width(batches: list[tuple[float, float, float]], index: int) -> float:
    values = [b[index] for b in batches if not math.isnan(b[index])]
    if len(values) < 2:
        return math.nan
    return 1.96 * statistics.stdev(values) / math.sqrt(len(values))


def format_result(result: SimResult) -> str:
    """A side-by-side table of the measured and predicted figures."""
    cfg, f = result.config, result.predicted
    model = "Erlang A" if f.model == "erlang_a" else "Erlang C"
    patience = f"{cfg.patience_s:g} s" if cfg.patience_s is not None else "none"
    rows = [
        (f"service level ({cfg.sl_seconds:g} s)", _pct(result.service_level, result.service_level_ci),
         _pct(f.service_level), "answered within target / offered"),
        ("ASA", _sec(result.asa_s, result.asa_ci), _sec(f.asa_s), "mean wait of answered calls"),
        ("abandonment", _pct(result.abandon_rate, result.abandon_ci), _pct(f.p_abandon), "abandoned / offered"),
        ("occupancy", _pct(result.occupancy), _pct(f.occupancy), "busy / staffed agent-time"),
    ]
    head = (f"{cfg.agents} agents, {cfg.calls_per_hour:g} calls/h, AHT {cfg.aht_s:g} s, wrap-up "
            f"{cfg.wrapup_s:g} s, patience {patience}, {cfg.hours:g} h measured after {cfg.warmup_h:g} h "
            f"warm-up, seed {cfg.seed}\noffered {result.offered}, answered {result.answered}, "
            f"abandoned {result.abandoned}; load {f.load_erlangs:.2f} Erlangs; ± = 95% batch-means")
    lines = [head, f"{'':24}{'simulated':>18}{model:>12}   definition"]
    lines += [f"{name:24}{sim:>18}{pred:>12}   {note}" for name, sim, pred, note in rows]
    return "\n".join(lines)


def _pct(x: float, ci: float | None = None) -> str:
    if math.isnan(x):
        return "-"
    return f"{100 * x:.1f}%" + (f" ±{100 * ci:.1f}" if ci is not None and not math.isnan(ci) else "")


def _sec(x: float, ci: float | None = None) -> str:
    if math.isnan(x) or math.isinf(x):
        return "-" if math.isnan(x) else "inf"
    return f"{x:.1f} s" + (f" ±{ci:.1f}" if ci is not None and not math.isnan(ci) else "")
