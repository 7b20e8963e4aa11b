"""Live queue statistics: outcome counters, sliding windows and the handle-time average.

Service level over a window (percent)::

    SL = answered within sl_seconds / (answered + abandoned after sl_seconds + timed out)

Callers who hang up within the threshold are left out (they gave the queue no fair chance);
callers who reached max wait count as failures, like late abandons. Callers who left on
purpose for another reason (e.g. booked a callback) are counted under their own reason only.
ASA is the mean wait of answered calls; the abandonment rate is abandoned / (answered +
abandoned + timed out), in percent. Every measure is None when its window has no data.

Each queue keeps a deque of its last hour of outcomes (bounded by ``maxlen`` as well), so a
stats query is O(outcomes in the last hour) and each event O(1).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

WINDOWS_MIN: tuple[int, ...] = (15, 30, 60)
AHT_DEFAULT_S = 180.0
AHT_ALPHA = 0.2  # weight of the newest handle time in the moving average

OFFERED, ANSWERED, ABANDONED, TIMED_OUT = "offered", "answered", "abandoned", "timed_out"


@dataclass(frozen=True)
class WindowStats:
    minutes: int
    offered: int
    answered: int
    answered_in_sl: int
    abandoned: int
    abandoned_after_sl: int
    timed_out: int
    service_level: float | None  # percent
    asa_s: float | None
    abandonment_rate: float | None  # percent


@dataclass(frozen=True)
class QueueStats:
    queue: str
    at: float
    waiting: int
    reserved: int  # tasks ringing an agent
    longest_wait_s: float  # among waiting and ringing tasks
    agents: dict[str, int]  # AgentState value -> qualifying agents (base requirements) in it
    staffed: int  # qualifying agents logged in
    offered: int  # since start; tasks refused at the door are in ``rejected`` only
    answered: int
    abandoned: int
    timed_out: int
    rejected: int
    sl_target_percent: float
    sl_target_seconds: float
    windows: dict[int, WindowStats]  # by minutes: 15, 30, 60
    aht_s: float
    ewt_s: float  # for a call arriving now

    @property
    def service_level(self) -> dict[int, float | None]:
        return {m: w.service_level for m, w in self.windows.items()}

    @property
    def asa_s(self) -> float | None:
        return self.windows[max(self.windows)].asa_s

    @property
    def abandonment_rate(self) -> float | None:
        return self.windows[max(self.windows)].abandonment_rate


class QueueMetrics:
    """Outcomes of one queue since start, the last hour of them, and the live AHT."""

    def __init__(self, maxlen: int = 200_000) -> None:
        self.totals: dict[str, int] = {}
        self.rejected = 0
        self.recent: deque[tuple[float, str, float]] = deque(maxlen=maxlen)
        self.aht_s = AHT_DEFAULT_S
        self.aht_samples = 0

    def record(self, kind: str, at: float, wait_s: float = 0.0) -> None:
        self.totals[kind] = self.totals.get(kind, 0) + 1
        self.recent.append((at, kind, wait_s))
        horizon = at - 60 * max(WINDOWS_MIN)
        while self.recent and self.recent[0][0] < horizon:
            self.recent.popleft()

    def handled(self, handle_s: float) -> None:
        """One finished call's talk + wrap-up time; the first sample replaces the default."""
        self.aht_s = handle_s if not self.aht_samples else (
            AHT_ALPHA * handle_s + (1 - AHT_ALPHA) * self.aht_s)
        self.aht_samples += 1

    def window(self, minutes: int, now: float, sl_seconds: float) -> WindowStats:
        since = now - 60 * minutes
        n = dict.fromkeys((OFFERED, ANSWERED, ABANDONED, TIMED_OUT), 0)
        in_sl = late_abandons = 0
        waited = 0.0
        for at, kind, wait_s in self.recent:
            if at < since or kind not in n:
                continue
            n[kind] += 1
            if kind == ANSWERED:
                waited += wait_s
                in_sl += wait_s <= sl_seconds
            elif kind == ABANDONED:
                late_abandons += wait_s > sl_seconds
        finished = n[ANSWERED] + n[ABANDONED] + n[TIMED_OUT]
        sl_base = n[ANSWERED] + late_abandons + n[TIMED_OUT]
        return WindowStats(
            minutes, n[OFFERED], n[ANSWERED], in_sl, n[ABANDONED], late_abandons, n[TIMED_OUT],
            service_level=100.0 * in_sl / sl_base if sl_base else None,
            asa_s=waited / n[ANSWERED] if n[ANSWERED] else None,
            abandonment_rate=100.0 * n[ABANDONED] / finished if finished else None)
