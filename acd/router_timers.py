"""Deadlines of `acd.router.Router`: ring timeouts, wrap-up ends, escalation steps, max waits.

Each is one entry in a single timer heap, tagged with its kind and a token; `tick` pops what is
due and dispatches to ``_fire_<kind>``, which ignores entries made stale by a later event.
"""

from __future__ import annotations

import logging
from typing import Any

from acd.matching import level_due
from acd.models import AgentState, QueueSpec, Task
from acd.reservation_state import ReservationEvent
from acd.router_base import Decision, RouterBase

log = logging.getLogger("hotline.acd")
S = AgentState


class TimersMixin(RouterBase):
    """`tick`, `next_deadline` and the handlers of each kind of deadline."""

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

    def _fire_ring(self, res_id: str, _token: Any, now: float, d: Decision) -> None:
        res = self._reservations.get(res_id)
        if res is not None:
            self._reject(res, now, "ring-timeout", d, ReservationEvent.EXPIRE)

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
