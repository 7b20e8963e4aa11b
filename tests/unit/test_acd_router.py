"""Router decisions with injected time: who gets which caller, when, and what the stats say."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd import (Agent, AgentState, Decision, EscalationStep, InvalidTransition, QueueSpec, Router, Task,
                 UnknownQueue, UnknownReservation)

S = AgentState


def agent(agent_id: str, languages: tuple[str, ...] = ("en",), **skills: int) -> Agent:
    return Agent(agent_id, f"Agent {agent_id}", f"PJSIP/{agent_id}", skills, languages)


def make(queues: list[QueueSpec], agents: list[Agent], *, login: bool = True, at: float = 0.0) -> Router:
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


# ---------------------------------------------------------------- skills and levels


def test_caller_needing_billing_reaches_the_agent_with_billing() -> None:
    router = make([BILLING, FAULTS], [agent("1001", faults=9), agent("1002", billing=6)])
    assert offers(router.enqueue(call("c1", "billing", 10), 10)) == [("c1", "1002")]


def test_agent_below_the_minimum_level_never_gets_the_call() -> None:
    router = make([BILLING], [agent("1001", billing=4), agent("1002", billing=5)])
    router.pause("1002", 1, "lunch")
    task = call("c1", "billing", 10)
    assert offers(router.enqueue(task, 10)) == []
    assert router.eligible_agents(task) == ["1002"]
    assert offers(router.ready("1002", 20)) == [("c1", "1002")]


def test_agent_must_have_every_required_skill() -> None:
    queue = QueueSpec("vip_billing", {"billing": 5, "vip": 5})
    router = make([queue], [agent("1001", billing=9), agent("1002", billing=5, vip=5)])
    assert offers(router.enqueue(call("c1", "vip_billing", 10), 10)) == [("c1", "1002")]


def test_mandarin_caller_reaches_an_agent_who_speaks_mandarin() -> None:
    queue = QueueSpec("billing", {"billing": 5}, language_routing=True)
    router = make([queue], [agent("1001", billing=9), agent("1003", ("en", "zh"), billing=5)])
    assert offers(router.enqueue(call("c1", "billing", 10, language="zh"), 10)) == [("c1", "1003")]
    assert offers(router.enqueue(call("c2", "billing", 11, language="zh"), 11)) == []
    assert offers(router.enqueue(call("c3", "billing", 12), 12)) == [("c3", "1001")]


# ---------------------------------------------------------------- priorities and FIFO


def test_gold_caller_overtakes_normal_callers_when_one_agent_frees() -> None:
    router = make([BILLING], [agent("1001", billing=5)])
    first = router.enqueue(call("busy", "billing", 0), 0)
    serve(router, first, 1)
    router.enqueue(call("normal1", "billing", 2), 2)
    router.enqueue(call("normal2", "billing", 3), 3)
    router.enqueue(call("gold", "billing", 4, priority=10), 4)
    assert [t.id for t in router.waiting("billing")] == ["gold", "normal1", "normal2"]
    assert offers(router.tick(71)) == [("gold", "1001")]


def test_callers_of_equal_priority_are_served_first_come_first_served() -> None:
    queue = QueueSpec("billing", {"billing": 5}, when_nobody="wait", wrapup_s=0)
    router = make([queue], [agent("1001", billing=5)], login=False)
    for i in range(3):
        router.enqueue(call(f"c{i}", "billing", float(i)), float(i))
    decision, served = router.login("1001", 10), []
    while decision.reservations:
        served += [t for t, _ in offers(decision)]
        decision = serve(router, decision, 10)
    assert served == ["c0", "c1", "c2"]


# ---------------------------------------------------------------- strategies


def test_longest_idle_agent_gets_the_call() -> None:
    router = make([BILLING], [agent("1001", billing=9), agent("1002", billing=5)], login=False)
    router.login("1002", 0)
    router.login("1001", 5)
    assert offers(router.enqueue(call("c1", "billing", 10), 10)) == [("c1", "1002")]


def test_best_skill_strategy_prefers_the_highest_level() -> None:
    queue = QueueSpec("faults", {"faults": 5}, strategy="best_skill")
    router = make([queue], [agent("1001", faults=6), agent("1002", faults=9), agent("1003", faults=7)])
    assert offers(router.enqueue(call("c1", "faults", 10), 10)) == [("c1", "1002")]
    assert offers(router.enqueue(call("c2", "faults", 11), 11)) == [("c2", "1003")]


def test_least_occupied_strategy_prefers_the_agent_who_talked_least_today() -> None:
    queue = QueueSpec("complaints", {"complaints": 5}, strategy="least_occupied", wrapup_s=0)
    busy, fresh = agent("1001", complaints=5), agent("1002", complaints=5)
    router = make([queue], [busy, fresh], login=False)
    router.login("1001", 0)
    serve(router, router.enqueue(call("c0", "complaints", 0), 0), 0, talk_s=500)  # 1001 ready at 500
    router.login("1002", 400)  # idle longer than 1001 but...
    router.pause("1002", 401, "coffee")
    router.ready("1002", 600)  # ...now idle for less time than 1001, and never talked
    assert offers(router.enqueue(call("c1", "complaints", 700), 700)) == [("c1", "1002")]


def test_round_robin_offers_agents_in_turn() -> None:
    queue = QueueSpec("vip", {"vip": 5}, strategy="round_robin", wrapup_s=0)
    router = make([queue], [agent(i, vip=5) for i in ("1001", "1002", "1003")])
    served = []
    for n in range(5):
        decision = router.enqueue(call(f"c{n}", "vip", 10 + n), 10 + n)
        served += [a for _, a in offers(decision)]
        serve(router, decision, 10 + n, talk_s=0.5)
    assert served == ["1001", "1002", "1003", "1001", "1002"]


# ---------------------------------------------------------------- escalation


def test_vip_caller_widens_to_billing_agents_after_30_seconds() -> None:
    vip = QueueSpec("vip", {"vip": 5}, escalation=(EscalationStep(30, add_queues=("billing",)),))
    router = make([vip, BILLING], [agent("1001", billing=8)])
    task = call("c1", "vip", 100)
    assert offers(router.enqueue(task, 100)) == []
    assert router.next_deadline() == 130
    assert offers(router.tick(129.9)) == []
    assert offers(router.tick(130)) == [("c1", "1001")]


def test_relaxed_level_lets_a_junior_agent_take_the_call_after_a_minute() -> None:
    queue = QueueSpec("billing", {"billing": 7}, escalation=(EscalationStep(60, relax_levels=2),))
    router = make([queue], [agent("1001", billing=5), agent("1002", billing=4)])
    router.enqueue(call("c1", "billing", 0), 0)
    assert offers(router.tick(59)) == []
    assert offers(router.tick(60)) == [("c1", "1001")]


def test_alternative_skill_qualifies_after_escalation() -> None:
    queue = QueueSpec("complaints", {"complaints": 5}, escalation=(EscalationStep(90, add_skills={"vip": 5}),))
    router = make([queue], [agent("1005", vip=6)])
    router.enqueue(call("c1", "complaints", 0), 0)
    assert offers(router.tick(89)) == [] and offers(router.tick(91)) == [("c1", "1005")]


# ---------------------------------------------------------------- fairness across queues

PATIENT_BILLING = QueueSpec("billing", {"billing": 5}, when_nobody="wait")
PATIENT_FAULTS = QueueSpec("faults", {"faults": 5}, when_nobody="wait")


def test_agent_in_two_queues_takes_the_longest_waiting_caller_of_equal_priority() -> None:
    router = make([PATIENT_BILLING, PATIENT_FAULTS], [agent("1002", billing=5, faults=6)], login=False)
    router.enqueue(call("billing_late", "billing", 20), 20)
    router.enqueue(call("faults_early", "faults", 10), 10)
    assert offers(router.login("1002", 30)) == [("faults_early", "1002")]


def test_shared_agent_still_prefers_higher_priority_in_the_other_queue() -> None:
    router = make([PATIENT_BILLING, PATIENT_FAULTS], [agent("1002", billing=5, faults=6)], login=False)
    router.enqueue(call("faults_old", "faults", 0), 0)
    router.enqueue(call("billing_gold", "billing", 20, priority=5), 20)
    assert offers(router.login("1002", 30)) == [("billing_gold", "1002")]


# ---------------------------------------------------------------- connecting


def test_unanswered_agent_is_paused_and_caller_is_offered_to_the_next_agent() -> None:
    router = make([BILLING], [agent("1001", billing=5), agent("1002", billing=5)])
    [res] = router.enqueue(call("c1", "billing", 10), 10).reservations
    decision = router.reject(res.id, 40)
    assert router.agent("1001").state is S.PAUSED and router.agent("1001").pause_reason == "no-answer"
    assert offers(decision) == [("c1", "1002")]


def test_unanswered_caller_returns_to_the_head_of_the_queue() -> None:
    router = make([BILLING], [agent("1001", billing=5), agent("1002", billing=5)])
    [res] = router.enqueue(call("c1", "billing", 0), 0).reservations
    serve(router, router.enqueue(call("other", "billing", 1), 1), 2)  # 1002 busy
    router.enqueue(call("c2", "billing", 3), 3)
    router.reject(res.id, 30)
    assert [t.id for t in router.waiting("billing")] == ["c1", "c2"]
    assert router.position("c1") == 1
    assert offers(router.end_wrapup("1002", 70)) == [("c1", "1002")]


def test_ring_timeout_via_tick_counts_as_no_answer() -> None:
    router = make([BILLING], [agent("1001", billing=5)])
    [res] = router.enqueue(call("c1", "billing", 0), 0).reservations
    assert res.expires_at == 30
    assert router.tick(31).state_changes == []  # grace: the shell's own Dial timeout reports first
    decision = router.tick(32)
    assert router.agent("1001").pause_reason == "ring-timeout"
    assert [t.id for t in router.waiting("billing")] == ["c1"] and decision.reservations == []
    assert router.reject(res.id, 33) == Decision()  # late report of the settled ring: no-op
    with pytest.raises(UnknownReservation):
        router.accept(res.id, 33)


def test_caller_hanging_up_while_ringing_frees_the_agent_for_the_next_caller() -> None:
    router = make([BILLING], [agent("1001", billing=5)])
    [res] = router.enqueue(call("c1", "billing", 0), 0).reservations
    router.enqueue(call("c2", "billing", 1), 1)
    decision = router.abandon("c1", 5)
    assert decision.cancelled_reservations == [res]
    assert offers(decision) == [("c2", "1001")]
    assert router.abandon("c1", 6) == Decision()


def test_wrap_up_ends_after_the_queues_wrapup_seconds() -> None:
    router = make([BILLING], [agent("1001", billing=5)])
    serve(router, router.enqueue(call("c1", "billing", 0), 0), 5, talk_s=95)  # hangup at 100
    assert router.agent("1001").state is S.WRAP_UP
    assert router.tick(109.9).state_changes == []
    assert router.tick(110).state_changes[0].to_state is S.READY


def test_pause_asked_during_a_call_takes_effect_after_wrap_up() -> None:
    router = make([BILLING], [agent("1001", billing=5)])
    serve(router, router.enqueue(call("c1", "billing", 0), 0), 5)
    router.pause("1001", 20, "lunch")
    router.enqueue(call("c2", "billing", 30), 30)
    decision = router.tick(100)
    assert offers(decision) == [] and router.agent("1001").pause_reason == "lunch"


# ---------------------------------------------------------------- refusals and timeouts


def test_full_queue_turns_the_caller_away() -> None:
    queue = QueueSpec("billing", {"billing": 5}, max_len=2)
    router = make([queue], [agent("1001", billing=5)])
    router.pause("1001", 1, "lunch")
    for i in range(2):
        assert router.enqueue(call(f"c{i}", "billing", 2), 2).rejected_tasks == []
    assert router.enqueue(call("c2", "billing", 3), 3).rejected_tasks == [("c2", "queue_full")]
    assert router.stats("billing", 3).rejected == 1


def test_nobody_logged_in_turns_caller_away_or_lets_them_wait() -> None:
    leave = QueueSpec("billing", {"billing": 5})
    wait = QueueSpec("complaints", {"complaints": 5}, when_nobody="wait")
    router = make([leave, wait], [agent("1001", billing=5, complaints=5)], login=False)
    assert router.enqueue(call("c1", "billing", 0), 0).rejected_tasks == [("c1", "nobody_logged_in")]
    assert router.enqueue(call("c2", "complaints", 0), 0).rejected_tasks == []
    with pytest.raises(UnknownQueue):
        router.enqueue(call("c3", "nowhere", 0), 0)


def test_last_agent_logging_out_releases_waiting_callers_of_leave_queues() -> None:
    router = make([BILLING], [agent("1001", billing=5)])
    router.pause("1001", 1, "lunch")
    router.enqueue(call("c1", "billing", 2), 2)
    assert router.logout("1001", 3).rejected_tasks == [("c1", "nobody_logged_in")]


def test_caller_over_max_wait_times_out_on_tick() -> None:
    queue = QueueSpec("billing", {"billing": 5}, max_wait_s=120, when_nobody="wait")
    router = make([queue], [], login=False)
    router.enqueue(call("c1", "billing", 0), 0)
    assert router.tick(119).timed_out_tasks == []
    assert router.tick(120).timed_out_tasks == ["c1"]
    assert router.task("c1") is None and router.stats("billing", 121).timed_out == 1


# ---------------------------------------------------------------- position, EWT, stats


def test_position_and_estimated_wait_follow_priority_then_arrival() -> None:
    router = make([BILLING], [agent("1001", billing=5), agent("1002", billing=5)])
    router.pause("1001", 5, "x")
    router.pause("1002", 5, "x")
    for task in (call("a", "billing", 10), call("b", "billing", 11), call("gold", "billing", 12, priority=1)):
        router.enqueue(task, task.enqueued_at)
    assert [router.position(t) for t in ("gold", "a", "b")] == [1, 2, 3]
    assert router.ewt("b", 20) == pytest.approx(3 * 180 / 2)  # default AHT, two staffed agents
    router.ready("1001", 20)
    serve(router, Decision(reservations=[router.reservation_for_task("gold")]), 20, talk_s=50)
    router.end_wrapup("1001", 80)  # handle time 60 s: the first sample replaces the default
    assert router.stats("billing", 80).aht_s == 60
    assert router.position("b") == 1 and router.ewt("b", 80) == pytest.approx(60 / 2)


def test_service_level_counts_answers_within_threshold_and_late_abandons() -> None:
    router = make([BILLING], [agent("1001", billing=5)], login=False)  # sl 80% in 20 s
    router.login("1001", 0)
    router.pause("1001", 0, "x")
    for i, at in enumerate((0, 1, 2, 3)):
        router.enqueue(call(f"c{i}", "billing", at), at)
    router.abandon("c3", 8)  # short abandon (5 s): left out
    router.abandon("c2", 40)  # late abandon: a failure
    [res] = router.ready("1001", 10).reservations  # c0 answered after 10 s
    serve(router, Decision(reservations=[res]), 10, talk_s=1)
    [res] = router.end_wrapup("1001", 21).reservations  # c1 answered after 20 s: still in time
    router.accept(res.id, 21)
    stats = router.stats("billing", 60)
    assert stats.windows[15].answered_in_sl == 2 and stats.windows[15].abandoned_after_sl == 1
    assert stats.service_level[15] == pytest.approx(100 * 2 / 3)
    assert stats.asa_s == pytest.approx(15)
    assert stats.abandonment_rate == pytest.approx(50)
    assert (stats.offered, stats.answered, stats.abandoned) == (4, 2, 2)
    assert stats.agents["on_call"] == 1
    assert router.stats("billing", 60 + 3601).service_level[60] is None  # window moved past


# ---------------------------------------------------------------- hot reload


def test_removed_busy_agent_is_logged_out_when_his_call_ends() -> None:
    router = make([BILLING], [agent("1001", billing=5), agent("1002", billing=5)])
    serve(router, router.enqueue(call("c1", "billing", 0), 0), 1)
    router.update_config({"billing": BILLING}, {"1002": agent("1002", billing=5)}, now=5)
    assert router.agent("1001").state is S.WRAP_UP
    router.tick(100)
    assert router.agent("1001") is None
    assert offers(router.enqueue(call("c2", "billing", 101), 101)) == [("c2", "1002")]


def test_reload_giving_an_agent_a_skill_matches_him_to_a_waiting_caller() -> None:
    queues = {"billing": BILLING, "faults": PATIENT_FAULTS}
    router = make(list(queues.values()), [agent("1001", billing=5)])
    router.enqueue(call("c1", "faults", 0), 0)
    router.update_config(queues, {"1001": agent("1001", billing=5, faults=5)})
    assert router.reservation_for_task("c1").agent_id == "1001"


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


# ---------------------------------------------------------------- tasks for one named agent (consults)


def pinned(task_id: str, agent_id: str, at: float) -> Task:
    return Task(task_id, "billing", 1_000_000, at, kind="consult", pinned_agent=agent_id)


def test_task_pinned_to_a_ready_agent_goes_to_him_and_not_the_longest_idle() -> None:
    router = make([BILLING], [agent("1001", billing=9), agent("1002", billing=5)])
    assert offers(router.enqueue(pinned("k1", "1002", 10), 10)) == [("k1", "1002")]
    assert router.stats("billing", 10).offered == 0  # a consult is not the queue's traffic


def test_task_pinned_to_a_busy_agent_is_refused_at_once_and_never_waits() -> None:
    router = make([BILLING], [agent("1001", billing=9), agent("1002", billing=5)])
    router.pause("1002", 5, "lunch")
    d = router.enqueue(pinned("k1", "1002", 10), 10)
    assert offers(d) == [] and d.rejected_tasks == [("k1", "agent_unavailable")]
    assert router.task("k1") is None and router.waiting("billing") == []
    router.ready("1002", 11)  # he comes back: nothing is waiting for him
    assert router.reservation_for_agent("1002") is None


def test_pinned_task_not_answered_is_refused_and_not_offered_to_anyone_else() -> None:
    router = make([BILLING], [agent("1001", billing=9), agent("1002", billing=5)])
    [res] = router.enqueue(pinned("k1", "1002", 10), 10).reservations
    d = router.reject(res.id, 20, "no-answer")
    assert offers(d) == [] and d.rejected_tasks == [("k1", "not_answered")]
    assert str(router.agent("1002").state) == "paused" and router.task("k1") is None
    assert offers(router.enqueue(call("c1", "billing", 21), 21)) == [("c1", "1001")]
