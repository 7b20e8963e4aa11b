"""Pacing: how many new lines to dial now. Pure: ``lines_to_dial(state, now) -> int``.

Theory of operation
-------------------
Preview: an agent accepts a lead on screen, then it is dialed: one line per accepted preview.
Progressive: one line per ready agent not already covered by a call in progress (ringing, in
AMD, or a live person waiting for an agent). It can never abandon anyone, and it leaves agents
idle for a whole ring time plus ~1/q failed attempts (q = chance a dial yields a live person).

Predictive dials ahead for agents who are not free yet. VICIdial's adaptive pacing keeps one
number, the dial level (lines per active agent), and nudges it every few seconds by comparing
the day's drop percentage with its target. That ignores WHO is about to be free (an agent 2 s into
wrap-up and one 5 s into a 10-minute call count alike) and, as a ratio of averages, it overshoots
with few agents, where one extra line is a large share. Erlang-style models (e.g. Samuelson,
"Call-center management: predictive dialing", Interfaces 1999; Korolev's stochastic pacing)
instead forecast agent availability and call outcomes from distributions. We do the latter, per
call and per agent, and close the loop on the measured abandonment:

1. Forecast (``dialer.model``). A call dialed now becomes a live person, if it does, at a time
   spread like ring time R + classification A; it needs an agent within the 2 s safe harbor S.
   At three quantiles of R we add up, as independent Bernoulli chances, the agents that will be
   free by then (ready now, wrap-up ending, calls ending: by each agent's elapsed talk time on the
   measured talk-time survival curve) = supply F, and the live people that will want them first
   (people already waiting, calls in AMD, each ringing call by its age) = demand D.
2. Marginal risk. The k-th new call is abandoned if it is live and finds F - D - (other new
   calls landing earlier) <= 0 agents; with a normal approximation of that difference,
   risk(k) = Phi((0.5 - mean) / sd), averaged over when the call lands (the balance is
   interpolated between the three quantiles and integrated over the whole ring-time spread, so
   the late landers that meet every earlier call count too). Dialing the k-th call
   is worth it while risk(k) <= theta: maximising connects subject to an abandonment budget
   makes theta a Lagrange multiplier, the price of one abandon in connects.
3. Control (``dialer.abandon.AbandonController``). theta is not guessed: it is set from the
   day's measured abandonment (abandons / live connects since the campaign day began). The
   controller aims at a rate close to the cap (97% by default), lowers the aim as the day's
   remaining budget shrinks so that the day ends at or under the cap, learns the calibration of
   theta to realised abandonment online, and returns theta = 0 (dial progressively) while the
   day's rate is at the cap. See that module for the arithmetic.

Why it does better: risk is computed with variances, so five agents get few extra lines
automatically (the variance of F - D is large relative to its mean) and 100 agents get many;
the controller only calibrates the model. (It is needed: realised abandonment runs 2-3x theta in
the simulator, as calls dialed in the next seconds, which may land first, are not in the
forecast.) Predictive never dials below progressive. ``dialer.window`` sizes the whole batch
instead (expected overflow over the answer window, a newsvendor rule); measured side by side it
reaches the same frontier, not a better one, so this rule is the one ``make_pacer`` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from dialer.abandon import AbandonController
from dialer.model import PacingModel, build_model
from dialer.stats import PacingStats

_VAR_FLOOR = 0.05
_BUSY, _SETTLE_S = 0.85, 900.0


@dataclass(frozen=True, slots=True)
class PacingState:
    """A snapshot of one campaign's agents and calls; times in seconds, ``stats`` measured so far."""

    agents_ready: int
    wrapup_remaining_s: tuple[float, ...] = ()
    talk_elapsed_s: tuple[float, ...] = ()
    ringing_age_s: tuple[float, ...] = ()
    in_amd: int = 0
    live_waiting: int = 0
    previews_accepted: int = 0
    max_lines: int | None = None
    stats: PacingStats | None = None
    day_left_s: float | None = None  # seconds until today's dialing ends (the schedule), if known

    @property
    def calls_in_progress(self) -> int:
        return len(self.ringing_age_s) + self.in_amd + self.live_waiting

    @property
    def agents_working(self) -> int:
        return self.agents_ready + len(self.wrapup_remaining_s) + len(self.talk_elapsed_s)


class Pacer(Protocol):
    def lines_to_dial(self, state: PacingState, now: float) -> int: ...

    def observe_live(self, abandoned: bool) -> None: ...

    def start_day(self) -> None: ...


class PreviewPacer:
    """The agent accepts the lead first; dial exactly the accepted previews."""

    def lines_to_dial(self, state: PacingState, now: float) -> int:
        return _capped(state, state.previews_accepted)

    def observe_live(self, abandoned: bool) -> None:
        pass

    def start_day(self) -> None:
        pass


class ProgressivePacer:
    """One line per ready agent not already covered by a call in progress."""

    def lines_to_dial(self, state: PacingState, now: float) -> int:
        return _capped(state, state.agents_ready - state.calls_in_progress)

    def observe_live(self, abandoned: bool) -> None:
        pass

    def start_day(self) -> None:
        pass


class SurveyPacer:
    """An automated survey campaign: no agent takes its calls, so keep `lines` calls going."""

    def __init__(self, lines: int) -> None:
        self.lines = lines

    def lines_to_dial(self, state: PacingState, now: float) -> int:
        return _capped(state, self.lines - state.calls_in_progress)

    def observe_live(self, abandoned: bool) -> None:
        pass

    def start_day(self) -> None:
        pass


def _capped(state: PacingState, lines: int) -> int:
    if state.max_lines is not None:
        lines = min(lines, state.max_lines - state.calls_in_progress)
    return max(0, lines)


