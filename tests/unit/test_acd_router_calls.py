"""A call's life in the router, with injected time: ringing, answer, wrap-up, refusals,
timeouts, config reloads, tasks pinned to one agent."""

from __future__ import annotations

import pytest

from acd import Decision, QueueSpec, Task, UnknownQueue, UnknownReservation
from tests.support.routing import BILLING, PATIENT_FAULTS, S, agent, call, make, offers, serve


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
