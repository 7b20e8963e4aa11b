"""The consult state machine: every (state, event) pair is in the table or raises, and
`cti.calls.consult` moves a consult only through it (real ACD, a scripted consult leg)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd import consult_state
from acd.consult_state import (DROPS, FINAL, HANGING_UP, TRANSITIONS, ConsultEvent, ConsultState,
                               InvalidConsultTransition, step)
from cti.agi.session import DialOutcome
from cti.calls.consult import Consults
from tests.support.machines import all_pairs, check_pair, exits, reachable, walk
from tests.unit.test_consult import Ami, talking, world  # noqa: F401 (fixture)

S, E = ConsultState, ConsultEvent


@pytest.mark.parametrize("state,event", all_pairs(ConsultState, ConsultEvent))
def test_every_state_event_pair_is_in_the_table_or_raises(state: S, event: E) -> None:
    check_pair(step, TRANSITIONS, InvalidConsultTransition, "consult_invalid_transition", state, event)


def test_state_values_are_what_cti_has_always_shown() -> None:
    assert [str(s) for s in S] == ["dialing", "waiting", "talking", "completed", "ended", "cancelled", "timeout",
                                   "caller hung up"]
    assert {str(DROPS[e]) for e in DROPS} == {str(s) for s in HANGING_UP}


def test_every_state_is_reachable_and_final_states_stay_final() -> None:
    assert reachable(TRANSITIONS, S.DIALING) == set(S)
    assert all(not exits(TRANSITIONS, final) for final in FINAL)
    assert all(exits(TRANSITIONS, s) for s in set(S) - FINAL)  # every other state can end


def test_only_a_waiting_consult_times_out() -> None:
    assert [s for s in S if (s, E.TIME_OUT) in TRANSITIONS] == [S.WAITING]


def test_a_late_answer_does_not_revive_a_consult_being_hung_up() -> None:
    for state in HANGING_UP:
        assert step("1234567", state, E.ANSWER) is state
        assert step("1234567", state, E.END) is S.ENDED


def test_a_consult_handed_over_early_stays_completed_whoever_answers() -> None:
    state = step("1234567", S.DIALING, E.COMPLETE)
    assert step("1234567", step("1234567", state, E.ARRIVE), E.ANSWER) is S.COMPLETED


@given(st.lists(st.sampled_from(list(ConsultEvent)), max_size=12))
def test_any_event_sequence_follows_the_table_and_never_leaves_a_final_state(events: list[E]) -> None:
    path = walk(step, TRANSITIONS, InvalidConsultTransition, S.DIALING, events)
    for before, after in zip(path, path[1:]):
        assert before not in FINAL or after is before


# ---------------------------------------------------------------- wiring: cti.calls.consult


class LegSession:
    """The consult leg's FastAGI session: Dial to the colleague answers (AMI sees it), then ends."""

    def __init__(self, consult_id: str, consults: Consults, seen: list[str]) -> None:
        self.script, self.uniqueid, self.env = f"consult/{consult_id}", "1700000000.9", {"channel": "Local/x;2"}
        self.consults, self.seen = consults, seen
        self.node = ""  # the Asterisk node (CallSession.node)

    async def answer(self) -> None: ...
    async def music_on(self) -> None: ...
    async def music_off(self) -> None: ...

    async def wait_for_digit(self, ms: int) -> str:
        return ""

    async def dial(self, interface: str, timeout_s: int, options: str = "") -> DialOutcome:
        self.seen.append(str(self.consults.of_agent("A").state))
        self.consults.acd.on_dial_answered(self.uniqueid)  # AMI DialEnd: B picked up
        self.seen.append(str(self.consults.of_agent("A").state))
        return DialOutcome("ANSWER", 5, 7)


async def test_consult_goes_waiting_to_talking_to_ended_through_the_table(world,  # noqa: F811
                                                                          caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG, logger="hotline.consult")
    acd, registry, _ = world
    consults = Consults(acd, Ami(), registry)
    talking(acd, registry)
    acd.agent_command("B", "login")
    consult_id = consults.start("A", "faults")["consult"]
    seen: list[str] = []
    await consults.handle(LegSession(consult_id, consults, seen))
    assert seen == ["waiting", "talking"]
    for move in ("dialing -[arrive]-> waiting", "waiting -[answer]-> talking", "talking -[end]-> ended"):
        assert f"consult {consult_id}: {move}" in caplog.text


async def test_consults_refuse_a_move_the_table_does_not_allow(world, monkeypatch):  # noqa: F811
    acd, registry, _ = world
    consults = Consults(acd, Ami(), registry)
    talking(acd, registry)
    consults.start("A", "faults")
    monkeypatch.delitem(consult_state.TRANSITIONS, (S.DIALING, E.END))
    with pytest.raises(InvalidConsultTransition):
        consults.cancel("A")  # no leg yet: the consult would end at once
