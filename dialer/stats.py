"""Online estimates the predictive pacer learns from, each starting from a prior.

Theory of operation: a pacer that trusts its first ten calls dials wildly at 08:01 and with five
agents never sees enough calls to settle. So every estimate here is a Bayesian-style blend of a
prior (worth a few pseudo-observations) and exponentially-weighted data (memory of a few thousand
observations, so it follows the afternoon's answer rate but is not thrown by one odd minute):

* ``Proportion``     answer rate, live (human) rate among answered calls: a decayed Beta.
* ``DurationModel``  ring-to-answer time and talk time: a decayed histogram plus a gamma prior,
  giving the whole survival curve, not just a mean, so "an agent 170 s into a call" and "one 5 s
  into a call" get different chances of being free soon when talk times are not exponential.
* ``Mean``           wrap-up and AMD classification time.

``PacingStats`` bundles them; the shell (or the simulator) feeds observations, the pacer reads
them through ``dialer.model.build_model``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_RESCALE = 1e12


class Proportion:
    """Share of successes, decayed Beta(prior * weight, (1 - prior) * weight) posterior mean."""

    def __init__(self, prior: float, weight: float = 20.0, memory: float = 1000.0) -> None:
        self._yes, self._total = prior * weight, weight
        self._keep = 1.0 - 1.0 / memory

    def observe(self, success: bool) -> None:
        self._yes = self._yes * self._keep + (1.0 if success else 0.0)
        self._total = self._total * self._keep + 1.0

    @property
    def value(self) -> float:
        return self._yes / self._total


class Mean:
    """Exponentially-weighted mean with a prior worth ``weight`` observations."""

    def __init__(self, prior: float, weight: float = 10.0, memory: float = 1000.0) -> None:
        self._sum, self._total = prior * weight, weight
        self._keep = 1.0 - 1.0 / memory

    def observe(self, x: float) -> None:
        self._sum = self._sum * self._keep + x
        self._total = self._total * self._keep + 1.0

    @property
    def value(self) -> float:
        return self._sum / self._total


class DurationModel:
    """Distribution of a duration: decayed histogram (``bin_s`` wide up to ``max_s``) + gamma prior.

    Decay is done by growing the weight of new observations instead of shrinking old ones, so an
    observation is O(1); weights are rescaled when they grow large.
    """

    def __init__(self, prior_mean: float, *, shape: int = 1, prior_weight: float = 10.0,
                 bin_s: float = 1.0, max_s: float = 1200.0, memory: float = 2000.0) -> None:
        self.bin_s, self.nbins = bin_s, int(math.ceil(max_s / bin_s))
        self._counts = [0.0] * (self.nbins + 1)  # last bin: beyond max_s
        self._weight, self._growth = 1.0, 1.0 / (1.0 - 1.0 / memory)
        self._data_total = self._data_sum = 0.0
        self._prior_mean, self._shape, self._prior_weight = prior_mean, shape, prior_weight

    def observe(self, x: float) -> None:
        x = max(0.0, x)
        self._counts[min(int(x / self.bin_s), self.nbins)] += self._weight
        self._data_total += self._weight
        self._data_sum += self._weight * x
        self._weight *= self._growth
        if self._weight > _RESCALE:
            self._rescale()

    def _rescale(self) -> None:
        factor = 1.0 / self._weight
        self._counts = [c * factor for c in self._counts]
        self._data_total *= factor
        self._data_sum *= factor
        self._weight = 1.0

    def _blend(self) -> tuple[float, float]:
        """(prior share, data share) of the posterior; the prior counts as ``prior_weight`` obs."""
        data = self._data_total / self._weight  # equals the decayed observation count
        return self._prior_weight / (self._prior_weight + data), data / (self._prior_weight + data)

    @property
    def mean(self) -> float:
        prior, data = self._blend()
        data_mean = self._data_sum / self._data_total if self._data_total else 0.0
        return prior * self._prior_mean + data * data_mean

    def survival(self) -> list[float]:
        """P(duration > k * bin_s) for k = 0..nbins (the last value is the tail beyond max_s)."""
        prior, data = self._blend()
        remaining, out = self._data_total, []
        for k in range(self.nbins + 1):
            empirical = remaining / self._data_total if self._data_total else 0.0
            out.append(prior * gamma_survival(k * self.bin_s, self._prior_mean, self._shape)
                       + data * empirical)
            remaining -= self._counts[k]
        return out


def gamma_survival(x: float, mean: float, shape: int) -> float:
    """P(X > x) for a gamma (Erlang) distribution with integer ``shape``."""
    rate = shape / mean * x
    term = total = 1.0
    for n in range(1, shape):
        term *= rate / n
        total += term
    return math.exp(-rate) * total


@dataclass(frozen=True, slots=True)
class Priors:
    """Starting guesses (a campaign's ``pacing:`` section maps onto these)."""

    answer_rate: float = 0.3
    live_rate: float = 0.7
    ring_s: float = 15.0
    talk_s: float = 180.0
    wrapup_s: float = 15.0
    classify_s: float = 2.0


class PacingStats:
    """Everything measured about one campaign's calls; fed by the shell, read by the pacer."""

    def __init__(self, priors: Priors = Priors(), *, ring_timeout_s: float = 25.0) -> None:
        self.answer = Proportion(priors.answer_rate, weight=30.0)
        self.live = Proportion(priors.live_rate, weight=20.0)
        self.ring = DurationModel(priors.ring_s, shape=3, bin_s=0.5, max_s=ring_timeout_s + 5)
        self.talk = DurationModel(priors.talk_s, shape=1, bin_s=2.0, max_s=1200.0)
        self.wrapup = Mean(priors.wrapup_s)
        self.classify = Mean(priors.classify_s)
        self.version = 0  # bumped on every observation, so cached models know they are stale

    def observe_attempt(self, answered: bool, ring_s: float | None = None) -> None:
        """A dial attempt resolved: answered after ``ring_s``, or busy / no answer / failed."""
        self.answer.observe(answered)
        if answered and ring_s is not None:
            self.ring.observe(ring_s)
        self.version += 1

    def observe_classification(self, live: bool, delay_s: float) -> None:
        """AMD finished: ``live`` = the call goes to an agent (human, or AMD off)."""
        self.live.observe(live)
        if live:
            self.classify.observe(delay_s)
        self.version += 1

    def observe_talk(self, talk_s: float) -> None:
        self.talk.observe(talk_s)
        self.version += 1

    def observe_wrapup(self, wrapup_s: float) -> None:
        self.wrapup.observe(wrapup_s)
        self.version += 1
