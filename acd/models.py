"""ACD data: agents (TaskRouter's Workers), queues (TaskQueues), tasks (calls) and reservations.

Plain dataclasses with no behaviour beyond small derived values; the state machine lives in
`acd.agent_state` and every decision in `acd.router`. Times are the injected ``now`` floats
(seconds on a monotonic clock), never wall-clock datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from acd.alerts import Rule

Strategy = Literal["longest_idle", "best_skill", "least_occupied", "round_robin"]
WhenNobody = Literal["wait", "leave"]
STRATEGIES: tuple[str, ...] = ("longest_idle", "best_skill", "least_occupied", "round_robin")


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RESERVED = "reserved"  # a call is ringing at the agent's interface
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


LOGGED_IN = frozenset(AgentState) - {AgentState.LOGGED_OUT}
BUSY = frozenset({AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP})


@dataclass
class Agent:
    """One agent: static profile from config plus live state and today's accounting."""

    id: str
    name: str
    interface: str  # what Dial takes, e.g. "PJSIP/1001"
    skills: dict[str, int] = field(default_factory=dict)  # skill -> level 1..10
    languages: tuple[str, ...] = ("en",)
    node: str = ""  # the Asterisk node his phone is on ("": the engine's first node; docs/nodes.md)
    state: AgentState = AgentState.LOGGED_OUT
    state_since: float = 0.0
    pause_reason: str = ""
    ready_since: float | None = None  # idle start; kept while RESERVED so a cancelled offer keeps the turn
    pending_pause: str | None = None  # pause asked for during a call, applied when it ends
    login_at: float | None = None
    calls_handled: int = 0
    talk_s: float = 0.0
    wrap_s: float = 0.0
    logged_in_s: float = 0.0  # closed login sessions only; see logged_in_total()

    def logged_in_total(self, now: float) -> float:
        return self.logged_in_s + (max(0.0, now - self.login_at) if self.login_at is not None else 0.0)

    def occupancy(self, now: float) -> float:
        """Share of logged-in time spent talking or wrapping up (0 when never logged in)."""
        logged = self.logged_in_total(now)
        return (self.talk_s + self.wrap_s) / logged if logged > 0 else 0.0

    def reset_day(self) -> None:
        """Start a new accounting day ("least occupied today"); live state is untouched."""
        self.calls_handled, self.talk_s, self.wrap_s, self.logged_in_s = 0, 0.0, 0.0, 0.0
        if self.login_at is not None:
            self.login_at = max(self.login_at, self.state_since)


@dataclass(frozen=True)
class EscalationStep:
    """After ``after_s`` of waiting, widen who may take the call; steps accumulate.

    ``relax_levels`` lowers every minimum level of the queue (floor 1); an agent with ANY one
    of ``add_skills`` at its level also qualifies; so does any agent qualifying for one of
    ``add_queues`` (by that queue's own base requirements).
    """

    after_s: float
    relax_levels: int = 0
    add_skills: dict[str, int] = field(default_factory=dict)
    add_queues: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueueSpec:
    """A TaskQueue: who qualifies (ALL ``skills`` at >= level), how to pick, and the targets."""

    name: str
    skills: dict[str, int] = field(default_factory=dict)
    strategy: Strategy = "longest_idle"
    sl_percent: float = 80
    sl_seconds: float = 20
    max_wait_s: float = 600
    max_len: int = 100
    wrapup_s: float = 10
    ring_timeout_s: float = 30
    announce_every_s: float = 15
    announce_position: bool = True
    announce_ewt: bool = True
    escalation: tuple[EscalationStep, ...] = ()
    when_nobody: WhenNobody = "leave"  # no logged-in agent could ever take the call
    language_routing: bool = False
    whisper: bool = False  # the agent hears the queue and the caller's tier before the bridge
    alerts: tuple[Rule, ...] = ()  # volume alerts (acd.alerts), defaults merged in by acd.config
    record: str = "never"  # never | on_demand | always (common.recording)
    survey: str | None = None  # IVR flow for the post-call survey (cti.calls.survey); None: no survey

    @property
    def levels(self) -> int:
        """Number of qualification levels: the base one plus one per escalation step."""
        return len(self.escalation) + 1


@dataclass
class Task:
    """One waiting call. ``seq``, ``level`` and ``requeued`` are the router's bookkeeping."""

    id: str
    queue: str
    priority: int  # higher first
    enqueued_at: float
    language: str = "en"
    attributes: dict[str, str] = field(default_factory=dict)  # tier, caller, ...
    kind: str = "call"  # or "consult": an agent asking a colleague (enters the queue log as consult_queued)
    pinned_agent: str | None = None  # for this agent only: offered if he is ready, else refused; never waits
    node: str = ""  # the Asterisk node the caller is on: his agents are preferred ("": the first node)
    seq: int = 0  # arrival order, FIFO tie-break
    level: int = 0  # escalation steps applied
    requeued: bool = False  # returned after no answer: goes to the head of its priority


@dataclass(frozen=True)
class Reservation:
    """An offer of one task to one agent, ringing until accepted, rejected or expired."""

    id: str
    task_id: str
    agent_id: str
    queue: str
    created_at: float
    expires_at: float  # created_at + ring_timeout_s
