"""The ACD router: every matching decision, as a pure object fed events with an injected ``now``.

Theory of operation
-------------------
There are only two moments to match, and each looks at one side's few indexes (`acd.matching`):

* a task arrives (enqueue, requeue after no answer, escalation step): the best READY agent is
  the top of the ready heap of the task's line ``(queue, level, language)``, ordered by the
  queue's strategy. If there is one, the task is reserved to him; otherwise it joins the line.
* an agent becomes READY (login, unpause, wrap-up done, offer cancelled): he looks at the head
  of each line he can serve — every queue and escalation level he qualifies for — and takes
  the best head: highest priority, then requeued, then longest waiting. This shares an agent
  fairly between his queues. If all are empty, he is pushed onto those lines' ready heaps.

Invariant making this sufficient: a task waits in a line only while that line has no READY
agent, so a newly ready agent never has to be compared with other ready agents, and a new
task never with other waiting tasks. A reload rebuilds the indexes and re-matches everyone.

Cost per event, with ``Qa`` = queue/level/language lines of one agent (typically < 50) and
``n`` = tasks in a line: enqueue O(log A + n) (a C memmove for the sorted line), agent ready
O(Qa log A), accept/reject/abandon O(n), position O(lines of the queue · log n). Dead heap
entries are dropped lazily and heaps compacted at twice their live bound. `tick` pops one
timer heap (ring timeouts, wrap-up ends, escalation steps, max wait), each O(log T).
Nothing scans all agents or all tasks except `update_config`, `stats` (one queue's tasks and
agents) and the listing queries.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from acd.agent_state import AgentEvent, StateChange, apply
from acd.errors import DuplicateTask, UnknownAgent, UnknownQueue, UnknownReservation
from acd.matching import (LineKey, Lines, QualKey, ReadyHeap, Timers, level_due, qualified_sets,
                          quals_by_agent, task_key)
from acd.models import BUSY, Agent, AgentState, QueueSpec, Reservation, Task
from acd.stats import ABANDONED, ANSWERED, OFFERED, TIMED_OUT, WINDOWS_MIN, QueueMetrics, QueueStats

log = logging.getLogger("hotline.acd")
E, S = AgentEvent, AgentState


@dataclass
class Decision:
    """What the shell must carry out; steps taken inside one call are merged into one."""

    reservations: list[Reservation] = field(default_factory=list)
    state_changes: list[StateChange] = field(default_factory=list)
    cancelled_reservations: list[Reservation] = field(default_factory=list)
    rejected_tasks: list[tuple[str, str]] = field(default_factory=list)  # (task_id, reason)
    timed_out_tasks: list[str] = field(default_factory=list)

    def merge(self, other: Decision) -> Decision:
        self.reservations += other.reservations
        self.state_changes += other.state_changes
        self.cancelled_reservations += other.cancelled_reservations
        self.rejected_tasks += other.rejected_tasks
        self.timed_out_tasks += other.timed_out_tasks
        return self


@dataclass
class _Call:
    task_id: str
    queue: str
    answered_at: float


class Router:
    """Skills-based matching of tasks (calls) to agents; no I/O, no clock of its own."""

    def __init__(self, queues: Mapping[str, QueueSpec], agents: Mapping[str, Agent], *,
                 id_factory: Callable[[], str] | None = None, ring_grace_s: float = 2.0) -> None:
        """``ring_grace_s``: `tick` expires a reservation that long after ``expires_at``, so the
        shell's own Dial timeout (same length) normally reports the no-answer first."""
        self._new_id = id_factory or (lambda: uuid.uuid4().hex)
        self._ring_grace_s = ring_grace_s
        self._queues: dict[str, QueueSpec] = {}
        self._old_specs: dict[str, QueueSpec] = {}  # removed queues, for calls still in progress
        self._agents: dict[str, Agent] = {}
        self._retiring: set[str] = set()  # removed from config while busy
        self._order: dict[str, int] = {}  # config order: final tie-break and round-robin order
        self._tasks: dict[str, Task] = {}  # waiting or ringing
        self._lines = Lines()
        self._reservations: dict[str, Reservation] = {}
        self._res_of_task: dict[str, str] = {}
        self._res_of_agent: dict[str, str] = {}
        self._calls: dict[str, _Call] = {}  # agent id -> call talking or wrapping up
        self._timers = Timers()
        self._metrics: dict[str, QueueMetrics] = {}
        self._seq = itertools.count(1)
        self._tokens = itertools.count(1)
        self._ready_token: dict[str, int] = {}
        self._wrap_token: dict[str, int] = {}
        self._rr: dict[str, dict[str, int]] = {}  # queue -> agent -> stamp of his last offer
        self._now = 0.0  # latest time seen, for update_config without an explicit now
        self._qual: dict[QualKey, frozenset[str]] = {}
        self._agent_quals: dict[str, list[QualKey]] = {}
        self._heaps: dict[LineKey, ReadyHeap] = {}
        self._staffed: Counter[LineKey] = Counter()
        self.update_config(queues, agents)

    # ------------------------------------------------------------ configuration

    def update_config(self, queues: Mapping[str, QueueSpec], agents: Mapping[str, Agent],
                      now: float | None = None) -> Decision:
        """Hot reload: add/change queues and agents, keeping live state; re-match everyone.

        A removed agent is logged out now if idle, else when his call ends. Callers waiting in
        a removed queue are rejected with reason ``queue_removed``.
        """
        now, d = self._tick_clock(now), Decision()
        for name in self._queues.keys() - queues.keys():
            self._old_specs[name] = self._queues[name]
        self._queues = dict(queues)
        self._merge_agents(agents, now, d)
        self._build_indexes()
        self._relocate_tasks(now, d)
        ready = [a for a in self._agents.values() if a.state is S.READY and a.id not in self._retiring]
        for agent in sorted(ready, key=lambda a: (a.ready_since or 0.0, self._order[a.id])):
            if agent.state is S.READY:
                self._on_ready(agent, now, d)
        return d

    def _merge_agents(self, agents: Mapping[str, Agent], now: float, d: Decision) -> None:
        for agent_id, new in agents.items():
            self._order.setdefault(agent_id, len(self._order))
            self._retiring.discard(agent_id)
            current = self._agents.setdefault(agent_id, new)
            if current is not new:
                current.name, current.interface = new.name, new.interface
                current.skills, current.languages = dict(new.skills), tuple(new.languages)
        for agent_id in self._agents.keys() - agents.keys():
            agent = self._agents[agent_id]
            if agent.state in BUSY:
                self._retiring.add(agent_id)
                continue
            if agent.state is not S.LOGGED_OUT:
                d.state_changes.append(apply(agent, E.LOGOUT, now, "removed from config"))
            del self._agents[agent_id]

    def _build_indexes(self) -> None:
        active = {i: a for i, a in self._agents.items() if i not in self._retiring}
        self._qual = qualified_sets(self._queues, active)
        self._agent_quals = quals_by_agent(self._qual)
        self._heaps = {}
        self._staffed = Counter()
        for agent in active.values():
            if agent.state is not S.LOGGED_OUT:
                self._count_staff(agent, +1)

    def _relocate_tasks(self, now: float, d: Decision) -> None:
        waiting = sorted((self._tasks[i] for i in self._lines.all_task_ids()), key=task_key)
        self._lines = Lines()
        for task in waiting:
            spec = self._queues.get(task.queue)
            if spec is None:
                self._refuse(task, "queue_removed", d)
            elif spec.when_nobody == "leave" and not self._could_ever_serve(task):
                self._refuse(task, "nobody_logged_in", d)
            else:
                task.level = level_due(spec, now - task.enqueued_at)
                self._schedule_task(task, spec)
                self._lines.add(self._line_of(task), task)
        for task_id, res_id in list(self._res_of_task.items()):
            if self._tasks[task_id].queue not in self._queues:
                self._cancel(self._reservations[res_id], now, d)
                self._refuse(self._tasks[task_id], "queue_removed", d)

    # ------------------------------------------------------------ agent commands

    def login(self, agent_id: str, now: float) -> Decision:
        agent, d = self._agent(agent_id, now), Decision()
        d.state_changes.append(apply(agent, E.LOGIN, now))
        self._count_staff(agent, +1)
        self._on_ready(agent, now, d)
        return d

    def logout(self, agent_id: str, now: float) -> Decision:
        agent, d = self._agent(agent_id, now), Decision()
        call = self._calls.pop(agent_id, None) if agent.state is S.WRAP_UP else None
        d.state_changes.append(apply(agent, E.LOGOUT, now))
        if call is not None:
            self._metrics_of(call.queue).handled(now - call.answered_at)
        self._count_staff(agent, -1)
        self._refuse_unservable(agent, d)
        return d

    def ready(self, agent_id: str, now: float) -> Decision:
        agent, d = self._agent(agent_id, now), Decision()
        if agent.state is S.WRAP_UP:
            self._end_wrapup(agent, now, d, E.READY)
            return d
        d.state_changes.append(apply(agent, E.READY, now))
        if agent.state is S.READY:
            self._on_ready(agent, now, d)
        return d

    def pause(self, agent_id: str, now: float, reason: str = "break") -> Decision:
        agent, d = self._agent(agent_id, now), Decision()
        d.state_changes.append(apply(agent, E.PAUSE, now, reason))
        return d

    # ------------------------------------------------------------ call side

    def enqueue(self, task: Task, now: float) -> Decision:
        """A caller joins ``task.queue``; reserved at once if a qualifying agent is READY."""
        self._tick_clock(now)
        spec, d = self._queues.get(task.queue), Decision()
        if spec is None:
            raise UnknownQueue(task.queue)
        if task.id in self._tasks:
            raise DuplicateTask(task.id)
        if self._lines.count(task.queue) >= spec.max_len:
            return self._refuse(task, "queue_full", d)
        task.seq, task.requeued = next(self._seq), False
        task.level = level_due(spec, now - task.enqueued_at)
        if spec.when_nobody == "leave" and not self._could_ever_serve(task):
            return self._refuse(task, "nobody_logged_in", d)
        self._tasks[task.id] = task
        self._metrics_of(task.queue).record(OFFERED, now)
        self._schedule_task(task, spec)
        self._place(task, now, d)
        return d

    def abandon(self, task_id: str, now: float, reason: str = ABANDONED) -> Decision:
        """The caller left (hung up, or ``reason`` such as "callback"); unknown ids are a no-op."""
        self._tick_clock(now)
        d, task = Decision(), self._tasks.pop(task_id, None)
        if task is None:
            return d
        res_id = self._res_of_task.get(task_id)
        if res_id is not None:
            self._cancel(self._reservations[res_id], now, d)
        else:
            self._lines.remove(task_id)
        self._metrics_of(task.queue).record(reason, now, now - task.enqueued_at)
        return d

    def accept(self, reservation_id: str, now: float) -> Decision:
        """The agent answered: he is ON_CALL and the task leaves the router."""
        self._tick_clock(now)
        res, d = self._reservation(reservation_id), Decision()
        self._drop_reservation(res)
        task = self._tasks.pop(res.task_id)
        agent = self._agents[res.agent_id]
        d.state_changes.append(apply(agent, E.ACCEPT, now))
        self._calls[agent.id] = _Call(task.id, task.queue, now)
        self._metrics_of(task.queue).record(ANSWERED, now, now - task.enqueued_at)
        return d

    def reject(self, reservation_id: str, now: float, reason: str = "no-answer") -> Decision:
        """Not answered/busy: agent paused with ``reason``, task back at the head of its priority.

        An already settled reservation (e.g. expired by `tick`) is a no-op."""
        self._tick_clock(now)
        d, res = Decision(), self._reservations.get(reservation_id)
        if res is not None:
            self._reject(res, now, reason, d)
        return d

    def hangup(self, agent_id: str, now: float) -> Decision:
        """The call ended: wrap-up for the queue's ``wrapup_s`` (READY at once when 0)."""
        agent, d = self._agent(agent_id, now), Decision()
        d.state_changes.append(apply(agent, E.HANGUP, now))
        call = self._calls.get(agent_id)
        spec = self._spec(call.queue) if call else None
        wrapup_s = spec.wrapup_s if spec else 0.0
        if wrapup_s <= 0:
            self._end_wrapup(agent, now, d)
        else:
            token = self._wrap_token[agent_id] = next(self._tokens)
            self._timers.add(now + wrapup_s, "wrap", agent_id, token)
        return d

    def end_wrapup(self, agent_id: str, now: float) -> Decision:
        agent, d = self._agent(agent_id, now), Decision()
        self._end_wrapup(agent, now, d)
        return d

    def tick(self, now: float) -> Decision:
        """Fire every deadline due by ``now``: wrap-up ends, ring timeouts, escalations, max waits."""
        self._tick_clock(now)
        d = Decision()
        for _, kind, ident, token in self._timers.pop_due(now):
            getattr(self, f"_fire_{kind}")(ident, token, now, d)
        return d

    def next_deadline(self) -> float | None:
        """When `tick` next has something to do (a bound; it may turn out to be stale)."""
        return self._timers.next_due()

    # ------------------------------------------------------------ queries

    @property
    def agents(self) -> Mapping[str, Agent]:
        return MappingProxyType(self._agents)

    @property
    def queues(self) -> Mapping[str, QueueSpec]:
        return MappingProxyType(self._queues)

    def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def task(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    def reservation_for_task(self, task_id: str) -> Reservation | None:
        res_id = self._res_of_task.get(task_id)
        return self._reservations[res_id] if res_id else None

    def reservation_for_agent(self, agent_id: str) -> Reservation | None:
        res_id = self._res_of_agent.get(agent_id)
        return self._reservations[res_id] if res_id else None

    def waiting(self, queue: str) -> list[Task]:
        """Waiting (not ringing) tasks of ``queue`` in routing order."""
        return sorted((self._tasks[i] for i in self._lines.task_ids(queue)), key=task_key)

    def position(self, task_id: str) -> int:
        """1-based place among the queue's waiting tasks (priority, then FIFO); 0 if not waiting."""
        return self._lines.position(task_id)

    def ewt(self, task_id: str, now: float) -> float:
        """Estimated wait: position x AHT / staffed agents able to take it; 0 if not waiting."""
        pos, task = self.position(task_id), self._tasks.get(task_id)
        if not pos or task is None:
            return 0.0
        spec = self._queues[task.queue]
        staffed = self._staffed[task.queue, task.level, self._lang_key(spec, task.language)]
        return pos * self._metrics_of(task.queue).aht_s / max(1, staffed)

    def eligible_agents(self, task: Task) -> list[str]:
        """Agents that could take ``task`` now or later (any state), in config order."""
        spec = self._queues[task.queue]
        level = min(task.level, spec.levels - 1)
        ids = self._qual.get((task.queue, level), frozenset())
        if spec.language_routing:
            ids = frozenset(i for i in ids if task.language in self._agents[i].languages)
        return sorted(ids, key=self._order.__getitem__)

    def stats(self, queue: str, now: float) -> QueueStats:
        """Live figures for one queue; O(its tasks + its agents + its last hour of outcomes)."""
        spec = self._queues.get(queue) or self._old_specs.get(queue)
        if spec is None:
            raise UnknownQueue(queue)
        metrics = self._metrics_of(queue)
        waits = [now - self._tasks[i].enqueued_at for i in self._lines.task_ids(queue)]
        ringing = [now - t.enqueued_at for t in map(self._tasks.get, self._res_of_task)
                   if t is not None and t.queue == queue]
        agents = Counter(str(self._agents[i].state) for i in self._qual.get((queue, 0), ()))
        staffed = self._staffed[queue, 0, ""]
        return QueueStats(
            queue=queue, at=now, waiting=len(waits), reserved=len(ringing),
            longest_wait_s=max(waits + ringing, default=0.0),
            agents={str(s): agents.get(str(s), 0) for s in AgentState}, staffed=staffed,
            offered=metrics.totals.get(OFFERED, 0), answered=metrics.totals.get(ANSWERED, 0),
            abandoned=metrics.totals.get(ABANDONED, 0), timed_out=metrics.totals.get(TIMED_OUT, 0),
            rejected=metrics.rejected, sl_target_percent=spec.sl_percent,
            sl_target_seconds=spec.sl_seconds,
            windows={m: metrics.window(m, now, spec.sl_seconds) for m in WINDOWS_MIN},
            aht_s=metrics.aht_s, ewt_s=(len(waits) + 1) * metrics.aht_s / max(1, staffed))

    # ------------------------------------------------------------ matching

    def _place(self, task: Task, now: float, d: Decision) -> None:
        """A task arrives in its line: take the line's best READY agent, else wait."""
        line = self._line_of(task)
        heap = self._heaps.get(line)
        agent_id = heap.best() if heap else None
        if agent_id is None:
            self._lines.add(line, task)
        else:
            self._reserve(task, self._agents[agent_id], now, d)

    def _on_ready(self, agent: Agent, now: float, d: Decision) -> None:
        """An agent becomes READY: take the best head among his lines, else wait in their heaps."""
        best: tuple[Any, str] | None = None
        for line in self._agent_lines(agent):
            head = self._lines.head(line)
            if head is not None and (best is None or head < best):
                best = head
        if best is not None:
            self._lines.remove(best[1])
            self._reserve(self._tasks[best[1]], agent, now, d)
            return
        token = self._ready_token[agent.id] = next(self._tokens)
        for line in self._agent_lines(agent):
            spec = self._queues[line[0]]
            self._heap(line).push(self._strategy_key(spec, agent), token, agent.id)

    def _reserve(self, task: Task, agent: Agent, now: float, d: Decision) -> None:
        spec = self._queues[task.queue]
        d.state_changes.append(apply(agent, E.RESERVE, now, task.queue))
        res = Reservation(self._new_id(), task.id, agent.id, task.queue, now, now + spec.ring_timeout_s)
        self._reservations[res.id] = res
        self._res_of_task[task.id] = self._res_of_agent[agent.id] = res.id
        self._rr.setdefault(task.queue, {})[agent.id] = next(self._tokens)
        self._timers.add(res.expires_at + self._ring_grace_s, "ring", res.id)
        d.reservations.append(res)
        log.debug("task %s (queue %s, p%d) reserved to agent %s", task.id, task.queue,
                  task.priority, agent.id)

    def _strategy_key(self, spec: QueueSpec, agent: Agent) -> tuple[Any, ...]:
        idle, order = agent.ready_since or 0.0, self._order[agent.id]
        if spec.strategy == "best_skill":
            return (-sum(agent.skills.get(s, 0) for s in spec.skills), idle, order)
        if spec.strategy == "least_occupied":
            return (agent.occupancy(idle), idle, order)
        if spec.strategy == "round_robin":  # least recently offered a call of this queue
            return (self._rr.get(spec.name, {}).get(agent.id, 0), order)
        return (idle, order)

    def _reject(self, res: Reservation, now: float, reason: str, d: Decision) -> None:
        self._drop_reservation(res)
        agent = self._agents[res.agent_id]
        d.state_changes.append(apply(agent, E.REJECT, now, reason))
        self._became_idle(agent, now, d)
        task = self._tasks[res.task_id]
        spec = self._queues[task.queue]
        if now - task.enqueued_at >= spec.max_wait_s:
            self._time_out(task, now, d)
            return
        task.requeued = True
        task.level = max(task.level, level_due(spec, now - task.enqueued_at))
        self._schedule_task(task, spec, max_wait=False)
        self._place(task, now, d)

    def _cancel(self, res: Reservation, now: float, d: Decision) -> None:
        self._drop_reservation(res)
        d.cancelled_reservations.append(res)
        agent = self._agents[res.agent_id]
        d.state_changes.append(apply(agent, E.CANCEL, now, "caller left"))
        self._became_idle(agent, now, d)

    def _end_wrapup(self, agent: Agent, now: float, d: Decision, event: AgentEvent = E.WRAPUP_DONE) -> None:
        d.state_changes.append(apply(agent, event, now))
        call = self._calls.pop(agent.id, None)
        if call is not None:
            self._metrics_of(call.queue).handled(now - call.answered_at)
        self._became_idle(agent, now, d)

    def _became_idle(self, agent: Agent, now: float, d: Decision) -> None:
        if agent.id in self._retiring:
            d.state_changes.append(apply(agent, E.LOGOUT, now, "removed from config"))
            self._retiring.discard(agent.id)
            del self._agents[agent.id]
        elif agent.state is S.READY:
            self._on_ready(agent, now, d)

    # ------------------------------------------------------------ timers

    def _fire_ring(self, res_id: str, _token: Any, now: float, d: Decision) -> None:
        res = self._reservations.get(res_id)
        if res is not None:
            self._reject(res, now, "ring-timeout", d)

    def _fire_wrap(self, agent_id: str, token: Any, now: float, d: Decision) -> None:
        agent = self._agents.get(agent_id)
        if agent is not None and agent.state is S.WRAP_UP and self._wrap_token.get(agent_id) == token:
            self._end_wrapup(agent, now, d)

    def _fire_escalate(self, task_id: str, token: Any, now: float, d: Decision) -> None:
        task = self._tasks.get(task_id)
        if task is None or task.seq != token or task_id not in self._lines:
            return
        spec = self._queues[task.queue]
        level = level_due(spec, now - task.enqueued_at)
        if level > task.level:
            self._lines.remove(task_id)
            task.level = level
            log.debug("task %s escalated to level %d in queue %s", task_id, level, task.queue)
            self._place(task, now, d)
        self._schedule_task(task, spec, max_wait=False)

    def _fire_max_wait(self, task_id: str, token: Any, now: float, d: Decision) -> None:
        task = self._tasks.get(task_id)
        if task is not None and task.seq == token and task_id in self._lines:
            self._lines.remove(task_id)
            self._time_out(task, now, d)

    def _schedule_task(self, task: Task, spec: QueueSpec, max_wait: bool = True) -> None:
        if max_wait:
            self._timers.add(task.enqueued_at + spec.max_wait_s, "max_wait", task.id, task.seq)
        if task.level < len(spec.escalation):
            due = task.enqueued_at + spec.escalation[task.level].after_s
            self._timers.add(due, "escalate", task.id, task.seq)

    # ------------------------------------------------------------ helpers

    def _time_out(self, task: Task, now: float, d: Decision) -> None:
        del self._tasks[task.id]
        self._metrics_of(task.queue).record(TIMED_OUT, now, now - task.enqueued_at)
        d.timed_out_tasks.append(task.id)

    def _refuse(self, task: Task, reason: str, d: Decision) -> Decision:
        self._tasks.pop(task.id, None)
        self._lines.remove(task.id)
        self._metrics_of(task.queue).rejected += 1
        d.rejected_tasks.append((task.id, reason))
        return d

    def _refuse_unservable(self, agent: Agent, d: Decision) -> None:
        """After a logout: callers nobody logged in could ever take leave ("leave" queues)."""
        for queue, level, lang in self._staff_keys(agent):
            spec = self._queues[queue]
            if spec.when_nobody != "leave" or level != spec.levels - 1 or self._staffed[queue, level, lang]:
                continue
            for line in self._lines.lines_of(queue):
                if lang == "" or line[2] == lang:
                    for task_id in self._lines.ids_in(line):
                        self._refuse(self._tasks[task_id], "nobody_logged_in", d)

    def _could_ever_serve(self, task: Task) -> bool:
        spec = self._queues[task.queue]
        return self._staffed[task.queue, spec.levels - 1, self._lang_key(spec, task.language)] > 0

    def _drop_reservation(self, res: Reservation) -> None:
        del self._reservations[res.id]
        self._res_of_task.pop(res.task_id, None)
        self._res_of_agent.pop(res.agent_id, None)

    def _agent_lines(self, agent: Agent) -> Iterator[LineKey]:
        for queue, level in self._agent_quals.get(agent.id, ()):
            spec = self._queues[queue]
            for lang in agent.languages if spec.language_routing else ("",):
                yield queue, level, lang

    def _staff_keys(self, agent: Agent) -> Iterator[LineKey]:
        """Lines counting him as staff: "" (any language) always, each language when routed."""
        for queue, level in self._agent_quals.get(agent.id, ()):
            yield queue, level, ""
            if self._queues[queue].language_routing:
                yield from ((queue, level, lang) for lang in agent.languages)

    def _count_staff(self, agent: Agent, delta: int) -> None:
        for key in self._staff_keys(agent):
            self._staffed[key] += delta

    def _line_of(self, task: Task) -> LineKey:
        spec = self._queues[task.queue]
        return task.queue, task.level, self._lang_key(spec, task.language)

    @staticmethod
    def _lang_key(spec: QueueSpec, language: str) -> str:
        return language if spec.language_routing else ""

    def _heap(self, line: LineKey) -> ReadyHeap:
        heap = self._heaps.get(line)
        if heap is None:
            capacity = len(self._qual.get(line[:2], ()))
            heap = self._heaps[line] = ReadyHeap(capacity, self._is_live)
        return heap

    def _is_live(self, agent_id: str, token: int) -> bool:
        agent = self._agents.get(agent_id)
        return (agent is not None and agent.state is S.READY and self._ready_token.get(agent_id) == token
                and agent_id not in self._retiring)

    def _spec(self, queue: str) -> QueueSpec | None:
        return self._queues.get(queue) or self._old_specs.get(queue)

    def _metrics_of(self, queue: str) -> QueueMetrics:
        metrics = self._metrics.get(queue)
        if metrics is None:
            metrics = self._metrics[queue] = QueueMetrics()
        return metrics

    def _agent(self, agent_id: str, now: float) -> Agent:
        self._tick_clock(now)
        agent = self._agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(agent_id)
        return agent

    def _reservation(self, reservation_id: str) -> Reservation:
        res = self._reservations.get(reservation_id)
        if res is None:
            raise UnknownReservation(reservation_id)
        return res

    def _tick_clock(self, now: float | None) -> float:
        if now is not None:
            self._now = max(self._now, now)
        return self._now
