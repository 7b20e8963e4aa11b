"""Read-only questions the rest of the engine asks the ACD (queues, agents, waits, live stats).

Why a seam here: call use cases, desks, the dialer and the control socket used to reach into
`AcdService.router` and call the router's own look-ups, so every change of the router's
internals rippled through `cti/`. They ask these methods instead; only `AcdService` talks to
the router. Time comes from the service's clock, so callers never pass ``now``.
"""

from __future__ import annotations

from acd.models import Agent, QueueSpec, Reservation, Task
from acd.router import Router
from acd.stats import QueueStats, WindowStats


class AcdQueries:
    """Mixed into `AcdService`: answers from the router, never changes it."""

    router: Router

    def now(self) -> float:
        raise NotImplementedError

    def queue(self, name: str) -> QueueSpec | None:
        return self.router.queues.get(name)

    def queue_names(self) -> list[str]:
        """Configured queues, in config order."""
        return list(self.router.queues)

    def agent(self, agent_id: str) -> Agent | None:
        return self.router.agent(agent_id)

    def agents(self) -> list[Agent]:
        """Every configured agent, in config order."""
        return list(self.router.agents.values())

    def agents_of(self, queue: str) -> list[Agent]:
        """Agents meeting ``queue``'s base skills (any state); none for an unknown queue."""
        spec = self.queue(queue)
        if spec is None:
            return []
        return [a for a in self.router.agents.values()
                if all(a.skills.get(skill, 0) >= level for skill, level in spec.skills.items())]

    def reservation_of(self, agent_id: str) -> Reservation | None:
        """The call ringing at the agent's phone, if any."""
        return self.router.reservation_for_agent(agent_id)

    def waiting(self, queue: str) -> list[Task]:
        """Waiting (not ringing) calls of ``queue`` in routing order."""
        return self.router.waiting(queue)

    def position(self, task_id: str) -> int:
        """1-based place of a waiting call in its queue; 0 when it is not waiting."""
        return self.router.position(task_id)

    def ewt(self, task_id: str) -> float:
        """Estimated wait of a waiting call, in seconds (0 when it is not waiting)."""
        return self.router.ewt(task_id, self.now())

    def stats(self, queue: str) -> QueueStats:
        """Live figures of one queue; raises `acd.errors.UnknownQueue`."""
        return self.router.stats(queue, self.now())

    def window(self, queue: str, minutes: int) -> WindowStats:
        """One queue's outcomes (offered, answered, SL...) over the last ``minutes`` (<= 60)."""
        return self.router.window(queue, minutes, self.now())
