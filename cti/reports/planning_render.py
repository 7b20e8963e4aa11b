"""Text outputs of `hotline forecast` and `hotline staffing`: a weekly grid (table), long rows (csv, json).

The table is what a planner pins up: one column per forecast day, one row per 15 minutes, only
the rows where some day has traffic (night hours of a day-time centre are left out).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from cti.reports.planning import QueuePlan, StaffingRow


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def accuracy_line(p: QueuePlan) -> str:
    a = p.accuracy
    if a is None:
        return "accuracy: history too short for a held-out week (needs 21 days)"
    first, last = a.days[0].day, a.days[-1].day
    return (f"held-out week {first} .. {last}: WAPE per interval {_pct(a.wape_interval)} "
            f"(Poisson floor {_pct(a.noise_floor)}), per day {_pct(a.wape_day)}, AHT {_pct(a.wape_aht)}")


def header(p: QueuePlan) -> str:
    s = p.forecast.smoothing
    how = (f"Holt-Winters (alpha {s.alpha:g}, beta {s.beta:g}, gamma {s.gamma:g}, phi {s.phi:g}) x weekday profile"
           if s else "seasonal average of 6 weeks")
    h = p.history.days
    patience = "-" if p.patience_s is None else f"{p.patience_s:.0f} s"
    return (f"Queue {p.queue}: {how}; history {h[0].day} .. {h[-1].day} ({len(h)} days), "
            f"mean patience {patience}")


def _grid(p: QueuePlan, cell: Callable[[int, int], str], busy: Callable[[int, int], bool]) -> list[str]:
    days = p.forecast.days
    head = "time  " + "".join(f"{d.day.strftime('%a %m-%d'):>11}" for d in days)
    lines = [head]
    for k in range(len(days[0].calls)):
        if any(busy(i, k) for i in range(len(days))):
            hhmm = f"{k * p.forecast.slot_min // 60:02d}:{k * p.forecast.slot_min % 60:02d}"
            lines.append(f"{hhmm} " + "".join(f"{cell(i, k):>11}" for i in range(len(days))))
    return lines


def forecast_table(plans: Sequence[QueuePlan]) -> str:
    out = []
    for p in plans:
        days = p.forecast.days
        grid = _grid(p, lambda i, k: f"{days[i].calls[k]:.1f}", lambda i, k: days[i].calls[k] >= 0.05)
        totals = "total " + "".join(f"{sum(d.calls):>11.0f}" for d in days)
        aht = "AHT s " + "".join(f"{_mean_aht(d):>11}" for d in days)
        out += [header(p), accuracy_line(p), "calls per 15 min:", *grid, totals, aht, ""]
    return "\n".join(out)


def _mean_aht(day) -> str:
    weight = sum(day.calls)
    if weight <= 0:
        return "-"
    return f"{sum(c * (a or 0) for c, a in zip(day.calls, day.aht_s)) / weight:.0f}"


def forecast_records(plans: Sequence[QueuePlan]) -> list[dict[str, Any]]:
    return [{"queue": p.queue, "start": _stamp(d.day, k * p.forecast.slot_min),
             "calls": round(c, 3), "aht_s": None if a is None else round(a, 1)}
            for p in plans for d in p.forecast.days for k, (c, a) in enumerate(zip(d.calls, d.aht_s))]


def _stamp(day, minutes: int) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}"


def forecast_json(plans: Sequence[QueuePlan]) -> str:
    queues = [{"queue": p.queue, "method": p.forecast.method, "history_days": len(p.history.days),
               "patience_s": p.patience_s, "accuracy": _accuracy_dict(p)} for p in plans]
    return json.dumps({"queues": queues, "intervals": forecast_records(plans)}, indent=1)


def _accuracy_dict(p: QueuePlan) -> dict[str, Any] | None:
    a = p.accuracy
    if a is None:
        return None
    return {"wape_interval": a.wape_interval, "wape_day": a.wape_day, "wape_aht": a.wape_aht,
            "noise_floor": a.noise_floor,
            "days": [{"day": d.day, "actual": d.actual, "forecast": round(d.forecast, 1),
                      "wape_interval": d.wape_interval} for d in a.days]}


def to_csv(records: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if records:
        writer = csv.DictWriter(buf, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    return buf.getvalue()


# ---------------------------------------------------------------- staffing


def staffing_records(rows: Sequence[StaffingRow]) -> list[dict[str, Any]]:
    def rnd(x: float | None, n: int = 3) -> float | None:
        return None if x is None else round(x, n)

    return [{"queue": r.queue, "start": r.start.isoformat(timespec="minutes"), "calls": rnd(r.need.calls),
             "aht_s": rnd(r.need.aht_s, 1), "load_erlangs": rnd(r.need.load_erlangs), "agents": r.need.agents,
             "required": r.need.required, "scheduled": rnd(r.scheduled, 2),
             "gap": None if r.scheduled is None else rnd(r.scheduled - r.need.required, 2),
             "service_level": rnd(r.need.service_level), "asa_s": rnd(r.need.asa_s, 1),
             "occupancy": rnd(r.need.occupancy), "p_abandon": rnd(r.need.p_abandon), "bound": r.need.bound}
            for r in rows]


def staffing_summary(queue: str, rows: Sequence[StaffingRow], slot_min: int = 15) -> dict[str, Any]:
    hours = slot_min / 60
    required = sum(r.need.required for r in rows) * hours
    out: dict[str, Any] = {"queue": queue, "required_agent_hours": round(required, 1),
                           "peak_required": max((r.need.required for r in rows), default=0)}
    if rows and rows[0].scheduled is not None:
        short = [r for r in rows if r.scheduled + 1e-9 < r.need.required]
        out.update(scheduled_agent_hours=round(sum(r.scheduled for r in rows) * hours, 1),
                   short_intervals=len(short),
                   short_agent_hours=round(sum(r.need.required - r.scheduled for r in short) * hours, 1))
    return out


def staffing_table(plans: Sequence[QueuePlan], rows: dict[str, list[StaffingRow]], targets: dict[str, str]) -> str:
    out = []
    for p in plans:
        rs = rows[p.queue]
        per_day = len(p.forecast.days[0].calls)
        grid = _grid(p, lambda i, k: _cell(rs[i * per_day + k]), lambda i, k: rs[i * per_day + k].need.required > 0
                     or bool(rs[i * per_day + k].scheduled))
        summary = "  ".join(f"{k} {v}" for k, v in staffing_summary(p.queue, rs).items() if k != "queue")
        legend = "agents required" + ("/scheduled per 15 min, ! = short" if rs[0].scheduled is not None
                                      else " per 15 min (shrinkage included)")
        out += [header(p), f"target: {targets[p.queue]}", f"{legend}:", *grid, summary, ""]
    return "\n".join(out)


def _cell(r: StaffingRow) -> str:
    if r.scheduled is None:
        return str(r.need.required)
    mark = "!" if r.scheduled + 1e-9 < r.need.required else " "
    return f"{r.need.required}/{r.scheduled:g}{mark}"
