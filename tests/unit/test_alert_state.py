"""The volume alert machine: every (state, observation) pair is in the table or raises; raise and
clear are announced once each, and only on the moves that change what a supervisor sees."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.alert_state import TRANSITIONS, UP, AlertState, Change, InvalidAlertTransition, Observation, Track, step
from tests.support.machines import all_pairs, check_pair, reachable

S, O = AlertState, Observation


def state_step(key: str, state: S, observation: O) -> S:
    return step(key, Track(state, 0.0, 0.0 if state in UP else None), observation, 5.0)[0].state


@pytest.mark.parametrize("state,observation", all_pairs(AlertState, Observation))
def test_every_state_observation_pair_is_in_the_table_or_raises(state: S, observation: O) -> None:
    check_pair(state_step, TRANSITIONS, InvalidAlertTransition, "alert_invalid_transition", state, observation)


def test_held_observations_only_come_where_they_mean_something() -> None:
    missing = set(all_pairs(AlertState, Observation)) - set(TRANSITIONS)
    assert missing == {(S.RAISED, O.BREACH_HELD), (S.CLEARING, O.BREACH_HELD),
                       (S.CLEAR, O.RECOVERY_HELD), (S.PENDING, O.RECOVERY_HELD)}
    assert reachable(TRANSITIONS, S.CLEAR) == set(S)


@pytest.mark.parametrize("state,observation", sorted(TRANSITIONS))
def test_only_entering_raised_from_down_raises_and_only_leaving_up_clears(state: S, observation: O) -> None:
    before = Track(state, 1.0, 1.0 if state in UP else None)
    after, change = step("q/k", before, observation, 9.0)
    expected = (Change.RAISED if after.state is S.RAISED and state not in UP
                else Change.CLEARED if after.state is S.CLEAR and state in UP else None)
    assert change is expected
    assert (after.raised_at is not None) == (after.state in UP)
    if change is Change.RAISED:
        assert after.raised_at == 9.0
    elif after.state in UP:
        assert after.raised_at == 1.0  # clearing and back keeps the original raise time


@given(st.lists(st.sampled_from(list(Observation)), max_size=30))
def test_raises_and_clears_alternate_along_any_walk(observations: list[O]) -> None:
    track, changes = Track(), []
    for t, observation in enumerate(observations):
        try:
            track, change = step("q/k", track, observation, float(t))
        except InvalidAlertTransition:
            continue
        if change is not None:
            changes.append(change)
    assert all(a is not b for a, b in itertools.pairwise(changes))
    assert not changes or changes[0] is Change.RAISED
    assert (track.state in UP) == (bool(changes) and changes[-1] is Change.RAISED)
