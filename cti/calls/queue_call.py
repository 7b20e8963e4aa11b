"""A caller waiting in an ACD queue, and being connected to an agent: one coroutine, one call.

Theory of operation: the call's FastAGI coroutine opens an inbox at the ACD, starts music on
hold and polls `WAIT FOR DIGIT` in short slices, so it can both hear the caller's keys (press 1
for a call back) and react to the router within half a second. Every `announce_every_s` it
stops the music to say the caller's position and estimated wait. When the router reserves an
agent, the coroutine dials the agent's interface with a ring timeout a little shorter than the
reservation's, so the router never expires a reservation that Dial is still ringing. An
unanswered agent is reported (the router pauses the agent and offers the caller, at the head
of the queue, to the next agent) and the wait goes on. Answered: the agent is on_call from the
moment AMI reports the answer; when Dial returns the agent goes to wrap-up.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Awaitable, Callable

from acd.models import QueueSpec, Reservation, Task
from cti.services.inbox import Inbox
from acd.inbox import Offered, Refused, TimedOut, Withdrawn
from cti.services.acd import AcdService
from cti.agi import CallerHungUp, CallSession

log = logging.getLogger("hotline.queue")
POLL_MS = 500
_PLAIN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# g: the caller's coroutine goes on after the agent hangs up; t: the agent (called party) may
# transfer, which AMI Atxfer (consult transfer) needs.
DIAL_OPTIONS = "gt"
DIAL_STATUS_REASON = {"NOANSWER": "no-answer", "BUSY": "busy", "CHANUNAVAIL": "unavailable",
                      "CONGESTION": "congestion", "CANCEL": "cancel", "DONTCALL": "refused"}



class Announcer:
    """Says a waiting caller's position and expected wait; any key ends it and is returned."""

    def __init__(self, prompt_path: Callable[[str], str], offer_callback_key: str = "") -> None:
        self.path = prompt_path
        self.offer_callback_key = offer_callback_key

    async def __call__(self, call: CallSession, position: int, ewt_s: float) -> str:
        keys = "0123456789*#"
        key = await call.play(self.path("queue_position"), keys)
        key = key or await call.say_number(position, keys)
        key = key or await call.play(self.path("queue_in_line"), keys)
        if ewt_s >= 60 and not key:
            key = await call.play(self.path("queue_ewt"), keys)
            key = key or await call.say_number(max(1, round(ewt_s / 60)), keys)
            key = key or await call.play(self.path("minutes"), keys)
        if self.offer_callback_key and not key:
            key = await call.play(self.path("queue_callback_offer"), keys)
        return key


BookCallback = Callable[[Task], Awaitable[bool]]


class UnknownQueue(KeyError):
    error_id = "acd-unknown-queue"


@dataclass
class QueueOutcome:
    result: str  # answered | timeout | nobody_logged_in | queue_full | callback | caller_hangup
    agent: str | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    queue: str | None = None  # where the call ended up (another queue after a consult transfer)


