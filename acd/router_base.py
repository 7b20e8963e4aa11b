"""Shared state and small helpers of `acd.router.Router`: the decision type and index look-ups.

The router is assembled from mixins, one per concern (`acd.router_config`, `acd.router_matching`,
`acd.router_timers`, `acd.router_queries`); they all read and write the state declared here, which
`Router.__init__` creates. See `acd.router` for the theory of operation.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from acd.agent_state import StateChange
from acd.errors import UnknownAgent, UnknownReservation
from acd.matching import LineKey, Lines, QualKey, ReadyHeap, Timers
from acd.models import Agent, AgentState, QueueSpec, Reservation, Task
from acd.reservation_state import ReservationEvent, ReservationState
from acd.reservation_state import step as settle
from acd.stats import TIMED_OUT, QueueMetrics

S = AgentState


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


class RouterBase:
    """The router's state (created by `Router.__init__`) and the helpers every concern uses."""

    _new_id: Callable[[], str]
    _ring_grace_s: float
    _queues: dict[str, QueueSpec]
    _old_specs: dict[str, QueueSpec]  # removed queues, for calls still in progress
    _agents: dict[str, Agent]
    _retiring: set[str]  # removed from config while busy
    _order: dict[str, int]  # config order: final tie-break and round-robin order
    _tasks: dict[str, Task]  # waiting or ringing
    _lines: Lines
    _reservations: dict[str, Reservation]
    _res_of_task: dict[str, str]
    _res_of_agent: dict[str, str]
    _calls: dict[str, _Call]  # agent id -> call talking or wrapping up
    _timers: Timers
    _metrics: dict[str, QueueMetrics]
    _seq: itertools.count[int]
    _tokens: itertools.count[int]
    _ready_token: dict[str, int]
    _wrap_token: dict[str, int]
    _rr: dict[str, dict[str, int]]  # queue -> agent -> stamp of his last offer
    _now: float  # latest time seen, for update_config without an explicit now
    _qual: dict[QualKey, frozenset[str]]
    _agent_quals: dict[str, list[QualKey]]
    _heaps: dict[LineKey, dict[str, ReadyHeap]]  # line -> Asterisk node -> READY agents of that node
    _default_node: str  # the node of an agent or caller whose node is ""
    _down_nodes: set[str]  # Asterisk nodes the engine has lost: their agents are not offered calls
    _staffed: Counter[LineKey]

    def _time_out(self, task: Task, now: float, d: Decision) -> None:
        del self._tasks[task.id]
        self._traffic_of(task).record(TIMED_OUT, now, now - task.enqueued_at)
        d.timed_out_tasks.append(task.id)

    def _refuse(self, task: Task, reason: str, d: Decision) -> Decision:
        self._tasks.pop(task.id, None)
        self._lines.remove(task.id)
        self._traffic_of(task).rejected += 1
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

    def _drop_reservation(self, res: Reservation, event: ReservationEvent) -> None:
        """Settle an open (hence OFFERED) reservation through its table and forget it."""
        settle(res.id, ReservationState.OFFERED, event)
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

    def _heap(self, line: LineKey, node: str) -> ReadyHeap:
        heaps = self._heaps.setdefault(line, {})
        heap = heaps.get(node)
        if heap is None:
            capacity = len(self._qual.get(line[:2], ()))
            heap = heaps[node] = ReadyHeap(capacity, self._is_live)
        return heap

    def _best_ready(self, line: LineKey, node: str) -> str | None:
        """The line's best READY agent on ``node`` (the caller's Asterisk node: no trunk between
        them); only when there is none, the best of the other nodes, by the same strategy key."""
        heaps = self._heaps.get(line)
        if not heaps:
            return None
        local = heaps.get(node)
        top = local.peek() if local is not None else None
        if top is not None:
            return top[1]
        for other, heap in heaps.items():
            candidate = heap.peek() if other != node else None
            if candidate is not None and (top is None or candidate[0] < top[0]):
                top = candidate
        return top[1] if top is not None else None

    def _node_of(self, who: Agent | Task) -> str:
        return who.node or self._default_node

    def _is_live(self, agent_id: str, token: int) -> bool:
        agent = self._agents.get(agent_id)
        return (agent is not None and agent.state is S.READY and self._ready_token.get(agent_id) == token
                and agent_id not in self._retiring and self._node_of(agent) not in self._down_nodes)

    def _spec(self, queue: str) -> QueueSpec | None:
        return self._queues.get(queue) or self._old_specs.get(queue)

    def _traffic_of(self, task: Task) -> QueueMetrics:
        """Where a task's offered/answered/abandoned/timeout counts go: its queue's figures for
        callers; a scratch record for agents' consults, which are not the queue's traffic."""
        return self._metrics_of(task.queue) if task.kind != "consult" else QueueMetrics()

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
