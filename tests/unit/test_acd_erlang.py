"""Erlang B/C/A against hand-worked values and against independent methods of computation."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from acd.erlang import erlang_a_forecast, erlang_b, erlang_c, erlang_c_forecast


def erlang_c_by_direct_sum(agents: int, load: Fraction) -> Fraction:
    """The textbook formula with exact rationals: A^N/N!·N/(N-A) / (sum_{k<N} A^k/k! + same)."""
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    return top / (sum(load**k / math.factorial(k) for k in range(agents)) + top)


def test_erlang_b_matches_hand_worked_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)  # a / (1 + a)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(3, 0.0) == 0.0


def test_erlang_c_two_agents_one_erlang_is_one_third():
    # (1/2 · 2/1) / (1 + 1 + 1) = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)


@pytest.mark.parametrize(("agents", "load"), [(10, Fraction(17, 2)), (14, Fraction(10)), (50, Fraction(45))])
def test_erlang_c_recursion_equals_exact_rational_formula(agents, load):
    assert erlang_c(agents, float(load)) == pytest.approx(float(erlang_c_by_direct_sum(agents, load)), rel=1e-12)


def test_textbook_example_200_calls_per_hour_aht_180_with_14_agents():
    # A = 200/3600 · 180 = 10 Erlangs. P(wait) = 0.1741 (also 0.6821 with 11 agents, 0.4494 with 12);
    # SL = 1 - 0.17413·exp(-(14-10)·20/180) = 0.8884; ASA = 0.17413·180/4 = 7.84 s.
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(12, 10.0) == pytest.approx(0.4494, abs=5e-5)
    f = erlang_c_forecast(14, 200, 180, sl_seconds=20)
    assert f.p_wait == pytest.approx(0.1741, abs=5e-5)
    assert f.service_level == pytest.approx(0.8884, abs=5e-5)
    assert f.asa_s == pytest.approx(7.836, abs=5e-3)
    assert f.occupancy == pytest.approx(10 / 14)


def test_erlang_c_at_ten_thousand_agents_does_not_overflow():
    f = erlang_c_forecast(10_000, 0.99 * 10_000 * 3600 / 300, 300)
    assert 0.0 < f.p_wait < 1.0 and math.isfinite(f.asa_s)
    assert erlang_c(10_000, 100.0) == 0.0  # so lightly loaded that nobody waits


def test_overloaded_erlang_c_never_clears():
    f = erlang_c_forecast(10, 120, 300)  # 10 Erlangs on 10 agents
    assert (f.p_wait, f.service_level, f.asa_s, f.occupancy) == (1.0, 0.0, math.inf, 1.0)
    assert f.to_dict()["asa_s"] is None


@pytest.mark.parametrize(("agents", "calls_per_hour", "aht"), [(1, 10, 300), (10, 100, 300), (50, 510, 300),
                                                                (1000, 11_800, 300)])
def test_erlang_a_with_endless_patience_is_erlang_c(agents, calls_per_hour, aht):
    c = erlang_c_forecast(agents, calls_per_hour, aht)
    a = erlang_a_forecast(agents, calls_per_hour, aht, patience_s=1e10)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-5)
    assert a.p_abandon < 1e-6


@pytest.mark.parametrize(("agents", "load"), [(1, 0.5), (2, 3.0), (5, 4.0), (30, 40.0)])
def test_patience_equal_to_handle_time_makes_the_chain_poisson(agents, load):
    """With theta = mu every caller leaves at rate mu whether served or not: M/M/inf, Poisson(a)."""
    f = erlang_a_forecast(agents, load * 3600 / 300, 300, patience_s=300)
    pk = [math.exp(-load + k * math.log(load) - math.lgamma(k + 1)) for k in range(400)]
    assert f.p_wait == pytest.approx(sum(pk[agents:]), rel=1e-9)
    assert f.p_abandon == pytest.approx(sum((k - agents) * p for k, p in enumerate(pk) if k > agents) / load,
                                        rel=1e-9)


@pytest.mark.parametrize(("agents", "calls_per_hour", "patience"), [(10, 100, 120), (100, 1080, 180), (20, 300, 60)])
def test_abandonment_equals_theta_times_mean_queue_over_lambda(agents, calls_per_hour, patience):
    f = erlang_a_forecast(agents, calls_per_hour, 300, patience)
    # abandonment rate = theta·E[Q] and E[Q] = lambda·E[wait of every caller] (Little)
    assert f.p_abandon == pytest.approx(f.mean_wait_s / patience, rel=1e-9)
    assert f.occupancy == pytest.approx(f.load_erlangs * (1 - f.p_abandon) / agents)


def answered_within_by_uniformisation(agents: int, lam: float, mu: float, theta: float, t: float) -> float:
    """Independent Erlang A service level: plain birth-death products for pi, then for each
    arrival state the tagged caller's (position, served, abandoned) chain solved over [0, t]."""
    weights = [1.0]
    for k in range(1, agents + 400):
        weights.append(weights[-1] * lam / (min(k, agents) * mu + max(0, k - agents) * theta))
    total = sum(weights)
    pi = [w / total for w in weights]
    result = sum(pi[:agents])
    for j, p_state in enumerate(pi[agents:]):
        if p_state < 1e-18:
            continue
        result += p_state * _served_by(agents * mu, theta, j, t)
    return result


def _served_by(c: float, theta: float, ahead: int, t: float) -> float:
    """P(served within t) for a caller with ``ahead`` callers before it (uniformisation)."""
    big = c + (ahead + 1) * theta
    dist = [0.0] * (ahead + 1)  # index: callers still ahead of the tagged caller
    dist[ahead] = 1.0
    served, weight, k, acc = 0.0, math.exp(-big * t), 0, 0.0
    while k <= big * t or weight > 1e-18:  # Poisson(big·t) steps
        acc += weight * served
        # one uniformised step: from i ahead, advance at c + i·theta, abandon at theta, stay otherwise
        new = [0.0] * (ahead + 1)
        for i, p in enumerate(dist):
            if not p:
                continue
            go, leave = (c + i * theta) / big, theta / big
            if i == 0:
                served += p * go
            else:
                new[i - 1] += p * go
            new[i] += p * (1 - go - leave)
        dist = new
        k += 1
        weight *= big * t / k
    return acc


@pytest.mark.parametrize(("agents", "calls_per_hour", "patience", "sl"), [(3, 30, 120, 20), (10, 100, 120, 20),
                                                                           (5, 80, 60, 30)])
def test_erlang_a_service_level_matches_uniformisation(agents, calls_per_hour, patience, sl):
    f = erlang_a_forecast(agents, calls_per_hour, 300, patience, sl_seconds=sl)
    expected = answered_within_by_uniformisation(agents, calls_per_hour / 3600, 1 / 300, 1 / patience, sl)
    assert f.service_level == pytest.approx(expected, abs=1e-9)


def test_erlang_a_stays_finite_when_heavily_overloaded_at_scale():
    f = erlang_a_forecast(10_000, 2 * 10_000 * 3600 / 300, 300, patience_s=600)
    assert f.p_abandon == pytest.approx(0.5, abs=1e-3)  # capacity serves half the offered load
    assert f.occupancy == pytest.approx(1.0, abs=1e-3)
    assert 0.0 <= f.service_level <= 1.0 and math.isfinite(f.asa_s)


def test_erlang_a_rejects_non_positive_patience():
    with pytest.raises(ValueError):
        erlang_a_forecast(10, 100, 300, 0)