class QueueCall:
    """Runs one caller's stay in one queue."""

    @classmethod
    def for_command(cls, acd: AcdService, call: CallSession, command, variables: dict[str, str],
                    announce: Announcer, book_callback: BookCallback | None = None) -> "QueueCall":
        """From the IVR's Enqueue command: the task carries the caller's context for the screen pop."""
        spec = acd.queue(command.queue)
        if spec is None:
            raise UnknownQueue(command.queue)
        task = Task(id=call.uniqueid, queue=command.queue, priority=command.priority, enqueued_at=acd.now(),
                    language=variables.get("language", "en"), attributes=dict(variables))
        announce.offer_callback_key = command.callback_key if book_callback else ""
        return cls(acd, call, task, spec, announce, callback_key=command.callback_key, book_callback=book_callback)

    def __init__(self, acd: AcdService, call: CallSession, task: Task, spec: QueueSpec, announce: Announcer | None,
                 *, callback_key: str = "", book_callback: BookCallback | None = None) -> None:
        self.acd, self.call, self.task, self.spec = acd, call, task, spec
        self.announce = announce
        self.callback_key = callback_key if book_callback else ""
        self.book_callback = book_callback
        self.outcome = QueueOutcome("caller_hangup")

    async def run(self) -> QueueOutcome:
        inbox = self.acd.open(self.task)
        try:
            return await self._wait(inbox)
        except CallerHungUp:
            if not inbox.answered.is_set():
                self.acd.abandon(self.task.id)
            self.outcome.wait_s = self.outcome.wait_s or self.waited()
            raise
        finally:
            self.acd.close(self.task.id)

    def waited(self) -> float:
        return round(self.acd.now() - self.task.enqueued_at, 3)

    async def _wait(self, inbox: Inbox) -> QueueOutcome:
        await self.call.music_on()
        next_announce = self.acd.now() + self.spec.announce_every_s
        while True:
            while not inbox.events.empty():
                done = await self._handle(inbox, inbox.events.get_nowait())
                if done:
                    return self.outcome
            key = ""
            if self.announce is not None and self.acd.now() >= next_announce:  # None: nobody to tell
                key = await self._announce()
                next_announce = self.acd.now() + self.spec.announce_every_s
            key = key or await self.call.wait_for_digit(POLL_MS)
            if key and key == self.callback_key and await self._callback():
                return self._finish("callback")

    async def _callback(self) -> bool:
        """Book a call-back; on failure the caller simply keeps waiting (and is not offered it again)."""
        if not await self.book_callback(self.task):
            self.callback_key = ""
            if isinstance(self.announce, Announcer):
                self.announce.offer_callback_key = ""
            return False
        self.acd.leave(self.task.id, "callback")
        return True

    async def _handle(self, inbox: Inbox, event) -> bool:
        if isinstance(event, Offered):
            await self.call.music_off()
            if await self.ring(inbox, event.reservation):
                return True
            await self.call.music_on()
            return False
        if isinstance(event, Refused):
            self._finish(event.reason)
            return True
        if isinstance(event, TimedOut):  # the router already took the call out of the queue
            self._finish("timeout")
            return True
        assert isinstance(event, Withdrawn)
        return False

    def _finish(self, result: str) -> QueueOutcome:
        self.outcome = QueueOutcome(result, wait_s=self.waited())
        return self.outcome

    async def ring(self, inbox: Inbox, reservation: Reservation) -> bool:
        agent = self.acd.agent(reservation.agent_id)
        ring_s = max(5, int(self.spec.ring_timeout_s) - 2)
        wait_s = self.waited()
        log.info("call %s offered to agent %s (%s) after %.1f s", self.task.id, agent.id, agent.interface, wait_s)
        try:
            outcome = await self.call.dial(agent.interface, ring_s, DIAL_OPTIONS + self._whisper())
        except CallerHungUp:
            if inbox.answered.is_set():
                self._connected(reservation, wait_s, None)
            raise
        if outcome.status == "ANSWER":
            self.acd.answered(reservation)  # no-op when AMI already reported it
            self._connected(reservation, wait_s, outcome.answered_s)
            return True
        self.acd.not_answered(reservation, DIAL_STATUS_REASON.get(outcome.status, outcome.status.lower() or "failed"))
        return False

    def _whisper(self) -> str:
        """Dial option U(): a Gosub on the agent's channel that says the queue and tier (dialplan
        context hotline-whisper). Only plain names are passed; anything else is left out."""
        if not self.spec.whisper:
            return ""
        args = [a if _PLAIN.match(a) else "" for a in (self.task.queue, self.task.attributes.get("tier", ""))]
        return "U(hotline-whisper^" + "^".join(args) + ")"  # U(context^args): starts at s,1

    def _connected(self, reservation: Reservation, wait_s: float, talk_s: float | None) -> None:
        holder = self.acd.call_ended(reservation, talk_s or 0.0)  # a consult may have handed it on
        agent, queue = holder or (reservation.agent_id, reservation.queue)
        self.outcome = QueueOutcome("answered", agent, wait_s, talk_s, queue)

    async def _announce(self) -> str:
        """Say position / expected wait; returns a key the caller pressed meanwhile."""
        position = self.acd.position(self.task.id)
        if position <= 0:
            return ""
        ewt = self.acd.ewt(self.task.id)
        log.info("call %s: announced position %d, expected wait %.0f s", self.task.id, position, ewt)
        await self.call.music_off()
        key = await self.announce(self.call, position, ewt)
        await self.call.music_on()
        return key
