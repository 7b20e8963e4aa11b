"""Live monitoring's pure core: whom a supervisor may monitor (scope) and the session machine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from acd.models import Agent, QueueSpec
from acd.supervision import (TRANSITIONS, InvalidMonitorTransition, Mode, Session, SessionEvent, SessionState,
                             Supervisor, scope, supervisors_of)

AGENTS = {a.id: a for a in (
    Agent("1001", "Alice", "PJSIP/1001", {"billing": 8, "vip": 7}),
    Agent("1002", "Bob", "PJSIP/1002", {"billing": 3, "faults": 6}),   # billing too low for billing's base level
    Agent("1003", "Chen", "PJSIP/1003", {"faults": 9}),
    Agent("1004", "Dana", "PJSIP/1004", {"complaints": 8}),
)}
QUEUES = {
    "billing": QueueSpec(name="billing", skills={"billing": 5}),
    "faults": QueueSpec(name="faults", skills={"faults": 5}),
    "open": QueueSpec(name="open", skills={}),  # a queue with no requirement: everyone's a candidate
}
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def sup(queues=(), agents=()) -> Supervisor:
    return Supervisor("s1", "Sam", "PJSIP/2001", tuple(queues), tuple(agents))


def test_scope_is_agents_meeting_a_named_queues_base_skills():
    assert scope(sup(queues=["billing"]), QUEUES, AGENTS) == {"1001"}  # Bob's billing 3 < 5: not a candidate
    assert scope(sup(queues=["faults"]), QUEUES, AGENTS) == {"1002", "1003"}


def test_scope_adds_named_agents_to_the_queues_agents():
    assert scope(sup(queues=["billing"], agents=["1004"]), QUEUES, AGENTS) == {"1001", "1004"}
    assert scope(sup(agents=["1002"]), QUEUES, AGENTS) == {"1002"}


def test_queue_without_skills_puts_every_agent_in_scope():
    assert scope(sup(queues=["open"]), QUEUES, AGENTS) == set(AGENTS)


def test_unknown_names_and_empty_supervisor_give_nobody():
    assert scope(sup(queues=["nope"], agents=["9999"]), QUEUES, AGENTS) == frozenset()
    assert scope(sup(), QUEUES, AGENTS) == frozenset()


def test_escalation_does_not_widen_scope():
    escalating = {"billing": QueueSpec(name="billing", skills={"billing": 5},
                                       escalation=())}  # relaxed levels are not looked at
    assert "1002" not in scope(sup(queues=["billing"]), escalating, AGENTS)


def test_supervisors_of_an_agent():
    sups = [Supervisor("a", "A", "PJSIP/2001", ("billing",)), Supervisor("b", "B", "PJSIP/2002", (), ("1003",)),
            Supervisor("c", "C", "PJSIP/2003", ("faults",))]
    assert supervisors_of("1003", sups, QUEUES, AGENTS) == ["b", "c"]
    assert supervisors_of("1004", sups, QUEUES, AGENTS) == []


def session() -> Session:
    return Session("x", "s1", "1001", "call-1", Mode.LISTEN, T0)


def test_session_records_every_switch_with_its_time_and_ends_once():
    s = session()
    s.step(SessionEvent.ANSWERED, T0 + timedelta(seconds=2))
    s.step(SessionEvent.SWITCH, T0 + timedelta(seconds=10), Mode.WHISPER)
    s.step(SessionEvent.SWITCH, T0 + timedelta(seconds=11), Mode.WHISPER)  # same mode: not a switch
    s.step(SessionEvent.SWITCH, T0 + timedelta(seconds=20), Mode.BARGE)
    s.step(SessionEvent.HANGUP, T0 + timedelta(seconds=30))
    assert (s.state, s.outcome, s.ended_at, s.current) == ("ended", "ended", T0 + timedelta(seconds=30), "barge")
    assert json.loads(s.modes_json()) == [[T0.isoformat(), "listen"],
                                          [(T0 + timedelta(seconds=10)).isoformat(), "whisper"],
                                          [(T0 + timedelta(seconds=20)).isoformat(), "barge"]]


@pytest.mark.parametrize("event, outcome", [(SessionEvent.HANGUP, "failed"), (SessionEvent.FAILED, "failed"),
                                            (SessionEvent.STOP, "ended")])  # stopped while ringing: his choice
def test_session_that_never_answered(event, outcome):
    s = session()
    s.step(event, T0 + timedelta(seconds=30))
    assert (s.state, s.outcome) == ("ended", outcome)


def test_every_state_event_pair_follows_the_table_or_raises():
    for state, event in product(SessionState, SessionEvent):
        s = session()
        s.state = state
        if (state, event) in TRANSITIONS:
            assert s.step(event, T0, Mode.BARGE) == TRANSITIONS[state, event]
        else:
            with pytest.raises(InvalidMonitorTransition):
                s.step(event, T0, Mode.BARGE)
    assert not any(state == SessionState.ENDED for state, _ in TRANSITIONS)  # ended is final
