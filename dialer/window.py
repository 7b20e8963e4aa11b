"""Window (newsvendor) pacing: how many lines to have in flight over the next answer window.

Theory of operation
-------------------
``PredictivePacer`` decides line by line: the k-th new call is dialed while the chance that *it*
finds no agent is at most theta. This rule decides the whole batch at once, like a newsvendor
ordering stock against uncertain demand: over the window in which a call dialed now is answered
(ring time R, learned online, + AMD classification + the 2 s safe harbour), let

* X = the live people who will want an agent in the window: those already waiting, the calls in
  AMD (each live with the learned live rate), each ringing call (its chance of turning live
  *given how long it has rung already*) and the n new calls (each live with q = answer x live
  rate, and landing by the window point with the learned ring-time distribution);
* S = the agents free by then: ready now, wrap-up ending in time, calls ending in time (each by
  its elapsed talk time on the learned talk-time survival curve).

X - S is treated as normal (a sum of independent Bernoulli chances); the expected overflow
E[(X - S)+] (people who find no agent: abandons) is compared with E[X]. We dial the largest n
whose overflow share E[(X - S)+] / E[X] is at most the aim, evaluated at the three ring-time
quantiles of ``dialer.model`` (the worst of the three counts). The aim is the abandonment
controller's theta (``dialer.abandon``): it calibrates the rule online against the day's measured
abandonment and stops predictive dialing when the day's budget is spent, exactly as for the line
rule. Only the dialing rule differs; everything the pacer knows comes from ``PacingStats``.

Status: measured, not shipped. Over 3 simulated days at 20 and 50 agents it lies on the same
ratio-vs-abandonment frontier as the line rule, within 0.003x, and a little below it with the
controller on (docs/performance.md, "Dialer pacing"), so ``make_pacer("predictive")`` keeps the
line rule; this one stays for ``bench/dialer_simulate.py frontier|ratios ... window``.
"""

from __future__ import annotations

import math

from dialer.model import PacingModel
from dialer.pacing import PacingState, PredictivePacer

_VAR_FLOOR = 0.05
_SQRT2PI = math.sqrt(2.0 * math.pi)


class WindowPacer(PredictivePacer):
    """Predictive pacing by expected overflow over the answer window (see the module docstring)."""

    def _extra_lines(self, state: PacingState, model: PacingModel, theta: float, limit: int) -> int:
        windows = [_window(state, model, h) for h in range(len(model.horizons))]
        if max(s for s, _, _, _, _ in windows) < 0.5:
            return 0  # nobody can be free in time for a new call, whatever else happens
        q = model.q
        n = 0
        while n < limit and _overflow_share(windows, n + 1, q) <= theta:
            n += 1
        return n


def _window(state: PacingState, model: PacingModel, index: int) -> tuple[float, float, float, float, float]:
    """(supply mean, supply var, demand mean, demand var, landing share) at one ring-time quantile."""
    h = model.horizons[index]
    supply, tb = h.supply, model.talk_bin_s
    last = len(supply) * tb
    ps = [supply[int(e / tb)] if e < last else h.supply_tail for e in state.talk_elapsed_s]
    freed = sum(1 for r in state.wrapup_remaining_s if r <= h.span_s)
    s_mean = state.agents_ready + freed + sum(ps)
    s_var = sum(p * (1.0 - p) for p in ps)
    demand, rb = h.demand, model.ring_bin_s
    dlast = len(demand) * rb
    ds = [demand[int(a / rb)] for a in state.ringing_age_s if a < dlast]
    p_live = model.p_live
    d_mean = state.live_waiting + state.in_amd * p_live + sum(ds)
    d_var = sum(d * (1.0 - d) for d in ds) + state.in_amd * p_live * (1.0 - p_live)
    return s_mean, s_var, d_mean, d_var, h.share


def _overflow_share(windows: list[tuple[float, float, float, float, float]], n: int, q: float) -> float:
    """Worst-quantile E[(X - S)+] / E[X] with ``n`` new lines (X, S as in the module docstring)."""
    worst = 0.0
    for s_mean, s_var, d_mean, d_var, share in windows:
        p = q * share
        x_mean = d_mean + n * p
        if x_mean <= 0.0:
            continue
        sd = math.sqrt(s_var + d_var + n * p * (1.0 - p) + _VAR_FLOOR)
        worst = max(worst, expected_excess(x_mean - s_mean, sd) / x_mean)
    return worst


def expected_excess(mean: float, sd: float) -> float:
    """E[(D)+] for an integer D approximated by Normal(mean, sd): E[(N - 1/2)+], continuity-corrected."""
    z = (mean - 0.5) / sd
    return sd * math.exp(-0.5 * z * z) / _SQRT2PI + (mean - 0.5) * 0.5 * math.erfc(-z / math.sqrt(2.0))
