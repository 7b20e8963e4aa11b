"""The forecast recovers a known weekday x interval seasonality with trend from noisy history.

The history comes from tests/support/synthetic_history.py: Poisson calls around a known truth
(weekday factors 1.25 .. 0.45 and a closed Sunday, two intraday humps, +2 %/week growth, AHT
240 s with a +-20 % intraday swing). Stated errors, against the TRUE rates of the forecast week
(not against the noisy counts): day totals within 4 % WAPE, intervals within 6 % WAPE, AHT
within 5 %. Against the noisy counts of a held-out week the interval WAPE can only approach the
Poisson noise floor; we require it within 2 points of it and print the figures.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from acd.forecast import DaySeries, History, HistoryTooShort, forecast
from acd.forecast_accuracy import holdout, noise_floor, poisson_mad, wape
from acd.holt_winters import Smoothing, fit_daily, run
from tests.support.synthetic_history import Truth, synthetic_history

TRUTH = Truth()


def true_rates(fc) -> list[float]:
    return [r for d in fc.days for r in TRUTH.rates(d.day)]


def forecast_rates(fc) -> list[float]:
    return [c for d in fc.days for c in d.calls]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_eight_weeks_of_history_give_next_week_within_stated_error_of_the_truth(seed):
    fc = forecast(synthetic_history(56, seed=seed), 7)
    assert [d.day for d in fc.days] == [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]
    day_totals = [sum(d.calls) for d in fc.days]
    assert wape([TRUTH.day_total(d.day) for d in fc.days], day_totals) < 0.04
    assert wape(true_rates(fc), forecast_rates(fc)) < 0.06
    monday = fc.days[0]
    busy = [k for k in range(96) if TRUTH.rates(monday.day)[k] > 5]
    aht_errors = [abs(monday.aht_s[k] - TRUTH.aht(k)) / TRUTH.aht(k) for k in busy]
    assert sum(aht_errors) / len(aht_errors) < 0.05


def test_the_growth_trend_is_carried_into_the_forecast():
    # +2 %/week: week 9's Monday is ~1.5 % above week 8's; seasonal averages of 6 weeks lag ~6 %
    history = synthetic_history(56, Truth(growth_per_week=0.05), seed=4)
    hw, avg = forecast(history, 7), forecast(history, 7, "seasonal_average")
    truth = Truth(growth_per_week=0.05)
    target = [truth.day_total(d.day) for d in hw.days]
    assert wape(target, [sum(d.calls) for d in hw.days]) < 0.04
    assert wape(target, [sum(d.calls) for d in avg.days]) > 0.08  # the baseline without trend lags


def test_a_closed_weekday_is_forecast_closed():
    fc = forecast(synthetic_history(35), 7)
    sunday = next(d for d in fc.days if d.day.weekday() == 6)
    assert sum(sunday.calls) == 0.0
    saturday = next(d for d in fc.days if d.day.weekday() == 5)
    assert sum(saturday.calls[:36]) == 0.0 and sum(saturday.calls[36:68]) > 0  # opens 09:00


def test_held_out_week_accuracy_is_printed_and_near_the_poisson_floor(capsys):
    acc = holdout(synthetic_history(63, seed=5))
    with capsys.disabled():
        print(f"\nheld-out week: interval WAPE {acc.wape_interval:.1%} (Poisson floor {acc.noise_floor:.1%}), "
              f"day WAPE {acc.wape_day:.1%}, AHT WAPE {acc.wape_aht:.1%}")
    assert acc.wape_interval < acc.noise_floor + 0.02
    assert acc.wape_day < 0.04
    assert len(acc.days) == 7 and acc.days[-1].day == "2026-03-08"


def test_history_shorter_than_two_weeks_is_refused_with_what_is_needed():
    with pytest.raises(HistoryTooShort, match="13 whole days.*at least 14"):
        forecast(synthetic_history(13), 7)
    with pytest.raises(HistoryTooShort, match="20 whole days.*at least 21"):
        holdout(synthetic_history(20))


def test_history_days_must_be_consecutive():
    a = DaySeries(date(2026, 1, 5), (1.0,), (1.0,), (60.0,))
    b = DaySeries(date(2026, 1, 7), (1.0,), (1.0,), (60.0,))
    with pytest.raises(ValueError, match="consecutive"):
        History((a, b), slot_min=1440)


def test_holt_winters_reproduces_a_noiseless_seasonal_series_with_linear_trend():
    season = [1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.2]
    series = [(100 + 2 * t) * season[t % 7] for t in range(42)]
    fitted = fit_daily(series)
    expected = [(100 + 2 * t) * season[t % 7] for t in range(42, 49)]
    assert fitted.predict(7) == pytest.approx(expected, rel=0.02)


def test_holt_winters_errors_grow_when_the_constants_are_bad():
    series = [sum(d.offered) for d in synthetic_history(42).days]
    best = fit_daily(series)
    assert best.sse <= run(series, Smoothing(0.5, 0.15, 0.35, 0.9)).sse


def test_poisson_mean_absolute_deviation_is_exact():
    # lam = 1: E|N - 1| = P(N=0)·1 + sum_{k>=2} (k-1) P(k) = 2/e
    assert poisson_mad(1.0) == pytest.approx(2 / 2.718281828459045)
    assert poisson_mad(0.0) == 0.0
    assert noise_floor([0.0, 0.0]) is None
    assert wape([0, 0], [1, 2]) is None
