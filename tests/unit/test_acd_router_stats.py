"""Router statistics with injected time: queue position, expected wait, service level."""

from __future__ import annotations

import pytest

from acd import Decision
from tests.support.routing import BILLING, agent, call, make, serve


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
