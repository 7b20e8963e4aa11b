"""Synthetic queue history with KNOWN seasonality, for the forecast tests and bench/forecast_accuracy.py.

The truth: day total = `base` x (1 + `growth_per_week` x weeks since the start) x weekday factor;
intraday shape = two humps (late morning, early afternoon) inside opening hours that depend on
the weekday; AHT = `aht_s` with a +-20 % intraday swing (longer calls in the afternoon). Each
interval's calls are Poisson around the truth, 5 % of them abandon (binomial), and the handle
seconds are the sum of exponential handle times (a gamma draw). Seeded: the same arguments give
the same history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from acd.forecast import DaySeries, History

WEEKDAY_FACTOR = (1.25, 1.10, 1.00, 1.00, 0.95, 0.45, 0.0)  # Monday .. Sunday (closed)
OPEN_HOURS = {5: (9.0, 17.0)}  # Saturday; every other open day 08:00-20:00
ABANDON_SHARE = 0.05


@dataclass(frozen=True)
class Truth:
    base: float = 1200.0  # calls on an average weekday (factor 1) at the start
    growth_per_week: float = 0.02
    aht_s: float = 240.0
    slot_min: int = 15
    start: date = date(2026, 1, 5)  # a Monday

    def day_total(self, day: date) -> float:
        weeks = (day - self.start).days / 7.0
        return self.base * (1.0 + self.growth_per_week * weeks) * WEEKDAY_FACTOR[day.weekday()]

    def shape(self, weekday: int) -> list[float]:
        """Share of the day's calls per slot (sums to 1; zeros outside opening hours)."""
        opens, closes = OPEN_HOURS.get(weekday, (8.0, 20.0))
        hours = [(k + 0.5) * self.slot_min / 60 for k in range(24 * 60 // self.slot_min)]
        raw = [_humps(h) if opens <= h < closes else 0.0 for h in hours]
        total = sum(raw)
        return [r / total for r in raw]

    def rates(self, day: date) -> list[float]:
        total = self.day_total(day)
        return [total * s for s in self.shape(day.weekday())]

    def aht(self, slot: int) -> float:
        hour = (slot + 0.5) * self.slot_min / 60
        return self.aht_s * (1.0 + 0.2 * math.sin((hour - 10.0) / 12.0 * 2 * math.pi))


def _humps(hour: float) -> float:
    return math.exp(-((hour - 10.5) / 1.8) ** 2) + 0.8 * math.exp(-((hour - 14.5) / 2.2) ** 2) + 0.15


def synthetic_history(days: int, truth: Truth = Truth(), seed: int = 1) -> History:
    rng = np.random.default_rng(seed)
    return History(tuple(_day(truth, truth.start + timedelta(days=d), rng) for d in range(days)), truth.slot_min)


def _day(truth: Truth, day: date, rng: np.random.Generator) -> DaySeries:
    offered = rng.poisson(truth.rates(day))
    answered = rng.binomial(offered, 1.0 - ABANDON_SHARE)
    handle = [float(rng.gamma(a, truth.aht(k))) if a else 0.0 for k, a in enumerate(answered)]
    return DaySeries(day, tuple(float(x) for x in offered), tuple(float(x) for x in answered), tuple(handle))
