"""The predictive pacer's picture of the near future, rebuilt from ``PacingStats`` now and then.

Theory of operation: a call dialed now reaches a live person, if at all, after ring time R plus
AMD classification time A, and must find an agent within the safe-harbor S (2 s) after that.
We look at that moment at three points of R's distribution (its 1/6, 1/2 and 5/6 quantiles, an
equal-weight three-point quadrature) and for each point tabulate:

* ``demand[age]``  chance that a call already ringing for ``age`` seconds turns into a live person
  before the new call does: p_answer * p_live * (G(age + r) - G(age)) / (1 - p_answer * G(age)),
  with G the answered calls' ring-time CDF (a call still unanswered at ``age`` is less likely to
  be answered at all; that conditioning is what keeps long-ringing calls from being over-counted);
* ``supply[elapsed]``  chance that an agent ``elapsed`` seconds into a call is free by then:
  P(T <= elapsed + r + A + S - wrapup | T > elapsed) from the talk-time survival curve T.

Tables make one pacing decision O(agents + calls) list lookups: with 100 agents and ~50 calls
in flight the pacer runs every second of an 8-hour simulated day in about a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dialer.stats import PacingStats

QUANTILES = (1 / 6, 1 / 2, 5 / 6)
SAFE_HARBOR_S = 2.0


@dataclass(frozen=True, slots=True)
class Horizon:
    """One quadrature point: where a new call lands if its ring time is the ``share`` quantile."""

    share: float
    ring_s: float
    span_s: float               # ring + classification + safe harbor: the supply horizon
    demand: tuple[float, ...]   # by ringing age, ``ring_bin_s`` wide
    supply: tuple[float, ...]   # by talk elapsed, ``talk_bin_s`` wide
    supply_tail: float          # for agents on calls longer than the table


@dataclass(frozen=True, slots=True)
class PacingModel:
    p_answer: float
    p_live: float
    classify_s: float
    wrapup_s: float
    ring_bin_s: float
    talk_bin_s: float
    horizons: tuple[Horizon, ...]

    @property
    def q(self) -> float:
        """Chance that one dial attempt becomes a live call that needs an agent."""
        return self.p_answer * self.p_live


def build_model(stats: PacingStats) -> PacingModel:
    p_answer, p_live = stats.answer.value, stats.live.value
    classify_s, wrapup_s = stats.classify.value, stats.wrapup.value
    ring_cdf = _cdf(stats.ring.survival())
    talk_surv = stats.talk.survival()
    horizons = []
    for share in QUANTILES:
        ring_s = _quantile(ring_cdf, share) * stats.ring.bin_s
        span = ring_s + classify_s + SAFE_HARBOR_S
        demand = _demand_table(ring_cdf, round(ring_s / stats.ring.bin_s), p_answer, p_live)
        supply, tail = _supply_table(talk_surv, stats.talk.bin_s, span - wrapup_s, stats.talk.mean)
        horizons.append(Horizon(share, ring_s, span, demand, supply, tail))
    return PacingModel(p_answer, p_live, classify_s, wrapup_s, stats.ring.bin_s, stats.talk.bin_s,
                       tuple(horizons))


def _cdf(survival: list[float]) -> list[float]:
    top = survival[0] or 1.0
    return [1.0 - s / top for s in survival[:-1]] + [1.0]


def _quantile(cdf: list[float], share: float) -> int:
    return next((i for i, c in enumerate(cdf) if c >= share), len(cdf) - 1)


def _demand_table(cdf: list[float], shift: int, p_answer: float, p_live: float) -> tuple[float, ...]:
    last = len(cdf) - 1
    out = []
    for i, g in enumerate(cdf):
        later = cdf[min(i + shift, last)]
        unanswered = 1.0 - p_answer * g
        out.append(p_answer * p_live * (later - g) / unanswered if unanswered > 1e-9 else 0.0)
    return tuple(out)


def _supply_table(survival: list[float], bin_s: float, reach_s: float,
                  mean_s: float) -> tuple[tuple[float, ...], float]:
    tail = 1.0 - math.exp(-max(reach_s, 0.0) / max(mean_s, 1.0))
    if reach_s <= 0:
        return (0.0,) * (len(survival) - 1), 0.0
    mean_bins = max(mean_s, 1.0) / bin_s
    out = []
    for b in range(len(survival) - 1):
        now_s = _interp(survival, b + 0.5, mean_bins)
        later = _interp(survival, b + 0.5 + reach_s / bin_s, mean_bins)
        out.append(1.0 - later / now_s if now_s > 1e-9 else tail)
    return tuple(out), tail


def _interp(values: list[float], x: float, tail_bins: float) -> float:
    """Survival at ``x`` bins: linear inside the table, exponential tail (mean ``tail_bins``) past it."""
    last = len(values) - 1
    if x >= last:
        return values[last] * math.exp(-(x - last) / tail_bins)
    i = int(x)
    frac = x - i
    return values[i] * (1.0 - frac) + values[i + 1] * frac
