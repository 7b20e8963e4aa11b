"""Discrete-event simulator of an outbound campaign, driving the SAME pacer classes as the engine.

Theory of operation: one heap of (time, seq, kind, who) events. Every ``tick_s`` the pacer gets
a ``PacingState`` snapshot and answers how many lines to dial (as the engine's pacing task will).
A dial attempt is answered with probability ``answer_rate`` after a lognormal ring time, else it
is busy (fast) or rings out at ``ring_timeout_s``. Answered calls are machines with probability
``machine_share``; AMD takes a few seconds (machines longer). A live person takes the longest-idle
ready agent; with none free, the safe-harbor clock runs ``safe_harbor_s`` (2 s) and the person is
abandoned if no agent frees up in time. Talk time is gamma(``talk_shape``) with mean ``aht_s``
(exponential by default), then wrap-up.
Preview: a freed agent reads the lead for ``preview_s``, accepts, and waits on that one call.

The pacer only learns what the engine would see: outcomes with their times, fed into
``PacingStats`` and the abandonment controller; it is never told the simulator's parameters.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dialer.campaign import Campaign, find_campaign
from dialer.pacing import PacingState, make_pacer
from dialer.simresults import DayResult, ModeResult
from dialer.stats import PacingStats, Priors

DAY_S = 86_400.0
MODES = ("preview", "progressive", "predictive")
TICK, ANSWER, NO_ANSWER, CLASSIFIED, SAFE_HARBOR, TALK_END, WRAP_END, PREVIEW_DONE, MACHINE_DONE = range(9)


@dataclass(frozen=True)
class SimConfig:
    agents: int = 20
    answer_rate: float = 0.3
    machine_share: float = 0.25
    aht_s: float = 180.0
    talk_shape: float = 1.0  # gamma shape of talk time: 1 = exponential (memoryless), larger = more regular
    wrapup_s: float = 10.0
    hours: float = 8.0
    days: int = 1
    seed: int = 1
    ring_mean_s: float = 12.0
    ring_sigma: float = 0.5
    ring_timeout_s: float = 25.0
    busy_share: float = 0.15
    busy_s: float = 4.0
    amd_enabled: bool = True
    amd_live_s: tuple[float, float] = (1.2, 2.8)
    amd_machine_s: tuple[float, float] = (2.5, 5.0)
    safe_harbor_s: float = 2.0
    preview_s: float = 6.0
    machine_agent_s: float = 5.0
    tick_s: float = 1.0
    abandon_cap: float = 0.03
    abandon_window: int = 200
    target_fraction: float = 0.97
    priors: Priors = field(default_factory=Priors)

    @classmethod
    def from_campaign(cls, campaign: Campaign, **overrides: Any) -> SimConfig:
        """Cap, window, ring timeout, AMD timings and pacing priors from a campaign file."""
        amd, p = campaign.amd, campaign.pacing
        silence = amd.after_greeting_silence_ms / 1000
        base = cls(ring_timeout_s=campaign.ring_timeout_s, amd_enabled=amd.enabled,
                   amd_live_s=(0.4 + silence, 1.4 + silence),
                   amd_machine_s=(amd.greeting_ms / 1000, amd.total_analysis_ms / 1000),
                   abandon_cap=campaign.abandon_cap, abandon_window=campaign.abandon_window_calls,
                   target_fraction=p.target_fraction,
                   priors=Priors(p.answer_rate, p.live_rate, p.ring_s, p.talk_s, p.wrapup_s))
        return replace(base, **overrides)


def config_for(campaign: str | None, campaigns_dir: Path, **overrides: Any) -> SimConfig:
    """Simulation parameters from a campaign (by name or path) or the defaults, plus overrides."""
    if campaign is None:
        return SimConfig(**overrides)
    return SimConfig.from_campaign(find_campaign(campaign, campaigns_dir), **overrides)


def simulate(config: SimConfig, modes: tuple[str, ...] = MODES) -> dict[str, ModeResult]:
    """Run each mode on the same parameters and seed."""
    return {mode: Simulation(config, mode).run() for mode in modes}


class Simulation:
    """One mode, one run of ``days`` days. Agents and calls are ints; pacer and stats live across days."""

    def __init__(self, config: SimConfig, mode: str) -> None:
        self.cfg, self.mode = config, mode
        # one stream per kind of chance, drawn the same way in every mode (common random numbers):
        # the n-th dial, answer and connect meet the same luck whichever pacer runs
        streams = (random.Random(f"{config.seed}:{kind}") for kind in ("dial", "amd", "talk"))
        self.rng, self.amd_rng, self.talk_rng = streams
        self.stats = PacingStats(config.priors, ring_timeout_s=config.ring_timeout_s)
        self.pacer = make_pacer(mode, self.stats, cap=config.abandon_cap,
                                window=config.abandon_window, target_fraction=config.target_fraction)
        self.now = 0.0
        self._events: list[tuple[float, int, int, int]] = []
        self._seq = self._next_call = 0
        self.ready: deque[int] = deque()
        self.ready_since = [0.0] * config.agents
        self.talk_start: dict[int, float] = {}
        self.wrap_end: dict[int, float] = {}
        self.ringing: dict[int, float] = {}
        self.bound: dict[int, int] = {}  # preview: call -> the agent waiting on it
        self.in_amd = 0
        self.amd_since: dict[int, float] = {}
        self.waiting: dict[int, float] = {}
        self.accepted: list[int] = []
        self.busy_since: dict[int, float] = {}
        self.day, self.day_end = DayResult(), 0.0

    # ------------------------------------------------------------ driver

    def run(self) -> ModeResult:
        """Each day: agents log in at its start, dialing stops at its end, calls in flight finish."""
        days = [self._run_day(d * DAY_S) for d in range(self.cfg.days)]
        return ModeResult(staffed_s=self.cfg.agents * self.cfg.hours * 3600.0 * self.cfg.days, days=days)

    def _run_day(self, start: float) -> DayResult:
        self.now, self.day_end, self.day = start, start + self.cfg.hours * 3600.0, DayResult()
        self.ready.clear()
        self.pacer.start_day()
        for agent in range(self.cfg.agents):
            self._agent_free(agent, new_idle=True)
        if self.mode != "preview":
            self._push(start, TICK, 0)
        handlers = (self._tick, self._answer, self._no_answer, self._classified, self._safe_harbor,
                    self._talk_end, self._wrap_end, self._preview_done, self._machine_done)
        events = self._events
        while events:  # drains: nothing is dialed after the day's end
            self.now, _, kind, who = heapq.heappop(events)
            handlers[kind](who)
        return self.day

    def _push(self, at: float, kind: int, who: int) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, kind, who))

    def _clipped(self, since: float) -> float:
        """Seconds from ``since`` to now that fall inside the day (staffed time)."""
        return max(0.0, min(self.now, self.day_end) - since)

    def state(self) -> PacingState:
        now = self.now
        return PacingState(
            agents_ready=len(self.ready),
            wrapup_remaining_s=tuple(end - now for end in self.wrap_end.values()),
            talk_elapsed_s=tuple(now - start for start in self.talk_start.values()),
            ringing_age_s=tuple(now - start for start in self.ringing.values()),
            in_amd=self.in_amd, live_waiting=len(self.waiting),
            previews_accepted=len(self.accepted), stats=self.stats, day_left_s=self.day_end - now)

    # ------------------------------------------------------------ dialing

    def _tick(self, _: int) -> None:
        for _ in range(self.pacer.lines_to_dial(self.state(), self.now)):
            self._dial()
        if self.now + self.cfg.tick_s < self.day_end:
            self._push(self.now + self.cfg.tick_s, TICK, 0)

    def _dial(self, agent: int | None = None) -> None:
        cfg, rng = self.cfg, self.rng
        call = self._next_call = self._next_call + 1
        self.day.dials += 1
        self.ringing[call] = self.now
        if agent is not None:
            self.bound[call] = agent
        answered, ring, busy, busy_s = rng.random(), rng.gauss(0.0, 1.0), rng.random(), rng.uniform(0.5, 1.5)
        if answered < cfg.answer_rate:
            ring = math.exp(_mu(cfg.ring_mean_s, cfg.ring_sigma) + cfg.ring_sigma * ring)
            self._push(self.now + min(ring, cfg.ring_timeout_s - 0.5), ANSWER, call)
        elif busy < cfg.busy_share:
            self._push(self.now + cfg.busy_s * busy_s, NO_ANSWER, call)
        else:
            self._push(self.now + cfg.ring_timeout_s, NO_ANSWER, call)

    def _no_answer(self, call: int) -> None:
        del self.ringing[call]
        self.stats.observe_attempt(False)
        self._release_bound(call)

    def _answer(self, call: int) -> None:
        cfg, rng = self.cfg, self.amd_rng
        self.stats.observe_attempt(True, self.now - self.ringing.pop(call))
        machine, amd_share = rng.random() < cfg.machine_share, rng.random()
        if call in self.bound:  # preview: the agent hears who answered
            agent = self.bound.pop(call)
            if machine:
                self._push(self.now + cfg.machine_agent_s, MACHINE_DONE, agent)
            else:
                self._connect(agent)
            return
        if not cfg.amd_enabled:
            self._offer_live(-call if machine else call)
            return
        self.in_amd += 1
        self.amd_since[call] = self.now
        low, high = cfg.amd_machine_s if machine else cfg.amd_live_s
        self._push(self.now + low + (high - low) * amd_share, CLASSIFIED, -call if machine else call)

    def _classified(self, signed_call: int) -> None:
        self.in_amd -= 1
        started = self.amd_since.pop(abs(signed_call))
        self.stats.observe_classification(signed_call > 0, self.now - started)
        if signed_call > 0:
            self._offer_live(signed_call)

    def _offer_live(self, signed_call: int) -> None:
        """A person (or, with AMD off, a machine: negative id) needs an agent now."""
        if self.ready:
            self._connect(self.ready.popleft(), machine=signed_call < 0)
        elif signed_call > 0:
            self.waiting[signed_call] = self.now
            self._push(self.now + self.cfg.safe_harbor_s, SAFE_HARBOR, signed_call)
        # a machine with no agent free is simply hung up

    def _safe_harbor(self, call: int) -> None:
        if self.waiting.pop(call, None) is not None:
            self.day.abandons += 1
            self.pacer.observe_live(True)

    # ------------------------------------------------------------ agents

    def _connect(self, agent: int, machine: bool = False) -> None:
        if machine:  # AMD off: the agent spends a few seconds on the machine, idle clock runs on
            self._push(self.now + self.cfg.machine_agent_s, MACHINE_DONE, agent)
            return
        self.day.idle_s += self.now - self.ready_since[agent]
        self.day.connects += 1
        self.pacer.observe_live(False)
        self.talk_start[agent] = self.busy_since[agent] = self.now
        shape = self.cfg.talk_shape
        self._push(self.now + self.talk_rng.gammavariate(shape, self.cfg.aht_s / shape), TALK_END, agent)

    def _talk_end(self, agent: int) -> None:
        started = self.talk_start.pop(agent)
        talk = self.now - started
        self.day.talk_s += self._clipped(started)
        self.stats.observe_talk(talk)
        self.wrap_end[agent] = self.now + self.cfg.wrapup_s
        self._push(self.wrap_end[agent], WRAP_END, agent)

    def _wrap_end(self, agent: int) -> None:
        del self.wrap_end[agent]
        self.day.busy_s += self._clipped(self.busy_since.pop(agent))
        self.stats.observe_wrapup(self.cfg.wrapup_s)
        self._agent_free(agent, new_idle=True)

    def _machine_done(self, agent: int) -> None:
        self._agent_free(agent, new_idle=False)

    def _agent_free(self, agent: int, new_idle: bool) -> None:
        if new_idle:
            self.ready_since[agent] = self.now
        if self.waiting and self.mode != "preview":
            del self.waiting[next(iter(self.waiting))]
            self._connect(agent)
        elif self.mode == "preview":
            self._push(self.now + self.cfg.preview_s, PREVIEW_DONE, agent)
        else:
            self.ready.append(agent)

    def _preview_done(self, agent: int) -> None:
        if self.now >= self.day_end:
            return  # the day is over: the agent logs off instead of taking another lead
        self.accepted.append(agent)
        for _ in range(self.pacer.lines_to_dial(self.state(), self.now)):
            self._dial(self.accepted.pop())

    def _release_bound(self, call: int) -> None:
        agent = self.bound.pop(call, None)
        if agent is not None:  # preview: no answer, the agent moves on to the next lead
            self._agent_free(agent, new_idle=False)


def _mu(mean: float, sigma: float) -> float:
    return math.log(mean) - sigma * sigma / 2.0


def describe(config: SimConfig) -> str:
    """One line naming the simulated campaign, the table's heading."""
    return (f"{config.agents} agents, answer rate {config.answer_rate:.0%}, machines {config.machine_share:.0%} "
            f"of answers, AHT {config.aht_s:.0f} s, wrap-up {config.wrapup_s:g} s, {config.days} x "
            f"{config.hours:g} h, cap {config.abandon_cap:.0%} per day, seed {config.seed}")
