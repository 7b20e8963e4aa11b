"""Hot reload for `acd.router.Router`: merge the new config, rebuild the indexes, re-place tasks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from acd.agent_state import AgentEvent, apply
from acd.matching import Lines, level_due, qualified_sets, quals_by_agent, task_key
from acd.models import BUSY, Agent, AgentState, QueueSpec
from acd.router_base import Decision, RouterBase

E, S = AgentEvent, AgentState


class ConfigMixin(RouterBase):
    """`update_config` and the index building it shares with `Router.__init__`."""

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
                current.node = new.node
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
