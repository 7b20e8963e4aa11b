"""The abandonment controller: how much marginal risk the predictive pacer may take, per day.

Theory of operation
-------------------
Definition (the one the live dialer records): an *abandoned* call is a live person (answered,
classified human, or any answer with AMD off) who got no agent within the 2 s safe harbour and
heard the safe-harbour message (attempt outcome ``dropped``). The day's abandonment rate is
``abandons / live connects``, where live connects = abandoned + connected to an agent
(outcomes ``dropped`` + ``human``); machines, busy, no-answer and failed dials are not in the
denominator. The cap (``Campaign.abandon_cap``, 3%) applies to every campaign day.

The pacer (``dialer.pacing``) dials the k-th extra line while its marginal abandonment risk is
at most theta. This controller sets theta from the day so far: A abandons out of L live connects.

1. Room. If the day ends after N more live connects, they may hold at most
   B = cap * (L + N) - A abandons. Abandons arrive roughly like a Poisson count (clustered a
   little, so with a margin of ``margin`` standard deviations, not 1.64), so the rate we may
   *aim* at for those N calls is the largest r with r*N + margin*sqrt(r*N) <= B, i.e.
   r*N = ((sqrt(margin^2 + 4B) - margin) / 2)^2. The aim is min(target, r), target being
   ``target_fraction`` x cap (0.97 by default: close to the cap). Early in the day and when the
   day has spent its budget r is small; after a calm stretch it is above the target.
   N is the pacer's estimate (``plan``) when it knows when the day's dialing ends: seconds left
   x the live connects per second it can expect (today's measured rate, at most what the agents
   can take). Otherwise ``horizon_calls``, or more once a previous day showed how many are still
   to come (a day that ends earlier than that is then at risk: say when the day ends).
2. Aim to theta. theta = k * aim / target. k is the calibration of "marginal risk" to realised
   rate; it is learned by a Robbins-Monro step per live call, log k += gain * (aim - abandoned),
   which settles where the realised rate equals the aim. Scaling by aim / target makes theta
   react at once when the room shrinks, while k changes slowly.
3. Hard stop. When less than one abandon is left in the day's budget (B < 1) theta is 0: the
   pacer dials progressively (which never abandons) until connects make room again. Not "the
   rate so far is at the cap": early in the day one abandon in 30 calls is 3%, and stopping then
   cost 20 agents up to an hour of progressive dialing a day; what must stay under the cap is
   the day's final rate, which the budget (with N still to come) is about. Near the end N -> 0
   and the rule becomes A + 1 > cap * L.

Nothing here knows the true answer rate: only what happened today, the schedule's end of the
day, and how many live connects the previous day had.
"""

from __future__ import annotations

import math


class AbandonController:
    """Sets the tolerated marginal abandonment risk from the day's measured abandonment."""

    def __init__(self, cap: float = 0.03, *, target_fraction: float = 0.97, horizon_calls: int = 200,
                 margin: float = 2.0, gain: float = 0.2, start: float | None = None,
                 floor: float = 1e-4, ceiling: float = 0.5) -> None:
        self.cap, self.target = cap, cap * target_fraction
        self.horizon_calls, self.margin = horizon_calls, margin
        self._log_k = math.log(start if start is not None else self.target)
        self._gain, self._bounds = gain, (math.log(floor), math.log(ceiling))
        self.abandons = self.live = 0
        self._previous_day_live = 0
        self._remaining: float | None = None

    def start_day(self) -> None:
        """A new campaign day: the cap counts from zero again; k (the calibration) is kept."""
        if self.live:
            self._previous_day_live = self.live
        self.abandons = self.live = 0
        self._remaining = None

    def plan(self, remaining_live: float | None) -> None:
        """How many more live connects the pacer expects today (None: it does not know)."""
        self._remaining = remaining_live

    def observe_live(self, abandoned: bool) -> None:
        """One live person was either connected to an agent or abandoned (safe harbour played)."""
        aim = self.aim
        self.abandons += int(abandoned)
        self.live += 1
        low, high = self._bounds
        self._log_k = min(high, max(low, self._log_k + self._gain * (aim - abandoned)))

    @property
    def day_rate(self) -> float:
        """Abandons / live connects today (0 before the first live connect)."""
        return self.abandons / self.live if self.live else 0.0

    @property
    def budget(self) -> float:
        """Abandons the day may still have: cap x (live so far + still to come) - abandons so far."""
        return self.cap * (self.live + self.horizon) - self.abandons

    @property
    def hard_stop(self) -> bool:
        """Less than one abandon left in the day's budget: dial progressively."""
        return self.budget < 1.0

    @property
    def horizon(self) -> float:
        """N: the live connects the day may still have: as planned, else at least ``horizon_calls``."""
        if self._remaining is not None:
            return max(1.0, self._remaining)
        return max(self.horizon_calls, self._previous_day_live - self.live)

    @property
    def room(self) -> float:
        """The rate the next N live connects may carry and still leave the day under the cap."""
        n, budget = self.horizon, self.budget
        if budget <= 0:
            return 0.0
        root = (math.sqrt(self.margin ** 2 + 4.0 * budget) - self.margin) / 2.0
        return root * root / n

    @property
    def aim(self) -> float:
        return min(self.target, self.room)

    @property
    def aggressiveness(self) -> float:
        """theta: the largest abandonment risk one more dialed line may carry (0 at the cap)."""
        if self.hard_stop:
            return 0.0
        return math.exp(self._log_k) * self.aim / self.target
