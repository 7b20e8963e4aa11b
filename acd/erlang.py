"""Erlang C and Erlang A: what queueing theory predicts for one queue of identical agents.

Theory of operation
-------------------
Both models are the birth-death chain of the number ``k`` of callers in the system: Poisson
arrivals (rate ``lam``), ``n`` agents with exponential handle times (rate ``mu`` each), and for
Erlang A (Palm's M/M/n+M) exponential patience (rate ``theta``) for every caller still waiting.
The death rate is ``min(k, n)·mu + max(0, k - n)·theta``. Erlang C is the case ``theta = 0``.

*Erlang C* uses the closed forms built on Erlang B, which we get from the recursion
``B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1))`` (``a = lam/mu`` Erlangs): no factorial, no power,
no overflow at 10k agents, every step in [0, 1]. Then ``C = n·B / (n - a·(1 - B))``,
``P(wait <= t) = 1 - C·exp(-(n - a)·t·mu)`` and ``ASA = C / (n·mu - lam)``.

*Erlang A* works on the chain itself. Relative to the state ``k = n`` (everyone busy, nobody
waiting) the states below sum to ``1/B(n, a)`` (Erlang B again), and the states above are
``t_j = prod_{i=1..j} lam / (n·mu + i·theta)``, ``j`` callers waiting. The tail is summed in
log space (an overloaded queue with patient callers has terms far beyond 1e308 before they
fall) until what is left is below 1e-17 of the total; the truncation point is therefore
chosen by the data, not by a fixed queue length. By PASTA an arrival sees state ``n + j``
with probability ``w_j = pi_{n+j}``; it then has ``j`` callers ahead of it.

For that arrival, let ``V`` be its *virtual* wait (until an agent would take it, were it
infinitely patient): ``V`` is a sum of exponentials of rates ``n·mu + i·theta``,
``i = j..0`` (one of the ``i`` ahead leaves, by service or abandonment). It does not depend
on its own patience ``P``, and it is answered iff ``P > V``. Tilting each phase by
``exp(-theta·x)`` gives, with ``c = n·mu``:

* ``P(answered | j) = c / (c + (j+1)·theta)`` (the product telescopes);
* answered calls wait ``V'`` = exponentials of rates ``c + i·theta``, ``i = 1..j+1``, so
  ``E[wait; answered | j] = P(answered | j) · sum_i 1/(c + i·theta)``;
* ``V'`` is distributed as the (j+1)-th order statistic of ``c/theta + j + 1`` unit
  exponentials scaled by ``1/theta`` (Rényi), i.e. ``P(V' <= t) = I_p(j+1, c/theta + 1)``, the
  regularised incomplete beta function with ``p = 1 - exp(-theta·t)``. Its recursion in the
  first argument ``I_p(m+1, b) = I_p(m, b) - p^m (1-p)^b / (m·B(m, b))`` steps along ``j``
  with each term formed in log space.

Service level here is always *answered within t / offered* (every arrival in the
denominator, abandoned callers count as failures); ASA is the mean wait of answered calls.
These are the figures `acd.simulate` measures. ``math.inf`` marks a queue that never clears
(Erlang C with ``a >= n``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

_TAIL_EPS_LOG = math.log(1e-17)  # stop the tail when the rest is below this share of it
_MAX_TERMS = 20_000_000  # guards against a pathological (patience -> inf, overloaded) chain


@dataclass(frozen=True)
class Forecast:
    """Steady-state figures for one queue; rates per call, times in seconds."""

    model: str  # "erlang_c" or "erlang_a"
    agents: int
    load_erlangs: float  # calls per second x mean handle time
    sl_seconds: float
    p_wait: float  # share of callers who find every agent busy
    service_level: float  # answered within sl_seconds / offered, 0..1
    asa_s: float  # mean wait of answered calls (inf when the queue never clears)
    p_abandon: float  # share of callers who hang up before an answer
    mean_wait_s: float  # mean time in queue of every caller, abandoned ones included
    occupancy: float  # share of agent time spent handling calls
    terms: int = 0  # Erlang A: queue states summed before the tail was negligible

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: an infinite time becomes None."""
        return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in asdict(self).items()}


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of ``agents`` servers offered ``load`` Erlangs (stable recursion)."""
    _check(agents, load)
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(agents: int, load: float) -> float:
    """Probability that a caller waits (every agent busy); 1.0 when ``load >= agents``."""
    if load >= agents:
        return 1.0
    b = erlang_b(agents, load)
    return agents * b / (agents - load * (1.0 - b))


def erlang_c_forecast(agents: int, calls_per_hour: float, aht_s: float, sl_seconds: float = 20.0) -> Forecast:
    """Erlang C: infinitely patient callers, FIFO, exponential handle times."""
    load = calls_per_hour / 3600.0 * aht_s
    c = erlang_c(agents, load)
    if load >= agents:
        return Forecast("erlang_c", agents, load, sl_seconds, 1.0, 0.0, math.inf, 0.0, math.inf, 1.0)
    drain = (agents - load) / aht_s  # rate at which the wait tail decays
    asa = c / drain
    return Forecast("erlang_c", agents, load, sl_seconds, p_wait=c,
                    service_level=1.0 - c * math.exp(-drain * sl_seconds), asa_s=asa, p_abandon=0.0,
                    mean_wait_s=asa, occupancy=load / agents)


def erlang_a_forecast(agents: int, calls_per_hour: float, aht_s: float, patience_s: float,
                      sl_seconds: float = 20.0) -> Forecast:
    """Erlang A (M/M/n+M): callers hang up after an exponential patience of mean ``patience_s``.

    ``patience_s = inf`` is Erlang C. See the module docstring for the method.
    """
    if patience_s <= 0:
        raise ValueError("patience_s must be > 0")
    if math.isinf(patience_s):
        return erlang_c_forecast(agents, calls_per_hour, aht_s, sl_seconds)
    lam, c, theta = calls_per_hour / 3600.0, agents / aht_s, 1.0 / patience_s
    load = lam * aht_s
    b = erlang_b(agents, load)
    if b == 0.0:  # so lightly loaded that nobody ever waits (to double precision)
        return Forecast("erlang_a", agents, load, sl_seconds, 0.0, 1.0, 0.0, 0.0, 0.0, load / agents, 0)
    log_t = _tail_log_terms(lam, c, theta)
    peak = max(log_t)
    total = sum(math.exp(x - peak) for x in log_t)  # sum_j t_j, scaled by exp(-peak)
    # pi_n = 1 / (1/B + sum_{j>=1} t_j) = B / (1 + B·(T - 1)), T = sum_{j>=0} t_j (t_0 = 1)
    rest = total - math.exp(-peak)  # (T - 1)·exp(-peak)
    log_pi_n = math.log(b) - _log1p_exp(math.log(b) + peak + math.log(rest)) if rest > 0 else math.log(b)
    sums = _weighted_sums(log_t, log_pi_n, lam, c, theta, sl_seconds)
    p_wait, p_abandon, answered_late_ok, answered_wait, queue_len = sums
    p_wait, p_abandon = _unit(p_wait), _unit(p_abandon)  # rounding can step past 1 by ~1e-15
    answered = 1.0 - p_abandon
    return Forecast("erlang_a", agents, load, sl_seconds, p_wait=p_wait,
                    service_level=_unit((1.0 - p_wait) + answered_late_ok),
                    asa_s=answered_wait / answered if answered > 0 else math.inf,
                    p_abandon=p_abandon, mean_wait_s=queue_len / lam,
                    occupancy=load * answered / agents, terms=len(log_t))


def _tail_log_terms(lam: float, c: float, theta: float) -> list[float]:
    """log t_j for j = 0.. until the remaining tail is negligible (t_0 = 1: state n)."""
    out, log_t, log_lam, peak = [0.0], 0.0, math.log(lam), 0.0
    j = 0
    while True:
        j += 1
        ratio = lam / (c + j * theta)
        log_t += log_lam - math.log(c + j * theta)
        out.append(log_t)
        peak = max(peak, log_t)
        if ratio < 1.0:
            tail = log_t + math.log(ratio) - math.log1p(-ratio)  # geometric bound on sum_{i>j}
            if tail - peak < _TAIL_EPS_LOG:
                return out
        if j >= _MAX_TERMS:
            raise ValueError("Erlang A tail does not converge; patience too long for this overload")


def _weighted_sums(log_t: list[float], log_pi_n: float, lam: float, c: float, theta: float,
                   t: float) -> tuple[float, float, float, float, float]:
    """Sum over arrival states n+j: P(wait), P(abandon), P(answered after waiting, within t),
    E[wait; answered] and E[queue length]."""
    p = -math.expm1(-theta * t)
    log_p = math.log(p) if p > 0 else -math.inf
    b = c / theta + 1.0
    # I_p(m, b) = 1 - sum_{i<m} term_i, term_0 = (1-p)^b, term_i = term_{i-1}·p·(i-1+b)/i
    log_term, cdf = -(c + theta) * t, 0.0
    p_wait = p_ab = sl_late = wait_ans = q_len = 0.0
    harmonic = 0.0
    for j, lt in enumerate(log_t):
        w = math.exp(lt + log_pi_n)
        if j:
            log_term += log_p + math.log(j - 1 + b) - math.log(j)
        cdf += math.exp(log_term)
        served = c / (c + (j + 1) * theta)
        harmonic += 1.0 / (c + (j + 1) * theta)
        p_wait += w
        p_ab += w * (j + 1) * theta / (c + (j + 1) * theta)
        sl_late += w * served * max(0.0, 1.0 - cdf)
        wait_ans += w * served * harmonic
        q_len += w * j
    return p_wait, p_ab, sl_late, wait_ans, q_len


def _log1p_exp(x: float) -> float:
    """log(1 + e^x) without overflow."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _unit(x: float) -> float:
    return min(1.0, max(0.0, x))


def _check(agents: int, load: float) -> None:
    if agents < 1:
        raise ValueError("agents must be >= 1")
    if load < 0:
        raise ValueError("load must be >= 0")
