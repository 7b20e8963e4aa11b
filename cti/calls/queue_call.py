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

Safe harbor is a mode of the same loop, for a dialer's answered call (`safe_harbor_s`): no music,
no announcements, no call-back; when no agent has been reserved for `safe_harbor_s` (counted
from entering the queue, and again from each offer that came to nothing) the call leaves the queue
(queue log `abandon`: we abandoned the person) with result `dropped`, as do a refusal and the
router's own timeout. An `Offered` that arrived in time is rung as usual.

Why a poll and not `asyncio.wait_for` on the inbox: the channel is only heard while a command
runs on it. Between slices the coroutine takes the inbox's events, then checks its deadline;
a slice never runs past the deadline. So a caller's hang-up surfaces within one slice as
`CallerHungUp` (an abandon, not a silent wait until the next ring), an offer that arrived before
the deadline is rung before giving up, and all time is `acd.now()`: a test drives the loop with
a fake session whose `wait_for_digit` advances a fake clock. The price is up to one slice
(`POLL_MS`) between an agent freeing up mid-wait and his phone ringing.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping

from acd.errors import UnknownQueue
from acd.models import QueueSpec, Reservation, Task
from cti.services.inbox import Inbox
from acd.inbox import Offered, Refused, TimedOut, Withdrawn
from cti.services.acd import AcdService
from cti.agi import CallerHungUp, CallSession
from cti.services.recordings import Recorder

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


@dataclass
class QueueOutcome:
    result: str  # answered | timeout | nobody_logged_in | queue_full | callback | caller_hangup | dropped
    agent: str | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    queue: str | None = None  # where the call ended up (another queue after a consult transfer)


