"""Router matching with injected time: skills and levels, priorities, strategies,
escalation, fairness across queues."""

from __future__ import annotations

from acd import EscalationStep, QueueSpec
from tests.support.routing import BILLING, FAULTS, PATIENT_BILLING, PATIENT_FAULTS, agent, call, make, offers, serve


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
