"""The window (newsvendor) pacer on crafted states: room, the line cap, priors only, the hard stop."""

from __future__ import annotations

import pytest

from dialer.abandon import AbandonController
from dialer.pacing import PacingState, ProgressivePacer
from dialer.window import WindowPacer, expected_excess

BUSY_TEAM = PacingState(agents_ready=2, talk_elapsed_s=(60.0,) * 18)


def fixed(theta: float) -> AbandonController:
    controller = AbandonController(start=theta)
    controller.observe_live(False)  # a live call so the aim is the target: theta = start
    return controller



def test_expected_excess_of_a_sure_surplus_is_the_surplus_and_of_a_sure_shortfall_nothing() -> None:
    assert expected_excess(3.0, 0.01) == pytest.approx(2.5)  # integer D = 3 -> E[(N - 1/2)+]
    assert expected_excess(-3.0, 0.01) == pytest.approx(0.0, abs=1e-9)
    assert 0.0 < expected_excess(0.0, 1.0) < 0.5


def test_dials_at_least_progressive_with_priors_only_and_a_bounded_surplus() -> None:
    lines = WindowPacer().lines_to_dial(BUSY_TEAM, 0.0)
    assert lines >= ProgressivePacer().lines_to_dial(BUSY_TEAM, 0.0)
    q = 0.3 * 0.7  # the priors' answer x live rate: more than 20 agents' worth of lines is absurd
    assert lines <= 20 / q


def test_dials_more_with_a_larger_aim() -> None:
    state = PacingState(agents_ready=1, wrapup_remaining_s=(2.0,) * 10, talk_elapsed_s=(150.0,) * 40)
    assert WindowPacer(controller=fixed(0.01)).lines_to_dial(state, 0.0) > \
        WindowPacer(controller=fixed(0.001)).lines_to_dial(state, 0.0)


def test_dials_more_when_agents_are_about_to_free_than_when_they_just_started_talking() -> None:
    soon = PacingState(agents_ready=0, wrapup_remaining_s=(2.0,) * 10, talk_elapsed_s=(30.0,) * 10)
    later = PacingState(agents_ready=0, talk_elapsed_s=(30.0,) * 20)
    window = WindowPacer()
    assert window.lines_to_dial(soon, 0.0) > window.lines_to_dial(later, 0.0)


def test_calls_already_ringing_take_the_room() -> None:
    window = WindowPacer()
    idle = window.lines_to_dial(PacingState(agents_ready=5), 0.0)
    assert window.lines_to_dial(PacingState(agents_ready=5, ringing_age_s=(1.0,) * 10, in_amd=2), 0.0) < idle


def test_never_dials_past_the_line_cap() -> None:
    state = PacingState(agents_ready=10, talk_elapsed_s=(170.0,) * 40, ringing_age_s=(2.0,) * 5, max_lines=8)
    assert WindowPacer(controller=fixed(0.5)).lines_to_dial(state, 0.0) == 3


def test_never_dials_when_nobody_can_be_free() -> None:
    assert WindowPacer().lines_to_dial(PacingState(agents_ready=0, wrapup_remaining_s=(300.0,)), 0.0) == 0


def test_dials_progressively_when_the_days_budget_is_spent() -> None:
    spent = AbandonController(0.03)
    for i in range(200):
        spent.observe_live(i < 12)
    assert spent.hard_stop
    assert WindowPacer(controller=spent).lines_to_dial(BUSY_TEAM, 0.0) == 2