class QueueCall:
    """Runs one caller's stay in one queue; with `safe_harbor_s`, a dialer's call that must reach an
    agent within that many seconds (see the module docstring)."""

    @classmethod
    def for_command(cls, acd: AcdService, call: CallSession, command, variables: Mapping[str, str],
                    announce: Announcer, book_callback: BookCallback | None = None,
                    recorder: Recorder | None = None) -> "QueueCall":
        """From the IVR's Enqueue command: the task carries the caller's context for the screen pop."""
        spec = acd.queue(command.queue)
        if spec is None:
            raise UnknownQueue(command.queue)
        task = Task(id=call.uniqueid, queue=command.queue, priority=command.priority, enqueued_at=acd.now(),
                    language=variables.get("language", "en"), attributes=dict(variables), node=call.node)
        announce.offer_callback_key = command.callback_key if book_callback else ""
        return cls(acd, call, task, spec, announce, callback_key=command.callback_key, book_callback=book_callback,
                   recorder=recorder)

    def __init__(self, acd: AcdService, call: CallSession, task: Task, spec: QueueSpec, announce: Announcer | None,
                 *, callback_key: str = "", book_callback: BookCallback | None = None,
                 safe_harbor_s: float | None = None, recorder: Recorder | None = None,
                 record: str | None = None) -> None:
        if safe_harbor_s is not None and (announce is not None or book_callback is not None):
            raise ValueError("a safe-harbor wait makes no announcements and offers no call-back")
        self.acd, self.call, self.task, self.spec = acd, call, task, spec
        self.announce = announce
        self.callback_key = callback_key if book_callback else ""
        self.book_callback = book_callback
        self.safe_harbor_s = safe_harbor_s
        self.recorder = recorder  # None: this engine records nothing
        self.record = record or spec.record  # never | on_demand | always (common.recording)
        self.outcome = QueueOutcome("caller_hangup")
        self._give_up_at = math.inf  # safe harbor: when the caller leaves if no agent is reserved by then
        self._next_announce = math.inf

    async def run(self) -> QueueOutcome:
        inbox = self.acd.open(self.task)
        try:
            return await self._wait(inbox)
        except CallerHungUp:
            if not inbox.answered.is_set():
                self.acd.abandon(self.task.id)
            if self.outcome.wait_s is None:  # an answered call keeps its wait, even 0.0
                self.outcome.wait_s = self.waited()
            raise
        finally:
            self.acd.close(self.task.id)

    def waited(self) -> float:
        return round(self.acd.now() - self.task.enqueued_at, 3)

    async def _wait(self, inbox: Inbox) -> QueueOutcome:
        await self._music_on()
        self._restart_safe_harbor()
        self._next_announce = self.acd.now() + self.spec.announce_every_s
        while True:
            if await self._take_events(inbox):
                return self.outcome
            if self.acd.now() >= self._give_up_at:
                return self._safe_harbor()
            key = await self._announce_if_due() or await self.call.wait_for_digit(self._slice_ms())
            if key and key == self.callback_key and await self._callback():
                return self._finish("callback")

    def _slice_ms(self) -> int:
        """One poll of the channel, never past the safe-harbor deadline."""
        left_ms = (self._give_up_at - self.acd.now()) * 1000
        return POLL_MS if left_ms >= POLL_MS else max(1, math.ceil(round(left_ms, 3)))

    def _restart_safe_harbor(self) -> None:
        if self.safe_harbor_s is not None:
            self._give_up_at = self.acd.now() + self.safe_harbor_s

    def _safe_harbor(self) -> QueueOutcome:
        log.info("call %s: no agent reserved within %.1f s in %s: safe harbor", self.task.id, self.safe_harbor_s,
                 self.task.queue)
        self.acd.leave(self.task.id, "abandon")  # we abandon the person: what the dialer's drop rate counts
        return self._finish("dropped")

    async def _callback(self) -> bool:
        """Book a call-back; on failure the caller simply keeps waiting (and is not offered it again)."""
        if not await self.book_callback(self.task):
            self.callback_key = ""
            if isinstance(self.announce, Announcer):
                self.announce.offer_callback_key = ""
            return False
        self.acd.leave(self.task.id, "callback")
        return True

    async def _take_events(self, inbox: Inbox) -> bool:
        """Act on what the router said meanwhile; True once the stay is over."""
        while not inbox.events.empty():
            if await self._handle(inbox, inbox.events.get_nowait()):
                return True
        return False

    async def _handle(self, inbox: Inbox, event) -> bool:
        if isinstance(event, Offered):
            await self._music_off()
            if await self._ring(inbox, event.reservation):
                return True
            await self._music_on()
            self._restart_safe_harbor()
            return False
        if isinstance(event, Refused):
            self._finish(self._dropped_or(event.reason))
            return True
        if isinstance(event, TimedOut):  # the router already took the call out of the queue
            self._finish(self._dropped_or("timeout"))
            return True
        assert isinstance(event, Withdrawn)
        self._restart_safe_harbor()
        return False

    def _dropped_or(self, result: str) -> str:
        """A dialer's call that leaves without an agent is a drop, whatever the reason."""
        return "dropped" if self.safe_harbor_s is not None else result

    def _finish(self, result: str) -> QueueOutcome:
        self.outcome = QueueOutcome(result, wait_s=self.waited())
        return self.outcome

    async def _music_on(self) -> None:
        if self.safe_harbor_s is None:  # a dialer's call hears nothing for the second or two it waits
            await self.call.music_on()

    async def _music_off(self) -> None:
        if self.safe_harbor_s is None:
            await self.call.music_off()

    async def _ring(self, inbox: Inbox, reservation: Reservation) -> bool:
        agent = self.acd.agent(reservation.agent_id)
        ring_s = max(5, int(self.spec.ring_timeout_s) - 2)
        wait_s = self.waited()
        target, via = self.acd.dial_target(agent, self.task.node)  # via: the trunk to his Asterisk node
        log.info("call %s offered to agent %s (%s%s) after %.1f s", self.task.id, agent.id, agent.interface,
                 f" via {target}" if via else "", wait_s)
        await self._arm_recording()
        try:
            outcome = await self.call.dial(target, ring_s, DIAL_OPTIONS + self._whisper() + via)
        except CallerHungUp:  # mid-Dial: Dial's ANSWEREDTIME is lost with the channel; the ACD saw the answer
            if inbox.answered.is_set():
                talk_s = self.acd.now() - inbox.answered_at if inbox.answered_at is not None else None
                self._connected(reservation, wait_s, None if talk_s is None else round(talk_s, 1))
            raise
        if outcome.status == "ANSWER":
            self.acd.answered(reservation)  # no-op when AMI already reported it
            self._connected(reservation, wait_s, outcome.answered_s)
            return True
        self.acd.not_answered(reservation, DIAL_STATUS_REASON.get(outcome.status, outcome.status.lower() or "failed"))
        return False

    async def _arm_recording(self) -> None:
        """MixMonitor on the caller's channel before the first agent is rung (option b: it keeps
        only the bridged talk); a call already recorded (a transfer dials again) keeps its file."""
        if self.recorder is not None and self.task.kind == "call" and self.record != "never":
            await self.recorder.arm(self.call, self.record, queue=self.task.queue,
                                    campaign=self.task.attributes.get("campaign"))

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

    async def _announce_if_due(self) -> str:
        """Say position / expected wait when it is time; returns a key the caller pressed meanwhile."""
        if self.announce is None or self.acd.now() < self._next_announce:  # None: nobody to tell
            return ""
        key = await self._announce()
        self._next_announce = self.acd.now() + self.spec.announce_every_s
        return key

    async def _announce(self) -> str:
        position = self.acd.position(self.task.id)
        if position <= 0:
            return ""
        ewt = self.acd.ewt(self.task.id)
        log.info("call %s: announced position %d, expected wait %.0f s", self.task.id, position, ewt)
        await self.call.music_off()
        key = await self.announce(self.call, position, ewt)
        await self.call.music_on()
        return key
