"""Live monitoring use cases: a supervisor listens to, whispers to or barges in on an agent's call.

Theory of operation
-------------------
`start` checks the request against the configuration and the live call (the supervisor exists,
the agent is in his scope (`acd.supervision.scope`), the agent is on a call whose leg Asterisk
reported), then sends one AMI Originate (Async, ChannelId = the session id) that rings the
supervisor's own phone (his ``interface``) and, once he answers, runs the ``[hotline-spy]``
dialplan context at the extension of the first mode. That context runs ChanSpy on the agent's
leg, given as ``HOTLINE_SPY_TARGET``: the leg's uniqueid, which only the engine looks up (the
channel that answered the Dial that reached the agent, as consult transfers find it), never a
value a user typed. ChanSpy runs with ``d``: the digits 4 / 5 / 6 switch between listen,
whisper and barge, so `switch` sends AMI PlayDTMF (``Receive: true``) on the supervisor's
channel and the same ChanSpy changes mode without redialing; he can also press them himself.
ChanSpy's ``E`` ends the session when the agent's call ends.

The session ends when the supervisor's channel hangs up (AMI Hangup of the ChannelId: he hung
up, `stop` hung him up, or ChanSpy exited because the call ended), or as ``failed`` when his
phone did not answer. Every session, and every refused request, becomes one
`MonitorSessionRecord` handed to the record writer: refusals with outcome ``refused`` (unknown
or out-of-scope agent, supervisor already busy) or ``agent_not_on_call``, and no Originate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from acd.models import AgentState
from acd.supervision import MODE_DIGITS, Mode, Session, SessionEvent, SessionState, Supervisor, scope
from cti.ami.client import AmiError
from cti.store.quality_models import MonitorSessionRecord

log = logging.getLogger("hotline.monitor")
CONTEXT = "hotline-spy"
_UNIQUEID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_SESSION_S = 12 * 3600.0  # a session still open after this is closed by the engine


class MonitorRefused(Exception):
    """A request the engine will not carry out; `error_id` is the stable slug of the reply."""

    def __init__(self, error_id: str, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id


class RecordSink(Protocol):
    def submit(self, record: object) -> None: ...


class MonitorService:
    """Monitoring sessions by supervisor; the only code that starts or steers ChanSpy."""

    def __init__(self, acd, ami, registry, records: RecordSink, supervisors: Mapping[str, Supervisor], *,
                 context: str = CONTEXT, ring_timeout_s: float = 30.0,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC),
                 relay: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.acd, self.ami, self.registry, self.records = acd, ami, registry, records
        self.supervisors = dict(supervisors)
        self.context, self.ring_timeout_s, self._wall = context, ring_timeout_s, wall
        self._relay = relay or (lambda kind, payload: None)
        self.sessions: dict[str, Session] = {}  # supervisor id -> his live session
        self._by_id: dict[str, Session] = {}
        self._watchers: dict[str, asyncio.Task] = {}  # session id -> its Hangup watcher (kept referenced)
        registry.on_originate_response.append(self.on_originate_response)

    def reload(self, supervisors: Mapping[str, Supervisor]) -> None:
        """New supervisors from a config reload; live sessions run on (their scope was checked at start)."""
        self.supervisors = dict(supervisors)
        log.info("supervisors reloaded: %s", ", ".join(sorted(self.supervisors)) or "none")

    def scope_of(self, supervisor_id: str) -> frozenset[str]:
        sup = self.supervisors.get(supervisor_id)
        if sup is None:
            return frozenset()
        return scope(sup, self.acd.router.queues, self.acd.router.agents)

    # -- commands ----------------------------------------------------------------------------
    async def start(self, supervisor_id: str, agent_id: str, mode: Mode, via: str) -> dict[str, Any]:
        """Ring the supervisor's phone into ChanSpy on the agent's call, or raise MonitorRefused
        (the refusal is recorded)."""
        sup, leg, call_id = self._check(supervisor_id, agent_id, mode, via)
        now = self._wall()
        session = Session(str(uuid.uuid4()), sup.id, agent_id, call_id, mode, now, via=via)
        self.sessions[sup.id] = self._by_id[session.id] = session
        info = self.registry.get(leg)
        on_node = {"node": info.node} if info is not None and info.node else {}  # ChanSpy sees its own node only
        try:
            await self.ami.originate(
                sup.interface, context=self.context, exten=str(mode), caller_id=f'"Monitor {agent_id}" <{agent_id}>',
                timeout_s=self.ring_timeout_s, channel_id=session.id, action_id=session.id,
                variables={"HOTLINE_SPY_TARGET": leg, "HOTLINE_SPY_SESSION": session.id}, **on_node)
        except AmiError as exc:
            self._end(session, SessionEvent.FAILED)
            raise MonitorRefused("originate-failed", f"could not ring {sup.interface}: {exc}") from None
        log.info("monitor %s: supervisor %s %ss agent %s on call %s (phone %s)", session.id, sup.id, mode,
                 agent_id, call_id, sup.interface)
        if session.state != SessionState.ENDED:  # (an OriginateResponse can beat us here)
            self._watchers[session.id] = asyncio.get_running_loop().create_task(
                self._watch(session), name=f"monitor-{session.id}")
        self._notify(session, sup, "started")
        return {"session": session.view()}

    async def switch(self, supervisor_id: str, mode: Mode, via: str) -> dict[str, Any]:
        """Change the running session's mode: DTMF 4/5/6 fed to ChanSpy as if the phone sent it."""
        session = self._live(supervisor_id)
        if session.state != SessionState.ACTIVE:
            raise MonitorRefused("not-answered", f"supervisor {supervisor_id}'s phone has not answered yet")
        if mode == session.current:
            return {"session": session.view()}
        channel = self._spy_channel(session)
        # as_list=False: "DTMF successfully queued" is the answer (panoramisk would wait for an event list)
        await self.ami.action({"Action": "PlayDTMF", "Channel": channel, "Digit": MODE_DIGITS[mode],
                               "Duration": "120", "Receive": "true"}, as_list=False)
        session.step(SessionEvent.SWITCH, self._wall(), mode)
        log.info("monitor %s: supervisor %s switches to %s", session.id, supervisor_id, mode)
        self._notify(session, self.supervisors.get(supervisor_id), "switched")
        return {"session": session.view()}

    async def stop(self, supervisor_id: str, via: str) -> dict[str, Any]:
        """Hang up the supervisor's monitoring call; the session ends when Asterisk reports it."""
        session = self._live(supervisor_id)
        session.stop_requested = True
        if not await self._hang_up(session):
            self._end(session, SessionEvent.STOP)  # nothing left to hang up: no Hangup will come
        return {"session": session.view()}

    async def close(self) -> None:
        """Engine shutdown: hang up every monitoring call (nobody keeps listening unlogged) and record it."""
        for session in list(self.sessions.values()):
            session.stop_requested = True
            await self._hang_up(session)
            self._end(session, SessionEvent.STOP)

    async def _hang_up(self, session: Session) -> bool:
        """Hang up the supervisor's call: by name once Asterisk told it, else by its uniqueid (the
        ChannelId we chose: AMI Hangup finds a channel by either). False when it is already gone."""
        info = self.registry.get(session.id)
        if info is not None and info.ended_at is not None:
            return False
        channel = info.channel if info is not None and info.channel else session.id
        try:
            await self.ami.hangup(channel)
        except AmiError as exc:
            log.warning("monitor %s: could not hang up %s: %s", session.id, channel, exc)
            return False
        return True

    def list(self, supervisor_id: str) -> dict[str, Any]:
        """The agents the supervisor may monitor (state, call) and his live session."""
        if supervisor_id not in self.supervisors:
            raise MonitorRefused("unknown-supervisor", f"no supervisor {supervisor_id!r} in config/acd.yaml")
        agents = []
        for agent_id in sorted(self.scope_of(supervisor_id)):
            agent = self.acd.agent(agent_id)
            task = self.acd.last_call.get(agent_id) if agent.state == AgentState.ON_CALL else None
            agents.append({"id": agent_id, "name": agent.name, "state": str(agent.state),
                           "call": task.id if task else None, "queue": task.queue if task else None})
        session = self.sessions.get(supervisor_id)
        return {"supervisor": supervisor_id, "agents": agents, "session": session.view() if session else None}

    # -- checks ------------------------------------------------------------------------------
    def _check(self, supervisor_id: str, agent_id: str, mode: Mode, via: str) -> tuple[Supervisor, str, str]:
        sup = self.supervisors.get(supervisor_id)
        if sup is None:
            self._refuse(supervisor_id, agent_id, mode, via, "refused", "unknown-supervisor",
                         f"no supervisor {supervisor_id!r} in config/acd.yaml")
        agent = self.acd.agent(agent_id)
        if agent is None:
            self._refuse(supervisor_id, agent_id, mode, via, "refused", "unknown-agent",
                         f"no agent {agent_id!r} in config/acd.yaml")
        task = self.acd.last_call.get(agent_id) if agent.state == AgentState.ON_CALL else None
        call_id = task.id if task else None
        if agent_id not in self.scope_of(supervisor_id):
            self._refuse(supervisor_id, agent_id, mode, via, "refused", "out-of-scope",
                         f"agent {agent_id} is outside supervisor {supervisor_id}'s scope "
                         f"(queues {', '.join(sup.queues) or 'none'}; agents {', '.join(sup.agents) or 'none'})",
                         call_id)
        if supervisor_id in self.sessions:
            busy = self.sessions[supervisor_id]
            self._refuse(supervisor_id, agent_id, mode, via, "refused", "busy",
                         f"supervisor {supervisor_id} is already monitoring agent {busy.agent} "
                         f"(session {busy.id}): stop it first", call_id)
        via_call = self.acd.connected_by.get(agent_id)
        leg = self._agent_leg(via_call) if via_call and task else None
        if task is None or leg is None:
            self._refuse(supervisor_id, agent_id, mode, via, "agent_not_on_call", "agent-not-on-call",
                         f"agent {agent_id} is not on a call ({agent.state})", call_id)
        return sup, leg, task.id

    def _agent_leg(self, caller_uniqueid: str) -> str | None:
        """The uniqueid of the agent's leg (Asterisk's, validated before it goes into a variable)."""
        uniqueid = self.registry.answered_peer_id(caller_uniqueid)
        return uniqueid if uniqueid and _UNIQUEID.fullmatch(uniqueid) else None

    def _refuse(self, supervisor_id: str, agent_id: str, mode: Mode, via: str, outcome: str, error_id: str,
                message: str, call_id: str | None = None) -> None:
        now = self._wall()
        self.records.submit(MonitorSessionRecord(
            session_id=str(uuid.uuid4()), supervisor=supervisor_id, agent=agent_id, mode=str(mode),
            modes=json.dumps([[now.isoformat(), str(mode)]]), outcome=outcome, via=via, started_at=now, ended_at=now,
            call_id=call_id))
        log.info("monitor refused: supervisor %s, agent %s: %s", supervisor_id, agent_id, message)
        raise MonitorRefused(error_id, message)

    def _live(self, supervisor_id: str) -> Session:
        session = self.sessions.get(supervisor_id)
        if session is None:
            raise MonitorRefused("no-session", f"supervisor {supervisor_id} is monitoring nobody")
        return session

    def _spy_channel(self, session: Session) -> str:
        info = self.registry.get(session.id)
        if info is None or not info.channel or info.ended_at is not None:
            raise MonitorRefused("no-session", f"the monitoring call of session {session.id} is gone")
        return info.channel

    # -- Asterisk side -------------------------------------------------------------------------
    def on_originate_response(self, action_id: str, success: bool, reason: str) -> None:
        session = self._by_id.get(action_id)
        if session is None or session.state == SessionState.ENDED:
            return
        if success:
            session.step(SessionEvent.ANSWERED, self._wall())
        else:  # unanswered, busy or unreachable: a channel may never have existed to report a Hangup
            log.info("monitor %s: supervisor %s's phone did not answer (%s)", session.id, session.supervisor, reason)
            self._end(session, SessionEvent.FAILED)

    async def _watch(self, session: Session) -> None:
        info = await self.registry.wait_ended(session.id, MAX_SESSION_S)
        if info.answered_at is not None and session.state == SessionState.STARTING:
            session.step(SessionEvent.ANSWERED, info.answered_at)  # its OriginateResponse was missed
        event = SessionEvent.HANGUP if session.answered or session.stop_requested else SessionEvent.FAILED
        self._end(session, event)

    def _end(self, session: Session, event: SessionEvent) -> None:
        if session.state == SessionState.ENDED:
            return
        session.step(event, self._wall())
        self.sessions.pop(session.supervisor, None)
        self._by_id.pop(session.id, None)
        watcher = self._watchers.pop(session.id, None)
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()
        self.records.submit(MonitorSessionRecord(
            session_id=session.id, supervisor=session.supervisor, agent=session.agent, mode=str(session.mode),
            modes=session.modes_json(), outcome=session.outcome, via=session.via, started_at=session.started_at,
            ended_at=session.ended_at, call_id=session.call_id))
        log.info("monitor %s ended (%s): supervisor %s, agent %s, modes %s", session.id, session.outcome,
                 session.supervisor, session.agent, session.modes_json())
        self._notify(session, self.supervisors.get(session.supervisor), "ended")

    def _notify(self, session: Session, sup: Supervisor | None, event: str) -> None:
        """CTI news: the supervisor's own topic always; the agent's desk when `notify_agent`."""
        payload = {**session.view(), "event": event, "notify_agent": bool(sup and sup.notify_agent)}
        self._relay("monitor", payload)
