"""KPI arithmetic on counts and sums the database aggregated (pure; no SQL, no I/O).

Definitions (ratios are fractions 0..1; `None` when the denominator is 0):
- short abandon:     a caller who hung up after waiting <= short_abandon_s. Counted in `offered`
                     and `abandoned`, but left out of service level and abandonment rate: such
                     callers (misdials, instant regret) say nothing about staffing.
- service_level:     answered within sl_seconds / (answered + abandoned after sl_seconds).
- abandonment_rate:  (abandoned - short_abandons) / (offered - short_abandons).
- asa_s:             mean wait of answered calls.
- aht_s:             (talk + wrap-up) / answered calls.
- occupancy:         (talk + wrap-up) / (logged-in - paused)      (busy share of available time).
- utilisation:       (talk + wrap-up) / logged-in                 (busy share of paid time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RATIO_DIGITS = 4
SECONDS_DIGITS = 1


def ratio(num: float | None, den: float | None) -> float | None:
    if not den or num is None:
        return None
    return round(num / den, RATIO_DIGITS)


def secs(value: float | None) -> float | None:
    return None if value is None else round(float(value), SECONDS_DIGITS)


def traffic(c: Mapping[str, Any]) -> dict[str, Any]:
    """Counts of one queue or interval -> the volume and service KPIs."""
    offered, answered = int(c["offered"] or 0), int(c["answered"] or 0)
    abandoned, short = int(c["abandoned"] or 0), int(c["short_abandons"] or 0)
    late = int(c["late_abandons"] or 0)
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "short_abandons": short,
        "service_level": ratio(c["answered_in_sl"] or 0, answered + late),
        "abandonment_rate": ratio(abandoned - short, offered - short),
        "asa_s": secs(c["wait_sum"] / answered) if answered and c["wait_sum"] is not None else None,
    }


def queue_kpis(c: Mapping[str, Any], wrapup_s: float) -> dict[str, Any]:
    row = {"queue": c["queue"], **traffic(c)}
    answered = row["answered"]
    handle = float(c["talk_sum"] or 0) + wrapup_s
    row["aht_s"] = secs(handle / answered) if answered else None
    row["max_wait_s"] = secs(c["max_wait"])
    row["talk_s"] = secs(float(c["talk_sum"] or 0))
    row["wrapup_s"] = secs(wrapup_s)
    return row


def agent_kpis(agent: str, calls: int, by_state: Mapping[str, float], pauses: Mapping[str, float]) -> dict[str, Any]:
    """`by_state`: seconds per agent state within the period; `pauses`: paused seconds per reason."""
    talk, wrap = by_state.get("on_call", 0.0), by_state.get("wrap_up", 0.0)
    logged_in = sum(s for state, s in by_state.items() if state != "logged_out")
    paused = by_state.get("paused", 0.0)
    return {
        "agent": agent,
        "calls": calls,
        "talk_s": secs(talk),
        "wrapup_s": secs(wrap),
        "logged_in_s": secs(logged_in),
        "paused_s": secs(paused),
        "occupancy": ratio(talk + wrap, logged_in - paused),
        "utilisation": ratio(talk + wrap, logged_in),
        "aht_s": secs((talk + wrap) / calls) if calls else None,
        "pause_s": {reason: secs(s) for reason, s in sorted(pauses.items())},
    }


def share_without_repeat(calls: int, repeats: int) -> float | None:
    return ratio(calls - repeats, calls)
