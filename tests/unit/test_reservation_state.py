"""The reservation state machine: every (state, event) pair is in the table or raises, and the
router settles each reservation through it."""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd import Agent, QueueSpec, Router, Task
from acd import reservation_state
from acd.reservation_state import (FINAL, TRANSITIONS, InvalidReservationTransition, ReservationEvent,
                                   ReservationState, step)
from tests.support.machines import all_pairs, check_pair, exits, reachable, walk

S, E = ReservationState, ReservationEvent


@pytest.mark.parametrize("state,event", all_pairs(ReservationState, ReservationEvent))
def test_every_state_event_pair_is_in_the_table_or_raises(state: S, event: E) -> None:
    check_pair(step, TRANSITIONS, InvalidReservationTransition, "reservation_invalid_transition", state, event)


def test_an_offer_is_settled_once_by_each_kind_of_outcome() -> None:
    assert {event: step("R1", S.OFFERED, event) for event in E} == {
        E.ACCEPT: S.ACCEPTED, E.REJECT: S.REJECTED, E.EXPIRE: S.EXPIRED, E.CANCEL: S.CANCELLED}
    assert reachable(TRANSITIONS, S.OFFERED) == set(S)
    assert all(not exits(TRANSITIONS, final) for final in FINAL)


@given(st.lists(st.sampled_from(list(ReservationEvent)), max_size=6))
def test_any_event_sequence_settles_at_most_once(events: list[E]) -> None:
    path = walk(step, TRANSITIONS, InvalidReservationTransition, S.OFFERED, events)
    assert sum(a is not b for a, b in itertools.pairwise(path)) <= 1


# ---------------------------------------------------------------- wiring: acd.router


def ringing(ring_timeout_s: float = 20) -> tuple[Router, str]:
    router = Router({"billing": QueueSpec("billing", {"billing": 1}, ring_timeout_s=ring_timeout_s)},
                    {"1001": Agent("1001", "Alice", "PJSIP/1001", {"billing": 5})}, id_factory=lambda: "R1")
    router.login("1001", 0.0)
    [res] = router.enqueue(Task("c1", "billing", 0, 1.0), 1.0).reservations
    return router, res.id


@pytest.mark.parametrize("settle,logged", [
    (lambda r, res: r.accept(res, 2.0), "offered -[accept]-> accepted"),
    (lambda r, res: r.reject(res, 2.0, "busy"), "offered -[reject]-> rejected"),
    (lambda r, res: r.tick(100.0), "offered -[expire]-> expired"),
    (lambda r, res: r.abandon("c1", 2.0), "offered -[cancel]-> cancelled"),
])
def test_router_settles_a_ringing_offer_through_the_table(settle, logged: str,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hotline.acd")
    router, res_id = ringing()
    settle(router, res_id)
    assert f"reservation R1: {logged}" in caplog.text
    assert router.reservation_for_task("c1") is None


def test_router_refuses_an_outcome_the_table_does_not_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(reservation_state.TRANSITIONS, (S.OFFERED, E.EXPIRE))
    router, _ = ringing(ring_timeout_s=5)
    with pytest.raises(InvalidReservationTransition):
        router.tick(100.0)  # the ring timer fires: EXPIRE, no longer in the table
