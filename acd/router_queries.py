"""Read-only views of `acd.router.Router`: look-ups, queue positions, waits and live stats."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType

from acd.errors import UnknownQueue
from acd.matching import task_key
from acd.models import Agent, AgentState, QueueSpec, Reservation, Task
from acd.router_base import RouterBase
from acd.stats import ABANDONED, ANSWERED, OFFERED, TIMED_OUT, WINDOWS_MIN, QueueStats, WindowStats


class QueriesMixin(RouterBase):
    """Queries; nothing here changes the router's state (beyond creating empty metrics)."""

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

    def window(self, queue: str, minutes: int, now: float) -> WindowStats:
        """One queue's outcomes over the last ``minutes`` (at most the hour `acd.stats` keeps)."""
        spec = self._queues.get(queue) or self._old_specs.get(queue)
        if spec is None:
            raise UnknownQueue(queue)
        return self._metrics_of(queue).window(minutes, now, spec.sl_seconds)
