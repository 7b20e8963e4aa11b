"""Router indexes stay consistent under any event sequence, and decisions stay fast at scale."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from acd import EscalationStep, InvalidTransition, QueueSpec, Router
from tests.support.routing import S, agent, call, make


# ---------------------------------------------------------------- indexes and invariants


def check_invariants(router: Router) -> None:
    """Every waiting task lacks a READY qualified agent; every reservation is consistent."""
    reserved_agents = set()
    for task_id, task in router._tasks.items():
        res = router.reservation_for_task(task_id)
        if res is not None:
            assert router.agent(res.agent_id).state is S.RESERVED
            reserved_agents.add(res.agent_id)
            continue
        assert router.position(task_id) >= 1
        ready = [a for a in router.eligible_agents(task) if router.agent(a).state is S.READY]
        assert not ready, f"{task_id} waits while {ready} are ready"
    assert reserved_agents == {a.id for a in router.agents.values() if a.state is S.RESERVED}
    for name in router.queues:
        logged_in = [i for i in router._qual[name, 0] if router.agent(i).state is not S.LOGGED_OUT]
        assert router.stats(name, 0).staffed == len(logged_in)


OPS = st.lists(st.tuples(st.sampled_from(["enqueue", "gold", "login", "logout", "ready", "pause", "accept",
                                          "reject", "abandon", "hangup", "tick"]),
                         st.integers(0, 5), st.floats(0, 40)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_any_event_sequence_keeps_the_indexes_consistent(ops: list[tuple[str, int, float]]) -> None:
    vip = QueueSpec("vip", {"vip": 5}, escalation=(EscalationStep(30, add_queues=("billing",)),),
                    strategy="round_robin", when_nobody="wait")
    billing = QueueSpec("billing", {"billing": 5}, strategy="best_skill", language_routing=True, max_len=5)
    faults = QueueSpec("faults", {"faults": 5}, strategy="least_occupied",
                       escalation=(EscalationStep(20, relax_levels=2),), wrapup_s=0)
    agents = [agent("a0", billing=5, vip=6), agent("a1", ("en", "zh"), billing=8, faults=3),
              agent("a2", faults=6), agent("a3", ("zh",), billing=5, faults=9)]
    router, now = make([vip, billing, faults], agents), 10.0
    for n, (op, k, dt) in enumerate(ops):
        now += dt
        a_id, queue = f"a{k % 4}", ("vip", "billing", "faults")[k % 3]
        res = router.reservation_for_agent(a_id)
        try:
            if op in ("enqueue", "gold"):
                router.enqueue(call(f"t{n}", queue, now, 5 if op == "gold" else 0, ("en", "zh")[k % 2]), now)
            elif op in ("accept", "reject") and res is not None:
                getattr(router, op)(res.id, now)
            elif op == "abandon" and router._tasks:
                router.abandon(sorted(router._tasks)[k % len(router._tasks)], now)
            elif op == "tick":
                router.tick(now)
            elif op in ("login", "logout", "ready", "pause", "hangup"):
                getattr(router, op)(a_id, now)
        except InvalidTransition:  # e.g. logout while on a call: refused, nothing changed
            pass
        check_invariants(router)


def test_decisions_stay_fast_with_10k_agents_and_10k_waiting_callers() -> None:
    skills = [f"s{i}" for i in range(50)]
    queues = [QueueSpec(f"q{i}", {skills[i]: 5, skills[(i + 1) % 50]: 3}, max_len=100_000, when_nobody="wait")
              for i in range(50)]
    agents = [agent(f"a{i}", **{skills[i % 50]: 5 + i % 5, skills[(i + 1) % 50]: 4, skills[(i * 7) % 50]: 6})
              for i in range(10_000)]
    router = make(queues, agents, login=False)
    for i in range(10_000):
        router.enqueue(call(f"t{i}", f"q{i % 50}", float(i)), float(i))
    started = time.perf_counter()
    served = 0
    for i in range(2_000):
        served += len(router.login(f"a{i}", 20_000.0 + i).reservations)
        router.enqueue(call(f"n{i}", f"q{i % 50}", 30_000.0 + i), 30_000.0 + i)
        router.position(f"t{9_999 - i}")
    elapsed = time.perf_counter() - started
    assert served == 2_000
    assert elapsed < 1.0, f"4000 decisions took {elapsed:.2f}s"
