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
from collections.abc import Callable, Mapping

from acd.agent_state import AgentEvent, apply
from acd.errors import DuplicateTask, UnknownQueue
from acd.matching import Lines, Timers, level_due
from acd.models import Agent, AgentState, QueueSpec, Task
from acd.reservation_state import ReservationEvent
from acd.router_base import Decision, _Call
from acd.router_config import ConfigMixin
from acd.router_matching import MatchingMixin
from acd.router_queries import QueriesMixin
from acd.router_timers import TimersMixin
from acd.stats import ABANDONED, ANSWERED, OFFERED

log = logging.getLogger("hotline.acd")
E, S = AgentEvent, AgentState


class Router(ConfigMixin, MatchingMixin, TimersMixin, QueriesMixin):
    """Skills-based matching of tasks (calls) to agents; no I/O, no clock of its own.

    Agent commands and call events live here; configuration (`acd.router_config`), matching
    (`acd.router_matching`), deadlines (`acd.router_timers`) and queries (`acd.router_queries`)
    are mixins over the shared state of `acd.router_base.RouterBase`.
    """

    def __init__(self, queues: Mapping[str, QueueSpec], agents: Mapping[str, Agent], *,
                 id_factory: Callable[[], str] | None = None, ring_grace_s: float = 2.0) -> None:
        """``ring_grace_s``: `tick` expires a reservation that long after ``expires_at``, so the
        shell's own Dial timeout (same length) normally reports the no-answer first."""
        self._new_id = id_factory or (lambda: uuid.uuid4().hex)
        self._ring_grace_s = ring_grace_s
        self._queues = {}
        self._old_specs = {}
        self._agents = {}
        self._retiring = set()
        self._order = {}
        self._tasks = {}
        self._lines = Lines()
        self._reservations = {}
        self._res_of_task = {}
        self._res_of_agent = {}
        self._calls = {}
        self._timers = Timers()
        self._metrics = {}
        self._seq = itertools.count(1)
        self._tokens = itertools.count(1)
        self._ready_token = {}
        self._wrap_token = {}
        self._rr = {}
        self._now = 0.0
        self._qual = {}
        self._agent_quals = {}
        self._heaps = {}
        self._default_node = ""
        self._down_nodes = set()
        self._staffed = Counter()
        self.update_config(queues, agents)

    # ------------------------------------------------------------ Asterisk nodes

    def set_default_node(self, node: str) -> None:
        """Agents and callers whose ``node`` is "" are on this one (the engine's first node). The
        ready heaps are per node, so READY agents are filed again."""
        if node == self._default_node:
            return
        self._default_node = node
        self._heaps = {}
        for agent in self._agents.values():
            if agent.state is S.READY and agent.id not in self._res_of_agent:
                self._park_ready(agent)

    @property
    def lost_nodes(self) -> frozenset[str]:
        """The Asterisk nodes whose agents are offered nothing (their link is down)."""
        return frozenset(self._down_nodes)

    def node_available(self, node: str, up: bool, now: float) -> Decision:
        """The engine lost (``up`` False) or regained its link to an Asterisk node. Agents on a lost
        node are offered nothing; when it is back, its READY agents take waiting calls at once."""
        d = Decision()
        if not up:
            self._down_nodes.add(node)
            return d
        if node not in self._down_nodes:
            return d
        self._down_nodes.discard(node)
        for agent in list(self._agents.values()):
            if agent.state is S.READY and self._node_of(agent) == node and agent.id not in self._res_of_agent:
                self._on_ready(agent, now, d)
        return d

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
        if task.pinned_agent is not None:
            return self._offer_pinned(task, now, d)
        if self._lines.count(task.queue) >= spec.max_len:
            return self._refuse(task, "queue_full", d)
        task.seq, task.requeued = next(self._seq), False
        task.level = level_due(spec, now - task.enqueued_at)
        if spec.when_nobody == "leave" and not self._could_ever_serve(task):
            return self._refuse(task, "nobody_logged_in", d)
        self._tasks[task.id] = task
        self._traffic_of(task).record(OFFERED, now)
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
        self._traffic_of(task).record(reason, now, now - task.enqueued_at)
        return d

    def accept(self, reservation_id: str, now: float) -> Decision:
        """The agent answered: he is ON_CALL and the task leaves the router."""
        self._tick_clock(now)
        res, d = self._reservation(reservation_id), Decision()
        self._drop_reservation(res, ReservationEvent.ACCEPT)
        task = self._tasks.pop(res.task_id)
        agent = self._agents[res.agent_id]
        d.state_changes.append(apply(agent, E.ACCEPT, now))
        self._calls[agent.id] = _Call(task.id, task.queue, now)
        self._traffic_of(task).record(ANSWERED, now, now - task.enqueued_at)
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
