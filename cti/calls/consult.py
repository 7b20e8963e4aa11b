"""Consult (attended) transfers: an agent talks to a colleague before handing the caller over.

Theory of operation
-------------------
`start` (agent A, on a call, asks for queue Q) sends AMI Atxfer on A's leg (the channel that
answered the Dial that reached A) to ``<consult id>@hotline-consult``. Asterisk holds the caller
(music) and dials, from A's channel, a Local channel into that context, which hands the leg to
the engine over FastAGI (``consult/<id>``). `handle` queues that leg in Q as a task of kind
"consult" at top priority, carrying the caller's whole context plus who consults (``consult``,
``consult_of``, ``consulted_by``, ``consulted_from_queue``). It enters the queue log as
``consult_queued``, not ``enqueue``, so queue reports (visits start at ``enqueue``) count callers
only. A hears music; the ACD picks and rings colleague B, whose screen pop (an ordinary
``offer``) shows the caller and who asks; then A and B talk. A consult of a colleague by name
is the same leg pinned to him (`Task.pinned_agent`): offered if he is ready, never queued.

Then A either
- completes (`complete`, or hangs up his phone): A's leg is hung up, Asterisk joins the caller to
  B and reports AttendedTransfer; `AcdService.hand_over` ends A's part (wrap-up) and makes B the
  holder of the call, so B's disposition, hang-up and transfers act on it and its record names B
  and Q. A who hangs up before anyone answered leaves the caller waiting in Q: the first
  colleague to answer gets him.
- cancels (`cancel`): the consult leg is hung up and Asterisk returns A to the caller; B, if he
  answered, goes to wrap-up. B hanging up, nobody to serve Q, no answer within
  `max_wait_s`, or the caller giving up on hold end the consult the same way. A leg still not
  gone `HANGUP_WAIT_S` after its hang-up is given up on: the consult ends all the same.
The caller's call carries the story: queue-log events ``consult`` (start), ``transfer`` (done)
or ``consult_end`` (with the reason); the consulting agent's desktop follows it live
(``consult_answered``, ``consult_completed``, ``consult_ended`` on MQTT ``agents/<id>/consult``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from acd.consult_state import DROPS, HANGING_UP, ConsultEvent, ConsultState, step
from acd.events import AcdEvent, CallQueueEvent, QueueEvent
from acd.models import AgentState, Task
from cti.services.acd import AcdService
from cti.agi import CallerHungUp, CallSession
from cti.ami import events as ev
from cti.ami.client import AmiError
from cti.calls.background import Background
from cti.calls.queue_call import QueueCall

log = logging.getLogger("hotline.consult")
S, E = ConsultState, ConsultEvent
CONTEXT = "hotline-consult"
PRIORITY = 1_000_000  # an agent waiting with a caller on hold goes before every caller
# The leg's FastAGI session reports its hang-up within a second or two of the AMI Hangup. If the
# Hangup failed (AMI down, channel renamed) or the end never reached us, the agent would stay
# "consulting" and the colleague on a call for good; past this we end the consult without it.
HANGUP_WAIT_S = 10.0
Later = Callable[[float, Callable[[], object]], object]  # run an action after a delay (s)


@dataclass
class Consult:
    id: str  # the extension dialled in hotline-consult: 7 digits
    call: Task  # the caller's call, as the consulting agent holds it
    by: str  # the consulting agent
    queue: str
    transferer: str  # the consulting agent's leg (AMI Atxfer's channel)
    state: ConsultState = S.DIALING  # acd.consult_state: dialing -> waiting -> talking -> completed | ended
    agent: str | None = None  # the colleague, once he answered
    leg: str = ""  # the consult leg's channel, once it reached the engine
    task: Task | None = None  # the consult leg as a task of `queue`
    colleague: str | None = None  # asked for by name (else: whoever the ACD picks in `queue`)

    @property
    def completed(self) -> bool:
        return self.state == S.COMPLETED

    def step(self, event: ConsultEvent) -> ConsultState:
        """Move by `acd.consult_state.TRANSITIONS` (anything else raises)."""
        self.state = step(self.id, self.state, event)
        return self.state

    def view(self) -> dict[str, Any]:
        return {"call": self.call.id, "consult": self.id, "queue": self.queue, "colleague": self.colleague,
                "state": self.state, "by": self.by, "agent": self.agent}


class Consults:
    """Live consult transfers, by id and by consulting agent."""

    def __init__(self, acd: AcdService, ami, registry, *, context: str = CONTEXT, max_wait_s: float = 120.0,
                 arrive_timeout_s: float = 15.0, later: Later | None = None) -> None:
        self.acd, self.ami, self.registry = acd, ami, registry
        self._later = later or (lambda delay, action: asyncio.get_running_loop().call_later(delay, action))
        self.context = context
        self.max_wait_s, self.arrive_timeout_s = max_wait_s, arrive_timeout_s
        self._by_id: dict[str, Consult] = {}
        self._by_agent: dict[str, Consult] = {}
        self._by_leg_task: dict[str, Consult] = {}
        self._background = Background(log, "consult action")
        acd.notifier.on_event.append(self._on_acd_event)
        registry.on_attended_transfer.append(self.on_attended_transfer)

    def of_agent(self, agent_id: str) -> Consult | None:
        return self._by_agent.get(agent_id)

    # -- desk commands -----------------------------------------------------------------------
    def start(self, agent_id: str, queue: str | None = None, colleague: str | None = None) -> dict[str, Any]:
        """Put the agent's caller on hold and get him a colleague on the line: the ACD's pick among
        those serving `queue`, or the named `colleague` (if he is ready: he is not queued for)."""
        if agent_id in self._by_agent:
            raise LookupError(f"agent {agent_id} is already consulting (consult {self._by_agent[agent_id].id}): "
                              "complete or cancel it first")
        task, agent = self.acd.last_call.get(agent_id), self.acd.agent(agent_id)
        if task is None or agent is None or agent.state != AgentState.ON_CALL:
            raise LookupError(f"agent {agent_id} is not on a call")
        if colleague is not None:
            self._check_colleague(agent_id, colleague)
            queue = task.queue  # his ring timeout and wrap-up: those of the caller's queue
        if queue is None or self.acd.queue(queue) is None:
            raise LookupError(f"no queue {queue!r} to consult")
        via = self.acd.connected_by.get(agent_id)
        leg = self.registry.answered_peer(via) if via else None
        if leg is None:
            raise LookupError(f"cannot find agent {agent_id}'s side of call {task.id}")
        consult = Consult(self._new_id(), task, agent_id, queue, leg, colleague=colleague)
        self._by_id[consult.id] = self._by_agent[agent_id] = consult
        target = f"agent {colleague}" if colleague else queue
        self.acd.log_call_event(task, QueueEvent.CONSULT, agent_id=agent_id, reason=f"to {target}")
        log.info("call %s: agent %s consults %s (consult %s)", task.id, agent_id, target, consult.id)
        self._background.spawn(self._atxfer(consult))
        self._later(self.arrive_timeout_s, partial(self._check_arrived, consult))
        return consult.view()

    def _check_colleague(self, agent_id: str, colleague: str) -> None:
        other = self.acd.agent(colleague)
        if other is None:
            raise LookupError(f"no agent {colleague!r} to consult")
        if colleague == agent_id:
            raise LookupError("an agent cannot consult himself")
        if other.state != AgentState.READY:
            raise LookupError(f"agent {colleague} is {other.state} and cannot take a consult now")

    def complete(self, agent_id: str) -> dict[str, Any]:
        """Hand the caller to the colleague: the consulting agent's leg is hung up."""
        consult = self._consult_of(agent_id)
        if consult.agent is None:
            raise LookupError(f"nobody has answered consult {consult.id} yet: wait for consult_answered, or cancel")
        self._background.spawn(self.ami.hangup(consult.transferer))
        return consult.view()

    def cancel(self, agent_id: str) -> dict[str, Any]:
        """Back to the caller: the consult leg (and the colleague, if any) is hung up."""
        consult = self._consult_of(agent_id)
        self._drop_leg(consult, E.CANCEL)
        return consult.view()

    def _consult_of(self, agent_id: str) -> Consult:
        consult = self._by_agent.get(agent_id)
        if consult is None:
            raise LookupError(f"agent {agent_id} is not consulting anyone")
        return consult

    # -- the consult leg (FastAGI consult/<id>) ----------------------------------------------
    async def handle(self, call: CallSession) -> None:
        consult = self._by_id.get(call.script.partition("/")[2])
        spec = self.acd.queue(consult.queue) if consult else None
        if consult is None or consult.task is not None or spec is None:
            log.warning("consult leg %s for %s: no such consult waiting; hanging up", call.uniqueid, call.script)
            return  # the dialplan hangs up: the agent is back with the caller
        consult.leg = call.env.get("channel", "")
        consult.step(E.ARRIVE)
        consult.task = Task(id=call.uniqueid, queue=consult.queue, priority=PRIORITY, enqueued_at=self.acd.now(),
                            language=consult.call.language, kind="consult", pinned_agent=consult.colleague,
                            node=call.node,
                            attributes={**consult.call.attributes, "consult": consult.id, "consult_of": consult.call.id,
                                        "consulted_by": consult.by, "consulted_from_queue": consult.call.queue})
        self._by_leg_task[call.uniqueid] = consult
        self._later(self.max_wait_s, partial(self._check_answered, consult))
        reason = "caller hung up"
        try:
            await call.answer()
            queue_call = QueueCall(self.acd, call, consult.task, spec, announce=None)  # the agent sees his screen
            outcome = await queue_call.run()
            reason = "colleague hung up" if outcome.result == "answered" else outcome.result
        except CallerHungUp:
            reason = str(consult.state) if consult.state in HANGING_UP else "consult leg hung up"
        finally:
            self._by_leg_task.pop(call.uniqueid, None)
            self._end(consult, reason)

    def on_call_ended(self, call_id: str) -> None:
        """The caller left while his agent was consulting: nobody is left to hand over, so the
        consult leg goes too (the colleague to wrap-up) rather than keep two agents busy."""
        for consult in [c for c in self._by_id.values() if c.call.id == call_id and not c.completed]:
            self._drop_leg(consult, E.CALLER_GONE)

    # -- what Asterisk and the ACD report ----------------------------------------------------
    def on_attended_transfer(self, event: ev.AttendedTransfer) -> None:
        consult = next((c for c in self._by_id.values() if c.transferer == event.transferer_channel), None)
        if consult is None:
            log.info("attended transfer by %s not started by the engine; ignored", event.transferer_channel)
            return
        if not event.success:
            log.warning("consult %s: Asterisk reports the transfer failed", consult.id)
            return
        self._completed(consult)

    def _on_acd_event(self, event: AcdEvent) -> None:
        """A colleague answered a consult leg (its task's `answer`): the consult is on."""
        if not isinstance(event, CallQueueEvent) or event.event is not QueueEvent.ANSWER:
            return
        consult = self._by_leg_task.get(event.call_id)
        if consult is None:
            return
        consult.agent = event.agent_id
        consult.step(E.ANSWER)
        # after the ACD's own bookkeeping of this answer, not inside it
        asyncio.get_running_loop().call_soon(self._answered, consult)

    def _answered(self, consult: Consult) -> None:
        log.info("consult %s: agent %s answered agent %s", consult.id, consult.agent, consult.by)
        self._tell(consult, "consult_answered")
        if consult.completed:  # the consulting agent had already hung up: the caller goes to whoever answers
            self.acd.hand_over(consult.call, consult.by, consult.agent, consult.queue, consult.task.id)

    def _completed(self, consult: Consult) -> None:
        if consult.completed:
            return
        consult.step(E.COMPLETE)
        self._by_agent.pop(consult.by, None)
        log.info("call %s handed from agent %s to %s (queue %s)", consult.call.id, consult.by,
                 consult.agent or "whoever answers", consult.queue)
        self.acd.hand_over(consult.call, consult.by, consult.agent, consult.queue,
                           consult.task.id if consult.task else None)
        self._tell(consult, "consult_completed")

    def _end(self, consult: Consult, reason: str) -> None:
        """The consult leg is gone (or never came): forget it; unless the call was handed over, its
        agent is back with the caller."""
        if self._by_id.pop(consult.id, None) is None or consult.completed:
            return
        self._by_agent.pop(consult.by, None)
        consult.step(E.END)
        log.info("consult %s ended (%s); agent %s is back with call %s", consult.id, reason, consult.by,
                 consult.call.id)
        self.acd.log_call_event(consult.call, QueueEvent.CONSULT_END, agent_id=consult.by, reason=reason)
        self._tell(consult, "consult_ended", reason)

    def _tell(self, consult: Consult, event: str, reason: str = "") -> None:
        """The consulting agent's desktop (MQTT agents/<id>/consult) follows his consult."""
        self.acd.notifier.relay("consult", {**consult.view(), "event": event, "reason": reason})

    def _check_arrived(self, consult: Consult) -> None:
        if consult.task is None and consult.id in self._by_id:
            log.error("consult %s: the consult leg never reached the engine: is context %s in the dialplan and "
                      "an atxfer code in features.conf?", consult.id, self.context)
            self._end(consult, "consult leg never arrived")

    def _check_answered(self, consult: Consult) -> None:
        if consult.state == S.WAITING and consult.id in self._by_id:
            self._drop_leg(consult, E.TIME_OUT)

    def _drop_leg(self, consult: Consult, event: ConsultEvent) -> None:
        if consult.leg:
            consult.step(event)  # the state names the reason until the leg is gone
            self._background.spawn(self.ami.hangup(consult.leg))
            self._later(HANGUP_WAIT_S, partial(self._check_gone, consult))
        else:  # still dialing: refused when (if) it arrives
            self._end(consult, str(DROPS[event]))

    def _check_gone(self, consult: Consult) -> None:
        """The leg outlived its hang-up: end the consult as its end would, freeing the colleague."""
        if consult.state not in HANGING_UP or consult.id not in self._by_id:
            return
        log.warning("consult %s: leg %s not gone %.0f s after its hang-up; ending the consult without it",
                    consult.id, consult.leg, HANGUP_WAIT_S)
        if consult.task is not None:
            self._by_leg_task.pop(consult.task.id, None)
            self.acd.call_lost(consult.task.id)
        self._end(consult, str(consult.state))

    async def _atxfer(self, consult: Consult) -> None:
        try:
            await self.ami.atxfer(consult.transferer, self.context, consult.id)
        except AmiError as exc:
            log.error("consult %s: Atxfer on %s refused: %s", consult.id, consult.transferer, exc)
            self._end(consult, f"transfer refused by Asterisk: {exc}")

    def _new_id(self) -> str:
        while True:
            candidate = str(random.randrange(1_000_000, 10_000_000))
            if candidate not in self._by_id:
                return candidate
