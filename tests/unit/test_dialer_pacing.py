"""Pacers are pure: a state snapshot and a time in, a number of lines out."""

from __future__ import annotations

from dialer.pacing import PacingState, PredictivePacer, PreviewPacer, ProgressivePacer
from dialer.stats import DurationModel, PacingStats, Priors, Proportion


def test_preview_dials_exactly_the_accepted_previews() -> None:
    assert PreviewPacer().lines_to_dial(PacingState(agents_ready=0, previews_accepted=2), 0.0) == 2


def test_progressive_dials_one_line_per_ready_agent_not_already_covered() -> None:
    pacer = ProgressivePacer()
    assert pacer.lines_to_dial(PacingState(agents_ready=4), 0.0) == 4
    covered = PacingState(agents_ready=4, ringing_age_s=(3.0,), in_amd=1, live_waiting=1)
    assert pacer.lines_to_dial(covered, 0.0) == 1
    assert pacer.lines_to_dial(PacingState(agents_ready=1, ringing_age_s=(1.0, 2.0)), 0.0) == 0
    assert pacer.lines_to_dial(PacingState(agents_ready=4, max_lines=2), 0.0) == 2


def test_predictive_never_dials_when_nobody_can_be_free() -> None:
    pacer = PredictivePacer()
    assert pacer.lines_to_dial(PacingState(agents_ready=0), 0.0) == 0
    long_wrapup = PacingState(agents_ready=0, wrapup_remaining_s=(300.0, 600.0))
    assert pacer.lines_to_dial(long_wrapup, 0.0) == 0


def test_predictive_dials_ahead_for_agents_about_to_finish_wrapup() -> None:
    pacer = PredictivePacer()
    lines = pacer.lines_to_dial(PacingState(agents_ready=0, wrapup_remaining_s=(3.0, 4.0, 5.0)), 0.0)
    assert ProgressivePacer().lines_to_dial(PacingState(agents_ready=0), 0.0) == 0
    assert 1 <= lines <= 3 / pacer.model(0.0).q  # some lines, never more than the expected need


def test_predictive_dials_more_ready_lines_than_progressive_with_low_answer_rate() -> None:
    state = PacingState(agents_ready=5, talk_elapsed_s=(30.0,) * 15)
    assert PredictivePacer().lines_to_dial(state, 0.0) > ProgressivePacer().lines_to_dial(state, 0.0)


def test_predictive_counts_calls_already_ringing() -> None:
    pacer = PredictivePacer()
    idle = pacer.lines_to_dial(PacingState(agents_ready=5), 0.0)
    busy = pacer.lines_to_dial(PacingState(agents_ready=5, ringing_age_s=(1.0,) * 10, in_amd=2), 0.0)
    assert busy < idle


def test_five_agents_get_fewer_extra_lines_per_agent_than_a_hundred() -> None:
    pacer = PredictivePacer(PacingStats(Priors(wrapup_s=0.0)))
    small = pacer.lines_to_dial(PacingState(agents_ready=0, talk_elapsed_s=(150.0,) * 5), 0.0)
    large = pacer.lines_to_dial(PacingState(agents_ready=0, talk_elapsed_s=(150.0,) * 100), 0.0)
    assert small / 5 < large / 100


def test_estimates_start_at_the_prior_and_follow_the_data() -> None:
    rate = Proportion(0.3, weight=20)
    for _ in range(200):
        rate.observe(False)
    assert rate.value < 0.05
    talk = DurationModel(180.0, prior_weight=10)
    assert abs(talk.mean - 180.0) < 1e-9
    for _ in range(500):
        talk.observe(60.0)
    assert 60.0 < talk.mean < 65.0
    survival = talk.survival()
    assert survival[0] > 0.99 and survival[80] < 0.05  # almost nobody talks beyond 80 s


def test_model_learns_a_lower_answer_rate_and_dials_more_per_agent() -> None:
    stats = PacingStats()
    state = PacingState(agents_ready=0, wrapup_remaining_s=(5.0,) * 20)
    before = PredictivePacer(stats).lines_to_dial(state, 0.0)
    for i in range(600):
        stats.observe_attempt(i % 10 == 0, 12.0)
    assert PredictivePacer(stats).lines_to_dial(state, 0.0) > before
