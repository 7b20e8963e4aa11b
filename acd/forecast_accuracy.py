"""How good a forecast method is on this queue: forecast the last week from the weeks before it.

WAPE (weighted absolute percentage error) = sum |actual - forecast| / sum actual. Unlike MAPE it
stays defined on empty night intervals and weighs each interval by its calls, which is what
staffing cares about. We report it at three grains because they answer different questions:

- *per interval* (15 min): what the staffing table sees. With Poisson arrivals even a perfect
  forecast has an error here: E|N - lam| / lam ~ sqrt(2 / (pi lam)), ~25 % at 10 calls per
  interval. `noise_floor` gives that figure for the forecast's own rates, so a reader can tell
  "the method is wrong" from "the intervals are small".
- *per day* (the day totals): how well level, trend and weekday are tracked.
- *AHT* (weighted by the actual answered calls of each interval).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from acd.forecast import History, HistoryTooShort, Method, TrafficForecast, forecast
from acd.holt_winters import PERIOD
from acd.forecast import MIN_FIT_DAYS

HOLDOUT_DAYS = PERIOD
MIN_DAYS = MIN_FIT_DAYS + HOLDOUT_DAYS  # to fit, then to check on a week never seen


@dataclass(frozen=True)
class DayError:
    day: str  # ISO date
    actual: float
    forecast: float
    wape_interval: float | None


@dataclass(frozen=True)
class Accuracy:
    method: Method
    wape_interval: float | None  # over every slot of the held-out week
    wape_day: float | None  # over the day totals
    wape_aht: float | None
    noise_floor: float | None  # the interval WAPE a perfect forecast would have, given Poisson noise
    days: tuple[DayError, ...]
    forecast: TrafficForecast  # what was forecast for the held-out week


def wape(actual: Iterable[float], predicted: Iterable[float]) -> float | None:
    """sum |a - p| / sum a; None when nothing happened (no calls to be wrong about)."""
    err = total = 0.0
    for a, p in zip(actual, predicted, strict=True):
        err += abs(a - p)
        total += a
    return err / total if total > 0 else None


def holdout(history: History, method: Method = "holt_winters", profile_weeks: int = 6) -> Accuracy:
    """Fit on all but the last week, forecast that week, compare."""
    if len(history.days) < MIN_DAYS:
        raise HistoryTooShort(f"{len(history.days)} whole days of history; at least {MIN_DAYS} are needed "
                              f"({MIN_FIT_DAYS} to fit, {HOLDOUT_DAYS} held out to measure the accuracy)")
    train, test = history.head(len(history.days) - HOLDOUT_DAYS), history.days[-HOLDOUT_DAYS:]
    fc = forecast(train, HOLDOUT_DAYS, method, profile_weeks)
    actual = [c for d in test for c in d.offered]
    predicted = [c for d in fc.days for c in d.calls]
    days = tuple(DayError(a.day.isoformat(), sum(a.offered), sum(f.calls), wape(a.offered, f.calls))
                 for a, f in zip(test, fc.days))
    return Accuracy(method, wape(actual, predicted), wape([d.actual for d in days], [d.forecast for d in days]),
                    _aht_wape(test, fc), noise_floor(predicted), days, fc)


def _aht_wape(test, fc: TrafficForecast) -> float | None:
    err = total = 0.0
    for day, f in zip(test, fc.days):
        for answered, handle, aht in zip(day.answered, day.handle_s, f.aht_s):
            if answered > 0 and aht is not None:
                err += abs(handle - answered * aht)
                total += handle
    return err / total if total > 0 else None


def noise_floor(rates: Iterable[float]) -> float | None:
    """Expected WAPE of the true rates against Poisson counts: sum E|N - lam| / sum lam."""
    err = total = 0.0
    for lam in rates:
        err += poisson_mad(lam)
        total += lam
    return err / total if total > 0 else None


def poisson_mad(lam: float) -> float:
    """E|N - lam| for N ~ Poisson(lam) = 2 lam^(m+1) e^-lam / m!, m = floor(lam) (exact)."""
    if lam <= 0:
        return 0.0
    m = math.floor(lam)
    return 2.0 * math.exp((m + 1) * math.log(lam) - lam - math.lgamma(m + 1))
