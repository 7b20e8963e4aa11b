"""PNG charts of the planning commands, as a workforce planner reads them.

- forecast: per queue, daily totals (history, the held-out week's forecast against what
  happened, the coming days) above the 15-minute curve of the held-out week (actual vs
  forecast) and of the coming days;
- staffing: per queue, agents required vs scheduled per interval as step lines over the
  forecast days, shortage shaded red, surplus shaded green, one band per day.
matplotlib is optional (`pip install hotline[reports]`); without it `MissingChartLibrary` says so.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from cti.reports.chart import MissingChartLibrary
from cti.reports.planning import QueuePlan, StaffingRow

ACTUAL, HELD_OUT, FORECAST = "#555555", "#e45756", "#4c78a8"


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingChartLibrary("--format png needs matplotlib: pip install 'hotline[reports]'") from None
    return plt


def forecast_png(path: Path, plans: list[QueuePlan]) -> None:
    plt = _pyplot()
    fig, axes = plt.subplots(2 * len(plans), 1, figsize=(13, 6.2 * len(plans)), squeeze=False)
    for i, p in enumerate(plans):
        _daily(axes[2 * i][0], p)
        _intraday(axes[2 * i + 1][0], p)
    _save(fig, path, plt)


def _daily(ax: Any, p: QueuePlan) -> None:
    hist = p.history.days
    ax.plot([d.day for d in hist], [sum(d.offered) for d in hist], color=ACTUAL, marker=".", label="actual")
    if p.accuracy is not None:
        fc = p.accuracy.forecast.days
        ax.plot([d.day for d in fc], [sum(d.calls) for d in fc], color=HELD_OUT, marker="o", linestyle="--",
                label=f"forecast of the held-out week (WAPE per day {100 * (p.accuracy.wape_day or 0):.1f}%)")
        ax.axvspan(fc[0].day, fc[-1].day + timedelta(days=1), color=HELD_OUT, alpha=0.06)
    days = p.forecast.days
    ax.plot([d.day for d in days], [sum(d.calls) for d in days], color=FORECAST, marker="o", label="forecast")
    ax.axvspan(days[0].day, days[-1].day + timedelta(days=1), color=FORECAST, alpha=0.06)
    ax.set_ylabel("calls per day")
    _headroom(ax)
    ax.set_title(f"Queue {p.queue}: calls per day — history, held-out week, forecast")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)


def _intraday(ax: Any, p: QueuePlan) -> None:
    step = timedelta(minutes=p.forecast.slot_min)

    def stamps(day) -> list[datetime]:
        return [datetime.combine(day, time(0)) + k * step for k in range(len(p.forecast.days[0].calls))]

    if p.accuracy is not None:
        held = p.history.days[-len(p.accuracy.days):]
        ax.plot([t for d in held for t in stamps(d.day)], [c for d in held for c in d.offered], color=ACTUAL,
                linewidth=0.8, label="actual")
        ax.plot([t for d in p.accuracy.forecast.days for t in stamps(d.day)],
                [c for d in p.accuracy.forecast.days for c in d.calls], color=HELD_OUT, linewidth=1.2,
                label=f"forecast of the held-out week (WAPE per 15 min {100 * (p.accuracy.wape_interval or 0):.1f}%)")
    ax.plot([t for d in p.forecast.days for t in stamps(d.day)], [c for d in p.forecast.days for c in d.calls],
            color=FORECAST, linewidth=1.2, label="forecast")
    _day_ticks(ax, [d.day for d in (p.history.days[-7:] if p.accuracy else ())] + [d.day for d in p.forecast.days])
    ax.set_ylabel(f"calls per {p.forecast.slot_min} min")
    _headroom(ax)
    ax.set_title(f"Queue {p.queue}: calls per {p.forecast.slot_min} min — held-out week and forecast")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)


def _headroom(ax: Any) -> None:
    """Start at zero and leave the top quarter free for the legend."""
    ax.set_ylim(0, max(1.0, ax.get_ylim()[1]) * 1.4)


def _day_ticks(ax: Any, days: list) -> None:
    starts = [datetime.combine(d, time(0)) for d in days]
    ax.set_xticks(starts, [d.strftime("%a\n%m-%d") for d in days], fontsize="small")
    ax.set_xlim(starts[0], starts[-1] + timedelta(days=1))


def staffing_png(path: Path, plans: list[QueuePlan], rows: dict[str, list[StaffingRow]]) -> None:
    plt = _pyplot()
    fig, axes = plt.subplots(len(plans), 1, figsize=(13, 4.2 * len(plans)), squeeze=False)
    for i, p in enumerate(plans):
        _staffing(axes[i][0], p, rows[p.queue])
    _save(fig, path, plt)


def _staffing(ax: Any, p: QueuePlan, rows: list[StaffingRow]) -> None:
    step = timedelta(minutes=p.forecast.slot_min)
    x = [r.start for r in rows] + [rows[-1].start + step]
    required = [r.need.required for r in rows]
    ax.stairs(required, x, color="black", linewidth=1.6, label="required (Erlang, occupancy cap, shrinkage)")
    ax.stairs([r.need.agents for r in rows], x, color="#888888", linewidth=0.9, linestyle=":",
              label="on the phones (before shrinkage)")
    if rows[0].scheduled is not None:
        ax.stairs([r.scheduled for r in rows], x, color=FORECAST, linewidth=1.6, label="scheduled (shifts)")
        _gap_bars(ax, rows, step)
    _day_ticks(ax, [d.day for d in p.forecast.days])
    ax.set_ylabel(f"agents per {p.forecast.slot_min} min")
    _headroom(ax)
    ax.set_title(f"Queue {p.queue}: agents required vs scheduled")
    ax.legend(loc="upper right", fontsize="small", ncols=2)
    ax.grid(alpha=0.3)


def _gap_bars(ax: Any, rows: list[StaffingRow], step: timedelta) -> None:
    """Shade each interval between the two step lines: red where short, green where over."""
    width = step / timedelta(days=1)  # matplotlib's date unit is the day
    for short, color, label in ((True, HELD_OUT, "short"), (False, "#54a24b", "surplus")):
        gaps = [r for r in rows if (r.scheduled < r.need.required if short else r.scheduled > r.need.required)]
        ax.bar([r.start for r in gaps], [abs(r.need.required - r.scheduled) for r in gaps], width=width,
               bottom=[min(r.scheduled, r.need.required) for r in gaps], align="edge", color=color,
               alpha=0.4 if short else 0.15, linewidth=0, label=label)


def _save(fig: Any, path: Path, plt: Any) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
