"""The agent state machine: every (state, event) pair is either in the table or raises."""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.agent_state import TRANSITIONS, AgentEvent, InvalidTransition, apply
from acd.models import Agent, AgentState

S, E = AgentState, AgentEvent


def agent_in(state: AgentState) -> Agent:
    """An agent driven into ``state`` through legal events only."""
    agent = Agent("1001", "Alice", "PJSIP/1001", {"billing": 5})
    path = {
        S.LOGGED_OUT: [], S.READY: [E.LOGIN], S.RESERVED: [E.LOGIN, E.RESERVE],
        S.ON_CALL: [E.LOGIN, E.RESERVE, E.ACCEPT], S.WRAP_UP: [E.LOGIN, E.RESERVE, E.ACCEPT, E.HANGUP],
        S.PAUSED: [E.LOGIN, E.PAUSE],
    }[state]
    for t, event in enumerate(path):
        apply(agent, event, float(t))
    return agent


def check_invariants(agent: Agent, now: float) -> None:
    assert (agent.ready_since is not None) == (agent.state in (S.READY, S.RESERVED))
    assert (agent.login_at is not None) == (agent.state is not S.LOGGED_OUT)
    assert bool(agent.pause_reason) == (agent.state is S.PAUSED)
    assert agent.pending_pause is None or agent.state in (S.RESERVED, S.ON_CALL, S.WRAP_UP)
    assert 0 <= agent.talk_s + agent.wrap_s <= agent.logged_in_total(now) + 1e-9
    assert 0 <= agent.occupancy(now) <= 1 + 1e-9


@pytest.mark.parametrize("state,event", list(itertools.product(AgentState, AgentEvent)))
def test_every_state_event_pair_is_in_the_table_or_raises(state: AgentState, event: AgentEvent) -> None:
    agent = agent_in(state)
    if (state, event) in TRANSITIONS:
        change = apply(agent, event, 100.0, "lunch")
        assert change.from_state is state and change.event is event
        assert agent.state is change.to_state
        assert change.to_state in (TRANSITIONS[state, event], S.PAUSED)
        check_invariants(agent, 100.0)
    else:
        with pytest.raises(InvalidTransition) as info:
            apply(agent, event, 100.0)
        assert info.value.error_id == "agent_invalid_transition"
        assert agent.state is state


def test_unanswered_ring_pauses_agent_with_no_answer_reason() -> None:
    agent = agent_in(S.RESERVED)
    change = apply(agent, E.REJECT, 10.0, "no-answer")
    assert (agent.state, agent.pause_reason, change.reason) == (S.PAUSED, "no-answer", "no-answer")


def test_pause_during_a_call_is_applied_when_wrap_up_ends() -> None:
    agent = agent_in(S.ON_CALL)
    change = apply(agent, E.PAUSE, 10.0, "lunch")
    assert change.to_state is S.ON_CALL and agent.pending_pause == "lunch"
    apply(agent, E.HANGUP, 20.0)
    change = apply(agent, E.WRAPUP_DONE, 30.0)
    assert (change.to_state, agent.pause_reason, agent.pending_pause) == (S.PAUSED, "lunch", None)


def test_ready_during_a_call_drops_the_remembered_pause() -> None:
    agent = agent_in(S.ON_CALL)
    apply(agent, E.PAUSE, 10.0, "lunch")
    apply(agent, E.READY, 11.0)
    apply(agent, E.HANGUP, 20.0)
    assert apply(agent, E.WRAPUP_DONE, 30.0).to_state is S.READY


def test_cancelled_offer_keeps_the_agents_idle_turn() -> None:
    agent = agent_in(S.READY)
    idle_since = agent.ready_since
    apply(agent, E.RESERVE, 50.0)
    apply(agent, E.CANCEL, 55.0)
    assert agent.state is S.READY and agent.ready_since == idle_since


def test_accounting_measures_talk_wrap_and_logged_in_time() -> None:
    agent = Agent("1001", "Alice", "PJSIP/1001")
    for event, at in [(E.LOGIN, 0), (E.RESERVE, 10), (E.ACCEPT, 20), (E.HANGUP, 80), (E.WRAPUP_DONE, 100),
                      (E.LOGOUT, 200)]:
        apply(agent, event, float(at))
    assert (agent.talk_s, agent.wrap_s, agent.logged_in_s, agent.calls_handled) == (60, 20, 200, 1)
    assert agent.occupancy(500.0) == pytest.approx(0.4)


def test_transitions_are_logged_from_event_to(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hotline.acd")
    apply(agent_in(S.LOGGED_OUT), E.LOGIN, 1.0)
    assert "logged_out -[login]-> ready" in caplog.text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(AgentEvent)), st.floats(0, 100)), max_size=40))
def test_any_event_sequence_keeps_the_agent_consistent(steps: list[tuple[AgentEvent, float]]) -> None:
    agent, now = Agent("1001", "Alice", "PJSIP/1001"), 0.0
    for event, dt in steps:
        now += dt
        before = agent.state
        try:
            change = apply(agent, event, now, "why")
        except InvalidTransition:
            assert agent.state is before and (before, event) not in TRANSITIONS
        else:
            assert (before, event) in TRANSITIONS and change.to_state is agent.state
        check_invariants(agent, now)
