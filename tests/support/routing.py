"""Building routers, agents and calls for the router tests (tests/unit/test_acd_router_*.py)."""

from __future__ import annotations

import itertools

from acd import Agent, AgentState, Decision, QueueSpec, Router, Task

S = AgentState


def agent(agent_id: str, languages: tuple[str, ...] = ("en",), **skills: int) -> Agent:
    return Agent(agent_id, f"Agent {agent_id}", f"PJSIP/{agent_id}", skills, languages)


def make(queues: list[QueueSpec], agents: list[Agent], *, login: bool = True, at: float = 0.0) -> Router:
    """A router with predictable reservation ids (R1, R2...); agents log in one second apart."""
    ids = (f"R{n}" for n in itertools.count(1))
    router = Router({q.name: q for q in queues}, {a.id: a for a in agents}, id_factory=lambda: next(ids))
    if login:
        for i, a in enumerate(agents):
            router.login(a.id, at + i)
    return router


def call(task_id: str, queue: str, at: float, priority: int = 0, language: str = "en") -> Task:
    return Task(task_id, queue, priority, at, language)


def offers(decision: Decision) -> list[tuple[str, str]]:
    return [(r.task_id, r.agent_id) for r in decision.reservations]


def serve(router: Router, decision: Decision, now: float, talk_s: float = 60.0) -> Decision:
    """Answer every offer in ``decision`` and hang up after ``talk_s``."""
    out = Decision()
    for res in decision.reservations:
        out.merge(router.accept(res.id, now))
        out.merge(router.hangup(res.agent_id, now + talk_s))
    return out


BILLING = QueueSpec("billing", {"billing": 5}, wrapup_s=10)
FAULTS = QueueSpec("faults", {"faults": 5}, wrapup_s=10)
# callers wait even when nobody who could serve them is logged in
PATIENT_BILLING = QueueSpec("billing", {"billing": 5}, when_nobody="wait")
PATIENT_FAULTS = QueueSpec("faults", {"faults": 5}, when_nobody="wait")
