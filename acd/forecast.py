"""Calls and handle time per interval for the coming days, from whole days of one queue's history.

Theory of operation
-------------------
A planner needs, for every 15-minute interval of next week, how many calls will come and how
long each will take. Volume has two seasonalities that behave differently: *which day* (Monday
vs Sunday, plus the level and trend of recent weeks) and *when in the day* (the intraday curve,
stable for a given weekday and insensitive to the level). So we split them:

1. *Daily totals*: Holt-Winters on the series of day totals, weekly multiplicative season,
   damped additive trend (`acd.holt_winters`). It tracks level and trend without needing a
   trend for every one of the 672 weekday x interval cells.
2. *Intraday profile per weekday*: the share of that weekday's calls falling in each interval,
   pooled over the last `profile_weeks` such days, then smoothed with a [1/4, 1/2, 1/4] kernel
   over neighbouring intervals (an arrival curve does not jump every 15 minutes; the noise of a
   cell with ~60 calls in six weeks does). Measured on synthetic history (5 seeds, 8 weeks,
   error of the interval rates against the truth): 6.0 % -> 4.1 % WAPE at ~1200 calls a day,
   11.6 % -> 7.3 % at ~300. Slots without calls stay empty, so opening hours keep sharp edges.
3. *Calls per interval* = forecast day total x that weekday's share.
4. *AHT per interval of the day*: handle seconds / answered calls in that interval over the
   profile weeks, every weekday pooled, shrunk towards those weeks' AHT with the weight of
   `AHT_PRIOR_CALLS` calls. Handle times are noisy (their spread is about their mean), so a
   weekday x interval cell with ~60 calls in six weeks is ~13 % off; pooling the weekdays
   (handle time follows the time of day, who calls when, far more than the weekday) divides
   that by ~2.4 and the prior keeps a quiet night interval from swinging on three calls.

The alternative `seasonal_average` (each weekday x interval cell = mean of its last
`profile_weeks` values) is kept as the baseline: it has no trend, so it lags a growing or
shrinking centre by ~`profile_weeks`/2 weeks. bench/forecast_accuracy.py measures both; the
figures are in docs/forecasting.md.

Days are local calendar days (the shell converts timestamps to the centre's time zone first);
slot k of a day starts k x `slot_min` minutes after local midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from acd.holt_winters import PERIOD, Smoothing, fit_daily

Method = Literal["holt_winters", "seasonal_average"]
METHODS: tuple[Method, ...] = ("holt_winters", "seasonal_average")
MIN_FIT_DAYS = 2 * PERIOD  # Holt-Winters starts from two whole weeks
AHT_PRIOR_CALLS = 10.0


@dataclass(frozen=True)
class DaySeries:
    """One local day of one queue: per slot offered calls, answered calls and handle seconds."""

    day: date
    offered: tuple[float, ...]
    answered: tuple[float, ...]
    handle_s: tuple[float, ...]  # talk + wrap-up of the answered calls


@dataclass(frozen=True)
class History:
    """Consecutive whole days (no gaps; a closed day is a day of zeros)."""

    days: tuple[DaySeries, ...]
    slot_min: int = 15

    def __post_init__(self) -> None:
        for a, b in zip(self.days, self.days[1:]):
            if b.day - a.day != timedelta(days=1):
                raise ValueError(f"history days must be consecutive: {a.day} then {b.day}")

    @property
    def slots(self) -> int:
        return 24 * 60 // self.slot_min

    def head(self, n: int) -> History:
        return History(self.days[:n], self.slot_min)


@dataclass(frozen=True)
class DayForecast:
    day: date
    calls: tuple[float, ...]  # expected offered calls per slot
    aht_s: tuple[float | None, ...]  # None when the history has no answered call at all


@dataclass(frozen=True)
class TrafficForecast:
    method: Method
    slot_min: int
    days: tuple[DayForecast, ...]
    smoothing: Smoothing | None = None  # the Holt-Winters constants chosen, if that method


class HistoryTooShort(ValueError):
    error_id = "forecast_history_too_short"


def forecast(history: History, horizon_days: int, method: Method = "holt_winters",
             profile_weeks: int = 6) -> TrafficForecast:
    """Calls and AHT per slot for the `horizon_days` days after the history."""
    if len(history.days) < MIN_FIT_DAYS:
        raise HistoryTooShort(f"{len(history.days)} whole days of history; the forecast needs at least "
                              f"{MIN_FIT_DAYS} (two weeks to learn the weekly pattern)")
    last = history.days[-1].day
    future = [last + timedelta(days=d) for d in range(1, horizon_days + 1)]
    aht = aht_profile(history, profile_weeks)
    if method == "seasonal_average":
        calls = [cell_means(history, d.weekday(), profile_weeks) for d in future]
        return TrafficForecast(method, history.slot_min, _days(future, calls, aht))
    fitted = fit_daily([sum(d.offered) for d in history.days])
    totals = fitted.predict(horizon_days)
    calls = [[t * s for s in share_profile(history, d.weekday(), profile_weeks)] for d, t in zip(future, totals)]
    return TrafficForecast(method, history.slot_min, _days(future, calls, aht), fitted.params)


def _days(future: list[date], calls: list[list[float]], aht: list[float | None]) -> tuple[DayForecast, ...]:
    return tuple(DayForecast(d, tuple(c), tuple(aht)) for d, c in zip(future, calls))


def same_weekday(history: History, weekday: int, weeks: int) -> list[DaySeries]:
    """The last `weeks` days of `history` falling on `weekday` (0 = Monday)."""
    return [d for d in history.days if d.day.weekday() == weekday][-weeks:]


def share_profile(history: History, weekday: int, weeks: int) -> list[float]:
    """Share of the weekday's calls per slot (sums to 1, or all zeros for a closed weekday)."""
    sums = _smooth(_column_sums([d.offered for d in same_weekday(history, weekday, weeks)], history.slots))
    total = sum(sums)
    return [s / total if total > 0 else 0.0 for s in sums]


