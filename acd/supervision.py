"""Live monitoring (监听): who may listen to whom, and the life of one monitoring session.

Theory of operation
-------------------
A supervisor (``supervisors:`` in config/acd.yaml) may monitor the agents of his *scope*:

    scope(s) = s.agents  ∪  { a | a meets ALL base skills of some queue q in s.queues }

"Meets the base skills" is the rule that makes an agent a candidate of the queue before any
escalation (the same rule as the wallboard's agents of a queue, `AcdQueries.agents_of`): an agent
reached only through a queue's escalation (relaxed levels, added skills or queues) is not in the
scope of that queue's supervisor unless named. Scope is a property of the configuration, not of
the call: it does not depend on which queue the agent's current call came from, so a supervisor
knows in advance whom he may monitor, and a config reload changes it at once.

A session is one ChanSpy call to the supervisor's phone. ``TRANSITIONS`` is the whole machine:
STARTING (phone ringing) -> ACTIVE (answered, spying) -> ENDED; a mode switch keeps it ACTIVE and
is remembered with its time (there is no ChanSpy to switch before the phone answers); an unanswered or
failed phone ends it as ``failed``; a stop command or the hang-up of either side ends it as
``ended``. Anything else raises `InvalidMonitorTransition`. Time is injected (``at``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from acd.errors import AcdError
from acd.models import Agent, QueueSpec


class Mode(StrEnum):
    LISTEN = "listen"    # the supervisor hears both sides; nobody hears him
    WHISPER = "whisper"  # the agent hears him too; the caller does not
    BARGE = "barge"      # both hear him: a three-way call


# ChanSpy's `d` option: these digits switch mode inside a running ChanSpy.
MODE_DIGITS: Final = {Mode.LISTEN: "4", Mode.WHISPER: "5", Mode.BARGE: "6"}


@dataclass(frozen=True)
class Supervisor:
    id: str
    name: str
    interface: str  # the supervisor's own phone, what Originate dials (e.g. PJSIP/2001)
    queues: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    notify_agent: bool = False  # tell the agent (desk/MQTT event) that he is being monitored


def scope(supervisor: Supervisor, queues: Mapping[str, QueueSpec], agents: Mapping[str, Agent]) -> frozenset[str]:
    """Agent ids `supervisor` may monitor (see the module docstring); unknown names count for nothing."""
    found = {a for a in supervisor.agents if a in agents}
    for name in supervisor.queues:
        spec = queues.get(name)
        if spec is not None:
            found.update(a.id for a in agents.values() if _meets(a, spec.skills))
    return frozenset(found)


def _meets(agent: Agent, required: Mapping[str, int]) -> bool:
    return all(agent.skills.get(skill, 0) >= level for skill, level in required.items())


def supervisors_of(agent_id: str, supervisors: Iterable[Supervisor], queues: Mapping[str, QueueSpec],
                   agents: Mapping[str, Agent]) -> list[str]:
    """Ids of the supervisors whose scope holds `agent_id`."""
    return [s.id for s in supervisors if agent_id in scope(s, queues, agents)]


# ---------------------------------------------------------------- session machine


class SessionState(StrEnum):
    STARTING = "starting"
    ACTIVE = "active"
    ENDED = "ended"


class SessionEvent(StrEnum):
    ANSWERED = "answered"  # the supervisor's phone picked up: ChanSpy runs
    SWITCH = "switch"      # listen / whisper / barge
    STOP = "stop"          # stop command
    HANGUP = "hangup"      # the spy channel (supervisor's phone) or the spied call hung up
    FAILED = "failed"      # the phone did not answer, or Asterisk refused the Originate


S, E = SessionState, SessionEvent
TRANSITIONS: Final[dict[tuple[SessionState, SessionEvent], SessionState]] = {
    (S.STARTING, E.ANSWERED): S.ACTIVE,
    (S.STARTING, E.STOP): S.ENDED,
    (S.STARTING, E.HANGUP): S.ENDED,
    (S.STARTING, E.FAILED): S.ENDED,
    (S.ACTIVE, E.SWITCH): S.ACTIVE,
    (S.ACTIVE, E.STOP): S.ENDED,
    (S.ACTIVE, E.HANGUP): S.ENDED,
    (S.ACTIVE, E.FAILED): S.ENDED,
    (S.ACTIVE, E.ANSWERED): S.ACTIVE,  # a late duplicate Newstate Up
}


class InvalidMonitorTransition(AcdError):
    error_id = "invalid-monitor-transition"


@dataclass
class Session:
    """One monitoring session as the engine tracks it; `record_fields` gives its row."""

    id: str
    supervisor: str
    agent: str
    call_id: str
    mode: Mode
    started_at: datetime
    via: str = "cli"  # where it was asked from: cli | mqtt | web
    state: SessionState = S.STARTING
    modes: list[tuple[datetime, Mode]] = field(default_factory=list)
    answered: bool = False
    ended_at: datetime | None = None
    outcome: str = ""
    stop_requested: bool = False

    def __post_init__(self) -> None:
        if not self.modes:
            self.modes.append((self.started_at, self.mode))

    @property
    def current(self) -> Mode:
        return self.modes[-1][1]

    def step(self, event: SessionEvent, at: datetime, mode: Mode | None = None) -> SessionState:
        try:
            new = TRANSITIONS[self.state, event]
        except KeyError:
            raise InvalidMonitorTransition(f"monitor session {self.id}: {event} while {self.state}") from None
        if event == E.ANSWERED:
            self.answered = True
        elif event == E.SWITCH and mode is not None and mode != self.current:
            self.modes.append((at, mode))
        elif event == E.STOP:
            self.stop_requested = True
        if new == S.ENDED and self.state != S.ENDED:
            self.ended_at = at
            # a stop before the phone answered is the supervisor's choice, not a failure
            self.outcome = "failed" if event == E.FAILED or not (self.answered or self.stop_requested) else "ended"
        self.state = new
        return new

    def modes_json(self) -> str:
        return json.dumps([[at.isoformat(), str(mode)] for at, mode in self.modes])

    def view(self) -> dict[str, object]:
        return {"session": self.id, "supervisor": self.supervisor, "agent": self.agent, "call": self.call_id,
                "mode": str(self.current), "state": str(self.state), "outcome": self.outcome or None,
                "modes": [[at.isoformat(), str(m)] for at, m in self.modes]}
