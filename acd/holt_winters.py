"""Holt-Winters smoothing of a daily series with a weekly season (pure; no I/O, no numpy).

Theory of operation
-------------------
Daily call totals of a contact centre move three ways at once: a level (how busy the centre is
these weeks), a trend (growth or decline, a few calls a day) and a weekly season (Monday is the
busiest day, Sunday the quietest, *in proportion* to the level). That is Holt-Winters with an
additive, damped trend and a multiplicative season of period 7:

    level_t  = alpha * y_t / s_{t-7} + (1 - alpha) * (level_{t-1} + phi * trend_{t-1})
    trend_t  = beta * (level_t - level_{t-1}) + (1 - beta) * phi * trend_{t-1}
    s_t      = gamma * y_t / level_t + (1 - gamma) * s_{t-7}
    y_{t+h}  = (level_t + (phi + ... + phi^h) * trend_t) * s_{t+h-7k}

The first two whole weeks set the starting values (level = mean of week 1, trend = change of
the weekly mean over 7 days, each day's season = its share relative to its week's mean,
averaged over the weeks). The four smoothing constants are chosen on a small grid by the sum of
squared one-step-ahead errors over the rest of the history: a grid (240 points, each a pass
over ~60 numbers) is fast, deterministic and cannot wander off like a numerical optimiser on a
short, flat likelihood. A weekday that is always closed keeps a season of 0 and forecasts 0;
its days carry no information about the level, so they leave level and trend alone.

Why written here rather than statsmodels' `ExponentialSmoothing`: that would bring scipy,
pandas and patsy (~150 MB) into a pure core for ~60 lines of recurrences, and its optimiser
needs a strictly positive series for multiplicative seasons (closed Sundays are zeros).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

PERIOD = 7
_EPS = 1e-9
ALPHAS = (0.05, 0.1, 0.2, 0.35, 0.5)
BETAS = (0.0, 0.02, 0.05, 0.15)
GAMMAS = (0.05, 0.1, 0.2, 0.35)
PHIS = (0.9, 0.98, 1.0)


@dataclass(frozen=True)
class Smoothing:
    alpha: float
    beta: float
    gamma: float
    phi: float


@dataclass(frozen=True)
class FittedDaily:
    """The state after the last day of the series, and the constants that produced it."""

    params: Smoothing
    level: float
    trend: float
    season: tuple[float, ...]  # season[i] applies to day index t with t % 7 == i
    n: int  # days in the series
    sse: float  # sum of squared one-step-ahead errors (weeks 2..)

    def predict(self, horizon: int) -> list[float]:
        """Totals for the `horizon` days after the series, never below zero."""
        out, damp, phi = [], 0.0, self.params.phi
        for h in range(1, horizon + 1):
            damp += phi**h
            out.append(max(0.0, (self.level + damp * self.trend) * self.season[(self.n + h - 1) % PERIOD]))
        return out


def fit_daily(series: Sequence[float]) -> FittedDaily:
    """The best grid point for `series` (at least two whole weeks of daily totals)."""
    if len(series) < 2 * PERIOD:
        raise ValueError(f"Holt-Winters needs at least {2 * PERIOD} days, got {len(series)}")
    grid = (Smoothing(*p) for p in itertools.product(ALPHAS, BETAS, GAMMAS, PHIS))
    return min((run(series, p) for p in grid), key=lambda f: f.sse)


def run(series: Sequence[float], p: Smoothing) -> FittedDaily:
    """Smooth `series` with fixed constants; errors are counted from the second week."""
    level, trend, season = _start(series)
    sse = 0.0
    for t in range(PERIOD, len(series)):
        y, s = series[t], season[t % PERIOD]
        sse += (y - (level + p.phi * trend) * s) ** 2
        level, trend, season[t % PERIOD] = _step(y, s, level, trend, p)
    return FittedDaily(p, level, trend, tuple(season), len(series), sse)


def _step(y: float, s: float, level: float, trend: float, p: Smoothing) -> tuple[float, float, float]:
    expected = level + p.phi * trend
    if s <= _EPS:  # a closed weekday: no news about the level
        return expected, p.phi * trend, s
    new_level = p.alpha * y / s + (1 - p.alpha) * expected
    new_trend = p.beta * (new_level - level) + (1 - p.beta) * p.phi * trend
    new_s = p.gamma * y / new_level + (1 - p.gamma) * s if new_level > _EPS else s
    return new_level, new_trend, new_s


def _start(series: Sequence[float]) -> tuple[float, float, list[float]]:
    """Level at the end of week 1, daily trend, and weekday seasons from every whole week."""
    weeks = [series[k:k + PERIOD] for k in range(0, len(series) - PERIOD + 1, PERIOD)]
    means = [sum(w) / PERIOD for w in weeks]
    season = [0.0] * PERIOD
    used = [m for m in means if m > _EPS]
    for week, mean in zip(weeks, means):
        if mean > _EPS:
            for i, y in enumerate(week):
                season[i] += y / mean / len(used)
    trend = (means[1] - means[0]) / PERIOD
    # `run` starts at t = 7 with `level + phi*trend`: the level of week 1's last day, roughly
    return means[0] + 3 * trend, trend, season