class PredictivePacer:
    """Dial ahead of agents becoming free while marginal abandonment risk <= the controller's theta."""

    def __init__(self, stats: PacingStats | None = None, controller: AbandonController | None = None,
                 *, refresh_s: float = 60.0) -> None:
        self.stats = stats if stats is not None else PacingStats()
        self.controller = controller if controller is not None else AbandonController()
        self._refresh_s = refresh_s
        self._model: PacingModel | None = None
        self._model_at = -math.inf
        self._model_version = -1
        self._day_started: float | None = None

    def observe_live(self, abandoned: bool) -> None:
        self.controller.observe_live(abandoned)

    def start_day(self) -> None:
        self.controller.start_day()
        self._day_started = None

    def remaining_live(self, state: PacingState, model: PacingModel, now: float) -> float | None:
        """Live connects still to come today: seconds left x a rate the day can be trusted to keep.

        The rate is what the agents can take (busy 85% of the time on calls of the measured mean
        length), and after the first quarter hour at most today's measured live-connect rate.
        """
        if state.day_left_s is None:
            return None
        if self._day_started is None:
            self._day_started = now
        cycle = self.stats.talk.mean + self.stats.wrapup.value
        rate = _BUSY * state.agents_working / max(cycle, 1.0)
        elapsed = now - self._day_started
        if elapsed >= _SETTLE_S:
            rate = min(rate, self.controller.live / elapsed)
        return (max(state.day_left_s, 0.0) + model.horizons[-1].span_s) * rate

    def model(self, now: float) -> PacingModel:
        """The forecast tables, rebuilt at most every ``refresh_s`` when there is new data."""
        stale = self._model_version != self.stats.version and now - self._model_at >= self._refresh_s
        if self._model is None or stale:
            self._model, self._model_at = build_model(self.stats), now
            self._model_version = self.stats.version
        return self._model

    def lines_to_dial(self, state: PacingState, now: float) -> int:
        progressive = ProgressivePacer().lines_to_dial(state, now)
        if self.controller.hard_stop or state.agents_working == 0:
            return progressive
        model = self.model(now)
        self.controller.plan(self.remaining_live(state, model, now))
        limit = _capped(state, 10_000)
        extra = self._extra_lines(state, model, self.controller.aggressiveness, limit)
        return max(progressive, extra)

    def _extra_lines(self, state: PacingState, model: PacingModel, theta: float, limit: int) -> int:
        points = [self._balance(state, model, h) for h in range(len(model.horizons))]
        if max(m for m, _, _ in points) < 0.5:
            return 0  # nobody can be free in time for a new call, whatever else happens
        n = 0
        while n < limit and _risk(points, n, model.q) <= theta:
            n += 1
        return n

    @staticmethod
    def _balance(state: PacingState, model: PacingModel, index: int) -> tuple[float, float, float]:
        """(mean and variance of free agents minus earlier live calls, share) at one horizon."""
        h = model.horizons[index]
        supply, tb = h.supply, model.talk_bin_s
        last = len(supply)
        ps = [supply[int(e / tb)] if e < last * tb else h.supply_tail for e in state.talk_elapsed_s]
        demand, rb = h.demand, model.ring_bin_s
        dlast = len(demand)
        ds = [demand[int(a / rb)] for a in state.ringing_age_s if a < dlast * rb]
        freed = sum(1 for r in state.wrapup_remaining_s if r <= h.span_s)
        p_live = model.p_live
        mean = (state.agents_ready + freed + sum(ps) - state.live_waiting
                - state.in_amd * p_live - sum(ds))
        var = (sum(p * (1.0 - p) for p in ps) + sum(d * (1.0 - d) for d in ds)
               + state.in_amd * p_live * (1.0 - p_live))
        return mean, var, h.share


def make_pacer(mode: str, stats: PacingStats | None = None, *, cap: float = 0.03,
               window: int = 200, target_fraction: float = 0.97) -> Pacer:
    """The pacer for a campaign mode; predictive gets ``stats`` and its own controller."""
    if mode == "preview":
        return PreviewPacer()
    if mode == "progressive":
        return ProgressivePacer()
    if mode == "predictive":
        return PredictivePacer(stats, AbandonController(cap, target_fraction=target_fraction, horizon_calls=window))
    raise ValueError(f"unknown pacing mode {mode!r}; use preview, progressive or predictive")


_SUBPOINTS = tuple((j + 0.5) / 12 for j in range(12))


def _risk(points: list[tuple[float, float, float]], others: int, q: float) -> float:
    """P(no agent left for one more new call | it is live), averaged over when it lands.

    The balance is computed at three quantiles only (that is the O(agents) part); here it is
    interpolated linearly over the landing share u in (0, 1) and integrated at 12 points, so the
    latest-landing calls, which meet every earlier one, are not missed when many lines go out.
    """
    total = 0.0
    for u in _SUBPOINTS:
        mean, var = _interpolate(points, u)
        p = q * u
        m = mean - others * p
        sd = math.sqrt(max(var, 0.0) + others * p * (1.0 - p) + _VAR_FLOOR)
        total += 0.5 * math.erfc((m - 0.5) / (sd * math.sqrt(2.0)))
    return total / len(_SUBPOINTS)


def _interpolate(points: list[tuple[float, float, float]], u: float) -> tuple[float, float]:
    i = 0 if u <= points[1][2] else len(points) - 2
    (m0, v0, u0), (m1, v1, u1) = points[i], points[i + 1]
    w = (u - u0) / (u1 - u0)
    return m0 + w * (m1 - m0), v0 + w * (v1 - v0)
