"""Router benchmark: routing decisions per second and decision latency at a given size.

Theory of operation
-------------------
For each (agents, waiting) size: ``agents`` agents each get 2-5 random skills among ``skills``
(levels 1-10); there are ``skills`` queues (round-robin over the four strategies), half needing
one skill and half two, each cut from a random agent's own skills so that someone qualifies.
Every agent logs in; calls (priority 0-2) go to random queues and each offer is accepted at
once until ``waiting`` calls wait (a call waits only when no READY agent can take it). Then,
``rounds`` times over, two routing decisions are timed with ``time.perf_counter_ns`` around
the router call alone:

* *agent ready*: a random on-call agent hangs up (wrap-up 0, so he is READY at once) and the
  router picks the best head among his lines, or parks him in their ready heaps;
* *enqueue*: a new call joins a random queue and is reserved to the best READY agent, or
  joins its line.

Accepting the resulting offers is bookkeeping outside the timed region. A round skips its
enqueue while the number waiting is at ``waiting`` (the ready agent found nothing he could
take), so the size holds steady. Throughput is decisions divided by the time spent inside
those router calls (the harness is not counted); a wall-clock figure is given too. Python's
cyclic garbage collector stays on, as in the engine: its full collections, not the router,
make the rare multi-millisecond maxima at 10k agents. Time advances 1 ms per round only, so
no escalation or timeout fires.
"""

from __future__ import annotations

import gc
import itertools
import random
import time
from dataclasses import asdict, dataclass
from typing import Any

from acd.models import STRATEGIES, Agent, QueueSpec, Strategy, Task
from acd.router import Decision, Router


@dataclass(frozen=True)
class Latency:
    count: int
    per_second: float  # count / time inside the router
    p50_us: float
    p99_us: float
    max_us: float

    @classmethod
    def of(cls, samples_ns: list[int]) -> Latency:
        ordered = sorted(samples_ns)
        if not ordered:
            return cls(0, 0.0, 0.0, 0.0, 0.0)
        pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0  # noqa: E731
        return cls(len(ordered), len(ordered) / (sum(ordered) / 1e9), pick(0.50), pick(0.99), ordered[-1] / 1000.0)


@dataclass(frozen=True)
class BenchResult:
    agents: int
    waiting: int  # calls waiting when measurement started
    waiting_after: int
    skills: int
    queues: int
    setup_s: float
    wall_per_second: float  # decisions / wall time of the whole measured loop
    enqueue: Latency
    ready: Latency
    overall: Latency

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Bench:
    def __init__(self, agents: int, waiting: int, skills: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.skills = [f"s{i}" for i in range(skills)]
        roster = [self._agent(i) for i in range(agents)]
        self.queues = [self._queue(i, self.rng.choice(roster), waiting) for i in range(skills)]
        ids = itertools.count(1)
        self.router = Router({q.name: q for q in self.queues}, {a.id: a for a in roster},
                             id_factory=lambda: f"R{next(ids)}")
        self.calls = itertools.count(1)
        self.on_call: list[str] = []
        self.count = 0  # calls waiting
        self.now = 0.0
        for agent in roster:
            self.router.login(agent.id, self.now)

    def _agent(self, i: int) -> Agent:
        chosen = self.rng.sample(self.skills, min(len(self.skills), self.rng.randint(2, 5)))
        return Agent(f"a{i}", f"Agent {i}", f"PJSIP/{i}", {s: self.rng.randint(1, 10) for s in chosen})

    def _queue(self, i: int, model: Agent, waiting: int) -> QueueSpec:
        held = list(model.skills)
        need = self.rng.sample(held, min(len(held), 1 + i % 2))
        strategy: Strategy = STRATEGIES[i % len(STRATEGIES)]  # type: ignore[assignment]
        return QueueSpec(f"q{i}", {s: self.rng.randint(1, model.skills[s]) for s in need},
                         strategy=strategy, max_len=waiting + 1_000_000, wrapup_s=0, max_wait_s=1e12,
                         ring_timeout_s=1e12, when_nobody="wait")

    def fill(self, waiting: int) -> None:
        while self.count < waiting:
            d = self.router.enqueue(self._task(), self.now)
            self.count += not d.reservations
            self._answer(d)

    def _task(self) -> Task:
        queue = self.rng.choice(self.queues).name
        return Task(f"c{next(self.calls)}", queue, self.rng.randint(0, 2), self.now)

    def _answer(self, d: Decision) -> None:
        for res in d.reservations:
            self.router.accept(res.id, self.now)
            self.on_call.append(res.agent_id)

    def measure(self, rounds: int, waiting: int) -> tuple[list[int], list[int], float]:
        enqueue_ns: list[int] = []
        ready_ns: list[int] = []
        clock = time.perf_counter_ns
        gc.collect()
        started = time.perf_counter()
        for _ in range(rounds):
            self.now += 0.001
            if self.on_call:
                k = self.rng.randrange(len(self.on_call))
                self.on_call[k], self.on_call[-1] = self.on_call[-1], self.on_call[k]
                agent_id = self.on_call.pop()
                t0 = clock()
                d = self.router.hangup(agent_id, self.now)
                ready_ns.append(clock() - t0)
                self.count -= len(d.reservations)
                self._answer(d)
            if self.count >= waiting:  # a ready agent found nothing for him: hold the size
                continue
            task = self._task()
            t0 = clock()
            d = self.router.enqueue(task, self.now)
            enqueue_ns.append(clock() - t0)
            self.count += not d.reservations
            self._answer(d)
        return enqueue_ns, ready_ns, time.perf_counter() - started

    def waiting(self) -> int:
        return sum(len(self.router.waiting(q.name)) for q in self.queues)


def bench(agents: int, waiting: int, skills: int = 50, rounds: int = 20_000, seed: int = 1) -> BenchResult:
    """Build one router of this size, fill it, and time ``rounds`` rounds of two decisions."""
    started = time.perf_counter()
    b = _Bench(agents, waiting, skills, seed)
    b.fill(waiting)
    setup_s = time.perf_counter() - started
    enqueue_ns, ready_ns, wall_s = b.measure(rounds, waiting)
    total = len(enqueue_ns) + len(ready_ns)
    return BenchResult(agents, waiting, b.waiting(), skills, len(b.queues), setup_s, total / wall_s,
                       Latency.of(enqueue_ns), Latency.of(ready_ns), Latency.of(enqueue_ns + ready_ns))


def format_table(results: list[BenchResult]) -> str:
    head = (f"{'agents':>7} {'waiting':>8} {'queues':>6} {'decisions/s':>12} {'wall/s':>9} "
            f"{'enqueue p50/p99 us':>19} {'ready p50/p99 us':>17} {'all p50/p99 us':>15} {'max us':>8} {'setup s':>8}")
    rows = [head]
    for r in results:
        rows.append(f"{r.agents:>7} {r.waiting:>8} {r.queues:>6} {r.overall.per_second:>12,.0f} "
                    f"{r.wall_per_second:>9,.0f} {_pq(r.enqueue):>19} {_pq(r.ready):>17} {_pq(r.overall):>15} "
                    f"{r.overall.max_us:>8.0f} {r.setup_s:>8.1f}")
    return "\n".join(rows)


def _pq(lat: Latency) -> str:
    return f"{lat.p50_us:.1f} / {lat.p99_us:.1f}"
