"""Agent-desktop actions that reach outside the ACD: classify a call, promise a call-back, hang up.

They share the control channel's validation and error replies (`cti.app.control.Commands`) and the
MQTT bridge's per-agent topics. Side effects that need I/O (a database insert, an AMI action) run
as tasks the desk keeps a reference to; the reply says what was accepted.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import Field

from common.recording import RecordingEvent
from cti.calls.background import Background

log = logging.getLogger("hotline.desk")
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\w\-]+$")]
Note = Annotated[str, Field(max_length=500)]


class DeskActions:
    """What an agent's desktop may do besides changing state."""

    def __init__(self, acd, dialer=None, ami=None, registry=None, callback_campaign: str = "callbacks",
                 consults=None, recorder=None) -> None:
        self.acd, self.dialer, self.ami, self.registry = acd, dialer, ami, registry
        self.consults = consults
        self.recorder = recorder  # cti.services.recordings.Recorder, or None: no recordings
        self.callback_campaign = callback_campaign
        self._background = Background(log, "desk action")

    def disposition(self, agent_id: str, code: str, note: str = "", score: int | None = None,
                    answer: str = "") -> dict[str, Any]:
        """Classify the last call; a follow-up call (回访) also carries the customer's score and answer."""
        given = {k: v for k, v in (("score", score), ("answer", answer)) if v not in (None, "")}
        task = self.acd.disposition(agent_id, code, note, **given)
        return {"call": task.id, "code": code, **given}

    def callback(self, agent_id: str, number: str = "", at: datetime | None = None, note: str = "") -> dict[str, Any]:
        """Schedule a call-back (default: the caller of the agent's last call, now)."""
        if self.dialer is None:
            raise LookupError("this engine runs no dialer: call-backs cannot be scheduled")
        last = self.acd.last_call.get(agent_id)
        number = number or (last.attributes.get("caller", "") if last else "")
        if not number:
            raise LookupError("no number given and no last call to take it from")
        when = at or datetime.now(timezone.utc)
        self._background.spawn(self.dialer.book_callback(self.callback_campaign, number,
                                                         last.attributes.get("customer_name", "") if last else "",
                                                         {"agent": agent_id, "note": note}, when=when))
        return {"number": number, "at": when.isoformat()}

    def hangup(self, agent_id: str) -> dict[str, Any]:
        """End the agent's current call (the caller's channel, so the whole call ends)."""
        call_id = self._current_call(agent_id)
        info = self.registry.get(call_id) if call_id and self.registry else None
        if info is None or not info.channel or info.ended_at or self.ami is None:
            raise LookupError(f"agent {agent_id} has no call to hang up")
        self._background.spawn(self.ami.hangup(info.channel))
        return {"call": call_id}

    def transfer(self, agent_id: str, queue: str) -> dict[str, Any]:
        """Blind transfer to a queue: the agent's leg is hung up, the caller's own coroutine (still in
        its Dial, option g) takes the caller to the new queue with the same context."""
        if self.consults is not None and self.consults.of_agent(agent_id) is not None:
            raise LookupError(f"agent {agent_id} is consulting: complete or cancel the consult first")
        task = self.acd.request_transfer(agent_id, queue)
        legs = self.registry.agent_legs(task.id) if self.registry else []
        if not legs or self.ami is None:
            self.acd.take_transfer(task.id)
            raise LookupError(f"cannot find agent {agent_id}'s side of call {task.id}")
        for channel in legs:
            self._background.spawn(self.ami.hangup(channel))
        return {"call": task.id, "queue": queue}

    def consult(self, agent_id: str, queue: str | None = None, colleague: str | None = None) -> dict[str, Any]:
        """Attended transfer (cti.calls.consult), step 1: the caller on hold, a colleague of `queue` (or
        the named `colleague`) on the line."""
        return self._consults().start(agent_id, queue, colleague)

    def consult_complete(self, agent_id: str) -> dict[str, Any]:
        return self._consults().complete(agent_id)

    def consult_cancel(self, agent_id: str) -> dict[str, Any]:
        return self._consults().cancel(agent_id)

    def _consults(self):
        if self.consults is None:
            raise LookupError("this engine has no Asterisk link for consult transfers")
        return self.consults

    async def record(self, agent_id: str, action: str) -> dict[str, Any]:
        """Start (on_demand), pause or resume the recording of the agent's OWN current call (muting
        keeps the timeline). Awaits Asterisk: the reply says what really happened."""
        if self.recorder is None:
            raise LookupError("this engine records no calls")
        agent = self.acd.agent(agent_id)
        task = self.acd.last_call.get(agent_id)
        if agent is None or str(agent.state) != "on_call" or task is None:
            raise LookupError(f"agent {agent_id} is not on a call")
        return await self.recorder.command(task.id, RecordingEvent(action))

    def preview(self, agent_id: str, accept: bool) -> dict[str, Any]:
        if self.dialer is None:
            raise LookupError("this engine runs no dialer")
        return self.dialer.preview.decide(agent_id, accept)

    def _current_call(self, agent_id: str) -> str | None:
        agent = self.acd.agent(agent_id)
        if agent is not None and str(agent.state) == "on_call" and agent_id in self.acd.last_call:
            return self.acd.last_call[agent_id].id
        reservation = self.acd.reservation_of(agent_id)
        return reservation.task_id if reservation else None


DeskCmdName = Literal["agent.disposition", "agent.callback", "agent.hangup", "agent.transfer",
                      "agent.consult", "agent.consult_complete", "agent.consult_cancel",
                      "agent.preview_accept", "agent.preview_skip",
                      "agent.record_start", "agent.record_pause", "agent.record_resume"]
RECORD_PREFIX = "agent.record_"  # asynchronous: they wait for Asterisk (AMI MixMonitorMute)
