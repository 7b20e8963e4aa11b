"""Agent state machine (TaskRouter's Activities, made strict).

Theory of operation
-------------------
An agent logs in ready, is RESERVED while a call rings at his interface, goes ON_CALL when he
answers, WRAP_UP when the call ends, and READY again when wrap-up ends (by timer or by hand).
A ring that is not answered (no answer, busy, ring timeout) PAUSES him with that reason so a
missing agent is not offered call after call. ``TRANSITIONS`` is the whole machine; any other
(state, event) pair raises `InvalidTransition`.

Two rules sit on top of the table, both documented here because they are not visible in it:

* **Remembered pause.** PAUSE while RESERVED, ON_CALL or WRAP_UP keeps the state (the table maps
  it to itself) and stores the reason in ``agent.pending_pause``. When the agent would next
  become READY (wrap-up done, or an offer cancelled), he becomes PAUSED with that reason
  instead. READY during a call drops the remembered pause. REJECT pauses with its own reason
  and drops it too; LOGOUT drops it.
* **Cancelled offer keeps the turn.** CANCEL (the caller hung up while ringing) returns the
  agent to READY with his previous ``ready_since``: he has not taken a call, so he keeps his
  place for longest-idle.

Accounting, for "least occupied today": ``talk_s`` grows when ON_CALL ends, ``wrap_s`` when
WRAP_UP ends, ``logged_in_s`` at LOGOUT (``Agent.logged_in_total`` adds the open session).
Invariants (checked by property tests): ``ready_since`` is set iff READY or RESERVED;
``login_at`` is set iff logged in; ``pause_reason`` is non-empty iff PAUSED; a remembered
pause exists only while RESERVED, ON_CALL or WRAP_UP.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from acd.errors import AcdError
from acd.models import Agent, AgentState

log = logging.getLogger("hotline.acd")

S = AgentState


class AgentEvent(StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    READY = "ready"
    PAUSE = "pause"
    RESERVE = "reserve"
    REJECT = "reject"  # ring not answered, busy, or ring timeout
    ACCEPT = "accept"  # answered
    CANCEL = "cancel"  # the caller left while the agent's phone rang
    HANGUP = "hangup"  # call ended
    WRAPUP_DONE = "wrapup_done"


E = AgentEvent

TRANSITIONS: dict[tuple[AgentState, AgentEvent], AgentState] = {
    (S.LOGGED_OUT, E.LOGIN): S.READY,
    (S.READY, E.LOGOUT): S.LOGGED_OUT,
    (S.PAUSED, E.LOGOUT): S.LOGGED_OUT,
    (S.WRAP_UP, E.LOGOUT): S.LOGGED_OUT,
    (S.READY, E.PAUSE): S.PAUSED,
    (S.PAUSED, E.PAUSE): S.PAUSED,  # new reason
    (S.PAUSED, E.READY): S.READY,
    (S.READY, E.RESERVE): S.RESERVED,
    (S.RESERVED, E.ACCEPT): S.ON_CALL,
    (S.RESERVED, E.REJECT): S.PAUSED,
    (S.RESERVED, E.CANCEL): S.READY,
    (S.ON_CALL, E.HANGUP): S.WRAP_UP,
    (S.WRAP_UP, E.WRAPUP_DONE): S.READY,
    (S.WRAP_UP, E.READY): S.READY,  # the agent ends wrap-up early
    # remembered pause (see module docstring) and its cancellation
    (S.RESERVED, E.PAUSE): S.RESERVED,
    (S.ON_CALL, E.PAUSE): S.ON_CALL,
    (S.WRAP_UP, E.PAUSE): S.WRAP_UP,
    (S.RESERVED, E.READY): S.RESERVED,
    (S.ON_CALL, E.READY): S.ON_CALL,
}

_REMEMBERING = frozenset({S.RESERVED, S.ON_CALL, S.WRAP_UP})


class InvalidTransition(AcdError):
    """The event is not allowed in the agent's current state (e.g. logout while on a call)."""

    error_id = "agent_invalid_transition"

    def __init__(self, agent_id: str, state: AgentState, event: AgentEvent) -> None:
        self.agent_id, self.state, self.event = agent_id, state, event
        super().__init__(f"agent {agent_id} cannot {event.value} while {state.value}")


@dataclass(frozen=True)
class StateChange:
    agent_id: str
    from_state: AgentState
    event: AgentEvent
    to_state: AgentState
    at: float
    reason: str = ""


def apply(agent: Agent, event: AgentEvent, now: float, reason: str = "") -> StateChange:
    """Move ``agent`` by ``event`` at ``now``, updating times and accounting; raise if not allowed."""
    before = agent.state
    target = TRANSITIONS.get((before, event))
    if target is None:
        raise InvalidTransition(agent.id, before, event)
    if target is before and before in _REMEMBERING:
        return _remember(agent, event, now, reason)
    if target is S.READY and agent.pending_pause and event is not E.READY:
        target, reason = S.PAUSED, agent.pending_pause
    if target is S.PAUSED:
        reason = reason or "break"
    _account(agent, before, target, now)
    _enter(agent, before, target, now, reason)
    log.debug("agent %s: %s -[%s]-> %s%s", agent.id, before, event, target, f" ({reason})" if reason else "")
    return StateChange(agent.id, before, event, target, now, reason)


def _remember(agent: Agent, event: AgentEvent, now: float, reason: str) -> StateChange:
    agent.pending_pause = (reason or "break") if event is E.PAUSE else None
    log.debug("agent %s: %s -[%s]-> %s (pending pause %r)", agent.id, agent.state, event,
              agent.state, agent.pending_pause)
    return StateChange(agent.id, agent.state, event, agent.state, now, reason)


def _account(agent: Agent, before: AgentState, target: AgentState, now: float) -> None:
    spent = max(0.0, now - agent.state_since)
    if before is S.ON_CALL:
        agent.talk_s += spent
        agent.calls_handled += 1
    elif before is S.WRAP_UP:
        agent.wrap_s += spent
    if target is S.LOGGED_OUT:
        agent.logged_in_s = agent.logged_in_total(now)
        agent.login_at = None
    elif before is S.LOGGED_OUT:
        agent.login_at = now


def _enter(agent: Agent, before: AgentState, target: AgentState, now: float, reason: str) -> None:
    keep_turn = before is S.RESERVED and target is S.READY
    if target is S.READY and not keep_turn:
        agent.ready_since = now
    elif target not in (S.READY, S.RESERVED):
        agent.ready_since = None
    if target not in _REMEMBERING:
        agent.pending_pause = None
    agent.pause_reason = reason if target is S.PAUSED else ""
    agent.state, agent.state_since = target, now
