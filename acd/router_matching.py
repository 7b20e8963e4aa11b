"""The two matching moments of `acd.router.Router` (task arrives, agent becomes READY) and the
reservation outcomes that lead back to them; see `acd.router` for the theory of operation."""

from __future__ import annotations

import logging
from typing import Any

from acd.agent_state import AgentEvent, apply
from acd.matching import level_due
from acd.models import Agent, AgentState, QueueSpec, Reservation, Task
from acd.reservation_state import ReservationEvent
from acd.router_base import Decision, RouterBase
from acd.stats import OFFERED

log = logging.getLogger("hotline.acd")
E, S = AgentEvent, AgentState


class MatchingMixin(RouterBase):
    """Placing tasks, offering them to agents, and settling reservations."""

    def _place(self, task: Task, now: float, d: Decision) -> None:
        """A task arrives in its line: take the line's best READY agent, else wait."""
        line = self._line_of(task)
        agent_id = self._best_ready(line, self._node_of(task))
        if agent_id is None:
            self._lines.add(line, task)
        else:
            self._reserve(task, self._agents[agent_id], now, d)

    def _offer_pinned(self, task: Task, now: float, d: Decision) -> Decision:
        """A task for one named agent (a consult of a colleague): reserved to him if he is READY,
        refused ``agent_unavailable`` otherwise. It never waits in a line."""
        agent = self._agents.get(task.pinned_agent or "")
        if agent is None or agent.state is not S.READY or agent.id in self._retiring:
            d.rejected_tasks.append((task.id, "agent_unavailable"))
            return d
        task.seq, task.requeued, task.level = next(self._seq), False, 0
        self._tasks[task.id] = task
        self._traffic_of(task).record(OFFERED, now)
        self._reserve(task, agent, now, d)
        return d

    def _on_ready(self, agent: Agent, now: float, d: Decision) -> None:
        """An agent becomes READY: take the best head among his lines, else wait in their heaps
        (an agent on a lost Asterisk node waits for `node_available` instead)."""
        if self._node_of(agent) in self._down_nodes:
            return
        best: tuple[Any, str] | None = None
        for line in self._agent_lines(agent):
            head = self._lines.head(line)
            if head is not None and (best is None or head < best):
                best = head
        if best is not None:
            self._lines.remove(best[1])
            self._reserve(self._tasks[best[1]], agent, now, d)
            return
        self._park_ready(agent)

    def _park_ready(self, agent: Agent) -> None:
        """File a READY agent in the ready heaps of his lines, on his node (a fresh token)."""
        token = self._ready_token[agent.id] = next(self._tokens)
        for line in self._agent_lines(agent):
            spec = self._queues[line[0]]
            self._heap(line, self._node_of(agent)).push(self._strategy_key(spec, agent), token, agent.id)

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

    def _reject(self, res: Reservation, now: float, reason: str, d: Decision,
                event: ReservationEvent = ReservationEvent.REJECT) -> None:
        self._drop_reservation(res, event)
        agent = self._agents[res.agent_id]
        d.state_changes.append(apply(agent, E.REJECT, now, reason))
        self._became_idle(agent, now, d)
        task = self._tasks[res.task_id]
        if task.pinned_agent is not None:  # nobody else may take it
            del self._tasks[task.id]
            d.rejected_tasks.append((task.id, "not_answered"))
            return
        spec = self._queues[task.queue]
        if now - task.enqueued_at >= spec.max_wait_s:
            self._time_out(task, now, d)
            return
        task.requeued = True
        task.level = max(task.level, level_due(spec, now - task.enqueued_at))
        self._schedule_task(task, spec, max_wait=False)
        self._place(task, now, d)

    def _cancel(self, res: Reservation, now: float, d: Decision) -> None:
        self._drop_reservation(res, ReservationEvent.CANCEL)
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