def _smooth(cells: list[float]) -> list[float]:
    """A [1/4, 1/2, 1/4] kernel over neighbouring slots; a slot without calls stays empty unless
    both neighbours had calls (opening and closing edges stay sharp)."""
    n = len(cells)
    out = [0.25 * cells[max(k - 1, 0)] + 0.5 * cells[k] + 0.25 * cells[min(k + 1, n - 1)] for k in range(n)]
    return [o if cells[k] > 0 or (0 < k < n - 1 and cells[k - 1] > 0 and cells[k + 1] > 0) else 0.0
            for k, o in enumerate(out)]


def cell_means(history: History, weekday: int, weeks: int) -> list[float]:
    days = same_weekday(history, weekday, weeks)
    return [s / max(1, len(days)) for s in _column_sums([d.offered for d in days], history.slots)]


def aht_profile(history: History, weeks: int) -> list[float | None]:
    """AHT per slot of the day over the last `weeks` weeks (all weekdays pooled), shrunk towards
    the AHT of those weeks (else of the whole history)."""
    days = history.days[-weeks * PERIOD:]
    handle = _column_sums([d.handle_s for d in days], history.slots)
    answered = _column_sums([d.answered for d in days], history.slots)
    prior = _ratio(sum(handle), sum(answered)) or _overall_aht(history)
    if prior is None:
        return [None] * history.slots
    return [(h + AHT_PRIOR_CALLS * prior) / (a + AHT_PRIOR_CALLS) for h, a in zip(handle, answered)]


def _overall_aht(history: History) -> float | None:
    return _ratio(sum(sum(d.handle_s) for d in history.days), sum(sum(d.answered) for d in history.days))


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _column_sums(rows: Sequence[Sequence[float]], width: int) -> list[float]:
    sums = [0.0] * width
    for row in rows:
        for k, v in enumerate(row):
            sums[k] += v
    return sums
