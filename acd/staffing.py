"""Agents needed per interval for a queue's service-level target (pure; the maths is in acd.erlang).

Theory of operation
-------------------
For each interval of the forecast: load ``a`` = calls per second x AHT (Erlangs). The agents who
must be *on the phones* are the smallest ``N`` such that

1. the model's service level (answered within ``sl_seconds`` / offered) reaches the target:
   Erlang C (patient callers) or Erlang A with the patience measured from the history
   (`measured_patience`); SL rises with ``N`` in both, so Erlang C counts up from
   ``floor(a) + 1`` (below that its queue never clears) and Erlang A, which may legitimately
   staff below the load because callers give up, doubles then bisects from 1;
2. occupancy ``a / N`` stays at or below ``max_occupancy`` (a cap that protects agents from
   back-to-back calls in big queues where Erlang alone would run them at 95 %). For Erlang A
   the offered load is used, which over-counts the few abandoned calls: on the safe side.

The agents to *schedule* add shrinkage (breaks, training, absence): ``ceil(N / (1 - s))``, the
usual planning arithmetic (Call Centre Helper's worked example: 14 on the phones at 30 % -> 20).
An interval with no forecast calls needs nobody. ``bound`` says which rule set ``N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from acd.erlang import Forecast as ErlangFigures
from acd.erlang import erlang_a_forecast, erlang_c_forecast

Model = Literal["erlang_c", "erlang_a"]
MODELS: tuple[Model, ...] = ("erlang_c", "erlang_a")
_MAX_AGENTS = 100_000
_EPS = 1e-9


@dataclass(frozen=True)
class Target:
    """What one queue must achieve; defaults are the industry's usual planning figures."""

    sl_percent: float = 80.0
    sl_seconds: float = 20.0
    shrinkage: float = 0.30
    max_occupancy: float = 0.85
    model: Model = "erlang_c"
    patience_s: float | None = None  # mean patience for Erlang A; None = never abandons (Erlang C)

    def __post_init__(self) -> None:
        if not 0 < self.sl_percent <= 100 or self.sl_seconds <= 0:
            raise ValueError("the service level needs 0 < percent <= 100 and seconds > 0")
        if not 0 <= self.shrinkage < 1:
            raise ValueError(f"shrinkage must be in [0, 1), got {self.shrinkage}")
        if not 0 < self.max_occupancy <= 1:
            raise ValueError(f"max occupancy must be in (0, 1], got {self.max_occupancy}")


@dataclass(frozen=True)
class Requirement:
    """One interval: the traffic, the agents it takes, and what they would achieve."""

    calls: float
    aht_s: float | None
    load_erlangs: float
    agents: int  # on the phones
    required: int  # to schedule, shrinkage included
    bound: Literal["service_level", "occupancy", "no_calls"]
    service_level: float | None  # with `agents`, 0..1
    asa_s: float | None
    occupancy: float | None
    p_abandon: float | None


def requirement(calls: float, aht_s: float | None, interval_min: float, target: Target) -> Requirement:
    """Agents for `calls` in an interval of `interval_min` minutes with mean handle `aht_s`."""
    if calls <= _EPS:
        return Requirement(max(calls, 0.0), aht_s, 0.0, 0, 0, "no_calls", None, None, None, None)
    if aht_s is None or aht_s <= 0:
        raise ValueError(f"{calls:g} calls need a handle time > 0, got {aht_s}")
    per_hour = calls * 60.0 / interval_min
    load = per_hour * aht_s / 3600.0
    by_sl = _agents_for_sl(per_hour, aht_s, target)
    by_occ = math.ceil(load / target.max_occupancy - _EPS)
    agents = max(by_sl, by_occ)
    figures = _figures(agents, per_hour, aht_s, target)
    return Requirement(calls, aht_s, load, agents, with_shrinkage(agents, target.shrinkage),
                       "service_level" if by_sl >= by_occ else "occupancy", figures.service_level,
                       _finite(figures.asa_s), figures.occupancy, figures.p_abandon)


def with_shrinkage(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` are available after `shrinkage` (0..1)."""
    return math.ceil(agents / (1.0 - shrinkage) - _EPS)


def measured_patience(abandoned: float, answered_wait_s: float, abandoned_wait_s: float) -> float | None:
    """Mean patience, exponential model, from waits: every second waited is exposure to hanging up.

    The maximum-likelihood estimate with censoring: answered callers only tell us their patience
    exceeded their wait. ``None`` when nobody abandoned (no evidence of impatience: Erlang C).
    """
    if abandoned <= 0:
        return None
    return (answered_wait_s + abandoned_wait_s) / abandoned


def _agents_for_sl(per_hour: float, aht_s: float, target: Target) -> int:
    goal = target.sl_percent / 100.0 - _EPS

    def meets(n: int) -> bool:
        return _figures(n, per_hour, aht_s, target).service_level >= goal

    if target.model == "erlang_c" or target.patience_s is None:
        n = math.floor(per_hour * aht_s / 3600.0) + 1
        while not meets(n):
            n += 1
        return n
    return _smallest(meets)


def _smallest(meets) -> int:
    """Smallest n >= 1 with meets(n), for a monotone predicate: doubling, then bisection."""
    hi = 1
    while not meets(hi):
        if hi >= _MAX_AGENTS:
            raise ValueError(f"the target needs more than {_MAX_AGENTS} agents")
        hi *= 2
    lo = hi // 2  # meets(lo) is False (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if meets(mid) else (mid, hi)
    return hi


def _figures(agents: int, per_hour: float, aht_s: float, target: Target) -> ErlangFigures:
    if target.model == "erlang_a" and target.patience_s is not None:
        return erlang_a_forecast(agents, per_hour, aht_s, target.patience_s, target.sl_seconds)
    return erlang_c_forecast(agents, per_hour, aht_s, target.sl_seconds)


def _finite(x: float) -> float | None:
    return None if math.isinf(x) else x
