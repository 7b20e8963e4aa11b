"""Agents per interval against published Erlang C staffing figures, and the planning arithmetic."""

from __future__ import annotations

import pytest

from acd.staffing import Target, measured_patience, requirement, with_shrinkage


def test_call_centre_helper_worked_example_100_calls_per_half_hour_needs_14_then_20_agents():
    """Published figures: Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked
    Example" (callcentrehelper.com): 100 calls per 30 minutes, AHT 180 s, 80 % in 20 s, max
    occupancy 85 %, shrinkage 30 % -> 10 Erlangs; 14 agents (13 give 79.6 %), service level 88.8 %,
    probability of waiting 17.4 %, occupancy 71.4 %; 14 / (1 - 0.3) -> 20 agents to schedule.
    The same example and figures are the tutorial of pyworkforce's `ErlangC.required_positions`
    (pyworkforce.readthedocs.io, 0.5.2: raw_positions 14, positions 20, service_level 0.888,
    occupancy 0.714, waiting_probability 0.174)."""
    r = requirement(100, 180, 30, Target(80, 20, shrinkage=0.30, max_occupancy=0.85))
    assert r.load_erlangs == pytest.approx(10.0)
    assert (r.agents, r.required, r.bound) == (14, 20, "service_level")
    assert r.service_level == pytest.approx(0.888, abs=5e-4)
    assert r.occupancy == pytest.approx(0.714, abs=5e-4)
    assert r.asa_s == pytest.approx(7.84, abs=0.01)  # 0.1741 x 180 / (14 - 10)


def test_the_same_traffic_in_15_minute_intervals_is_half_the_calls():
    r = requirement(50, 180, 15, Target(80, 20, shrinkage=0.0))
    assert (r.agents, r.required) == (14, 14)


def test_occupancy_cap_binds_in_a_big_queue():
    # 1000 calls / 30 min x 180 s = 100 Erlangs: Erlang C reaches 80/20 with ~106 agents (94 %
    # busy); a cap of 85 % needs ceil(100 / 0.85) = 118.
    free = requirement(1000, 180, 30, Target(80, 20, shrinkage=0.0, max_occupancy=1.0))
    capped = requirement(1000, 180, 30, Target(80, 20, shrinkage=0.0, max_occupancy=0.85))
    assert free.bound == "service_level" and 100 < free.agents < 110
    assert (capped.agents, capped.bound) == (118, "occupancy")
    assert capped.occupancy == pytest.approx(100 / 118)


@pytest.mark.parametrize(("agents", "shrinkage", "expected"),
                         [(14, 0.30, 20), (10, 0.0, 10), (7, 0.30, 10), (9, 0.35, 14), (1, 0.5, 2)])
def test_shrinkage_divides_then_rounds_up(agents, shrinkage, expected):
    # 7 / 0.7 = 10 exactly must not become 11 through floating point
    assert with_shrinkage(agents, shrinkage) == expected


def test_an_interval_without_calls_needs_nobody():
    r = requirement(0.0, None, 15, Target())
    assert (r.agents, r.required, r.bound, r.service_level) == (0, 0, "no_calls", None)


def test_a_trickle_of_calls_still_needs_one_agent():
    r = requirement(0.2, 200, 15, Target(shrinkage=0.3))
    assert (r.agents, r.required) == (1, 2)


def test_calls_without_a_handle_time_are_refused():
    with pytest.raises(ValueError, match="handle time"):
        requirement(5, None, 15, Target())


def test_erlang_a_with_impatient_callers_needs_fewer_agents_than_erlang_c():
    c = requirement(100, 180, 30, Target(80, 20, shrinkage=0.0, max_occupancy=1.0))
    a = requirement(100, 180, 30, Target(80, 20, shrinkage=0.0, max_occupancy=1.0, model="erlang_a",
                                        patience_s=60))
    assert a.agents <= c.agents
    assert a.service_level >= 0.8 and a.p_abandon > 0
    # one agent fewer must miss the target: the search returns the smallest N
    below = requirement(100, 180, 30, Target(a.service_level * 100 + 1e-6, 20, shrinkage=0.0,
                                             max_occupancy=1.0, model="erlang_a", patience_s=60))
    assert below.agents == a.agents + 1


def test_erlang_a_with_very_patient_callers_agrees_with_erlang_c():
    c = requirement(100, 180, 30, Target(shrinkage=0.0, max_occupancy=1.0))
    a = requirement(100, 180, 30, Target(shrinkage=0.0, max_occupancy=1.0, model="erlang_a", patience_s=1e5))
    assert a.agents == c.agents


def test_patience_is_waiting_exposure_per_abandon():
    # 3 abandoned after 40 s in total; 7 answered after 110 s in total: 150 s / 3
    assert measured_patience(3, 110.0, 40.0) == pytest.approx(50.0)
    assert measured_patience(0, 110.0, 0.0) is None


@pytest.mark.parametrize("kwargs", [dict(shrinkage=1.0), dict(shrinkage=-0.1), dict(max_occupancy=0),
                                    dict(sl_percent=0), dict(sl_seconds=0)])
def test_impossible_targets_are_refused(kwargs):
    with pytest.raises(ValueError):
        Target(**kwargs)
