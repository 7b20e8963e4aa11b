"""The dial attempt state machine: every (state, event) pair is in the table or raises, and
`DialerService` moves attempts only through it (real ACD and database, recording AMI)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd import Task
from dialer.attempt_state import (FINAL, TRANSITIONS, AttemptEvent, AttemptState, InvalidAttemptTransition,
                                  step)
from dialer.leads import RETRY_OUTCOMES, LeadStatus
from tests.support.dialer import DialerWorld, attempt_records, dialed, world  # noqa: F401 (fixture)
from tests.support.machines import all_pairs, check_pair, exits, reachable, walk

S, E = AttemptState, AttemptEvent


@pytest.mark.parametrize("state,event", all_pairs(AttemptState, AttemptEvent))
def test_every_state_event_pair_is_in_the_table_or_raises(state: S, event: E) -> None:
    check_pair(step, TRANSITIONS, InvalidAttemptTransition, "attempt_invalid_transition", state, event)


def test_final_states_are_the_recorded_outcomes_and_all_are_reachable() -> None:
    assert {str(s) for s in FINAL} == RETRY_OUTCOMES | {"human"}
    assert reachable(TRANSITIONS, S.RINGING) == set(S)
    assert all(not exits(TRANSITIONS, final) for final in FINAL)
    assert all(str(TRANSITIONS[src, event]) == str(event) for src, event in TRANSITIONS
               if TRANSITIONS[src, event] in FINAL and event is not E.LOST)  # an outcome ends in its own name


def test_only_what_asterisk_must_report_can_be_lost_and_that_counts_as_failed() -> None:
    assert {s: TRANSITIONS[s, E.LOST] for s in S if (s, E.LOST) in TRANSITIONS} == {S.RINGING: S.FAILED,
                                                                                    S.AMD: S.FAILED}


def test_only_a_person_waiting_for_an_agent_can_be_connected() -> None:
    assert [s for s in S if (s, E.AGENT_ANSWERED) in TRANSITIONS] == [S.LIVE]


@given(st.lists(st.sampled_from(list(AttemptEvent)), max_size=10))
def test_any_event_sequence_follows_the_table_and_ends_at_most_once(events: list[E]) -> None:
    path = walk(step, TRANSITIONS, InvalidAttemptTransition, S.RINGING, events)
    finals = [i for i, state in enumerate(path) if state in FINAL]
    assert not finals or all(path[i] is path[finals[0]] for i in range(finals[0], len(path)))


# ---------------------------------------------------------------- wiring: cti.services.dialer


def outcomes(w: DialerWorld) -> list[str]:
    return [r.outcome for r in attempt_records(w)]


async def test_person_goes_ringing_amd_live_connected_human_through_the_table(world, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.dialer")
    run, attempt = await dialed(world)
    assert attempt.phase == "ringing" and world.ami.originated == ["Local/2001@customer-sim"]
    world.service.on_originate_response(attempt.id, True, "4")
    world.service.classified(attempt, live=True, call_id="call-1")
    assert world.service._pacing_state(run, 101.0).live_waiting == 1
    offered = world.acd.open(Task("call-1", "outbound", 100, 101.0)).events.get_nowait()
    world.acd.answered(offered.reservation)
    assert attempt.phase == "connected"
    assert world.service._pacing_state(run, 102.0).live_waiting == 0  # talking, no longer waiting
    world.service.finish(attempt.id, "human", agent="1001", call_id="call-1")
    assert outcomes(world) == ["human"] and type(outcomes(world)[0]) is str
    assert attempt.lead.status is LeadStatus.DONE and run.inflight == {}
    for move in ("ringing -[answered]-> amd", "amd -[amd_human]-> live", "live -[agent_answered]-> connected",
                 "connected -[human]-> human"):
        assert f"attempt {attempt.id}: {move}" in caplog.text


async def test_busy_line_ends_the_attempt_and_the_lead_is_retried(world):
    run, attempt = await dialed(world)
    world.service.on_originate_response(attempt.id, False, "5")
    assert attempt.phase == "busy" and outcomes(world) == ["busy"]
    assert attempt.lead.status is LeadStatus.RETRY and attempt.lead.next_attempt_at is not None
    assert len(run.hopper) == 1


async def test_machine_hears_the_message_and_counts_as_machine(world):
    run, attempt = await dialed(world)
    world.service.on_originate_response(attempt.id, True, "4")
    world.service.classified(attempt, live=False)
    assert attempt.phase == "on_machine"
    assert world.service._pacing_state(run, 101.0).calls_in_progress == 0
    world.service.finish(attempt.id, "machine", amd=("MACHINE", "LONGGREETING"))
    assert outcomes(world) == ["machine"]


async def test_a_late_originate_response_does_not_put_a_person_back_into_amd(world):
    run, attempt = await dialed(world)
    world.service.classified(attempt, live=True, call_id="call-1")  # FastAGI was quicker than AMI
    world.service.on_originate_response(attempt.id, True, "4")
    assert attempt.phase == "live"
    assert world.service._pacing_state(run, 101.0).in_amd == 0


async def test_an_outcome_the_table_does_not_allow_raises_and_keeps_the_attempt(world):
    run, attempt = await dialed(world)
    with pytest.raises(InvalidAttemptTransition):
        world.service.finish(attempt.id, "human")  # still ringing: nobody talked to an agent
    assert attempt.phase == "ringing" and attempt.id in run.inflight and outcomes(world) == []
