"""The case state machine: every (state, event) pair is in the table or raises; what each move means."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.case_state import TRANSITIONS, CaseEvent, CaseState, InvalidCaseTransition
from acd.cases import Case, CaseRefused, is_dissatisfied, move, open_case
from tests.support.cases import policy, sh

S, E = CaseState, CaseEvent
POLICY = policy()
T0 = sh(2026, 9, 28, 9, 0)  # a Monday


def case_in(state: CaseState) -> Case:
    """A case driven into ``state`` through legal events only."""
    case = open_case("c1", POLICY, T0, kind="complaint", category="service", customer="2001")
    path = {S.OPEN: [], S.IN_PROGRESS: [E.TAKE], S.RESOLVED: [E.TAKE, E.RESOLVE],
            S.CLOSED: [E.TAKE, E.RESOLVE, E.CLOSE], S.CONFIRMED: [E.TAKE, E.RESOLVE, E.CLOSE, E.CONFIRM],
            S.REOPENED: [E.TAKE, E.RESOLVE, E.CLOSE, E.REOPEN]}[state]
    for event in path:
        move(case, event, POLICY, T0, agent="1005")
    return case


def check_invariants(case: Case) -> None:
    assert (case.resolved_at is not None) == (case.state in (S.RESOLVED, S.CLOSED, S.CONFIRMED))
    assert (case.closed_at is not None) == (case.state in (S.CLOSED, S.CONFIRMED))
    assert case.queue == POLICY.queue_of(case.level)
    assert case.response_due is not None and case.resolution_due is not None
    assert case.response_due <= case.resolution_due


@pytest.mark.parametrize("state,event", list(itertools.product(CaseState, CaseEvent)))
def test_every_state_event_pair_is_in_the_table_or_raises(state: CaseState, event: CaseEvent) -> None:
    case = case_in(state)
    later = sh(2026, 9, 28, 10, 0)
    if (state, event) in TRANSITIONS:
        change = move(case, event, POLICY, later, agent="1006")
        assert (change.from_state, change.event, change.to_state) == (state, event, TRANSITIONS[state, event])
        assert case.state is change.to_state
        check_invariants(case)
    else:
        with pytest.raises(InvalidCaseTransition) as info:
            move(case, event, POLICY, later, agent="1006")
        assert info.value.error_id == "case_invalid_transition"
        assert case.state is state


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list(CaseEvent)), max_size=25))
def test_any_walk_of_legal_moves_keeps_the_invariants(events: list[CaseEvent]) -> None:
    case = case_in(S.OPEN)
    for minutes, event in enumerate(events):
        if (case.state, event) in TRANSITIONS:
            move(case, event, POLICY, sh(2026, 9, 28, 10, minutes), agent="1005")
            check_invariants(case)


def test_new_case_starts_at_its_categorys_level_owned_by_that_queue() -> None:
    case = open_case("c2", POLICY, T0, kind="complaint", category="legal", customer="2001")
    assert (case.state, case.level, case.queue, case.owner) == (S.OPEN, 2, "complaints_l2", "queue:complaints_l2")


def test_taking_a_case_is_its_first_response() -> None:
    case = case_in(S.OPEN)
    move(case, E.TAKE, POLICY, sh(2026, 9, 28, 9, 20), agent="1005")
    assert (case.agent, case.first_response_at, case.owner) == ("1005", sh(2026, 9, 28, 9, 20), "agent:1005")


def test_escalation_lets_the_agent_go_and_hands_the_case_to_the_next_level() -> None:
    case = case_in(S.IN_PROGRESS)
    change = move(case, E.ESCALATE, POLICY, T0)
    assert (change.to_state, case.level, case.queue, case.agent) == (S.OPEN, 2, "complaints_l2", None)


def test_reopening_rearms_both_deadlines_from_the_reopen_time() -> None:
    case = case_in(S.CLOSED)
    reopened_at = sh(2026, 9, 29, 17, 30)  # Tuesday, half an hour before closing
    move(case, E.REOPEN, POLICY, reopened_at)
    assert case.reopened == 1 and case.first_response_at is None
    assert case.response_due == sh(2026, 9, 30, 9, 30)  # 60 business minutes: 30 today, 30 tomorrow


@pytest.mark.parametrize("fields, message", [({"category": "nope"}, "unknown category"),
                                             ({"priority": "asap"}, "unknown priority")])
def test_unknown_category_or_priority_is_refused(fields, message) -> None:
    args = {"kind": "complaint", "category": "service", "customer": "2001", **fields}
    with pytest.raises(CaseRefused, match=message):
        open_case("c3", POLICY, T0, **args)


def test_assigning_to_a_level_that_does_not_exist_is_refused() -> None:
    with pytest.raises(CaseRefused, match="levels run from 1 to 3"):
        move(case_in(S.OPEN), E.ASSIGN, POLICY, T0, level=4)


@pytest.mark.parametrize("score, reopens", [(1, True), (2, True), (3, False), (5, False)])
def test_scores_under_the_bar_are_dissatisfied(score: int, reopens: bool) -> None:
    assert is_dissatisfied(POLICY, score) is reopens
