"""An inbound caller's stay in the ACD: what the IVR's queue node does for a call.

The flow runner hands each `Enqueue` of the walk, with the caller's context, to a `QueueStay`
(one per call). It waits in the named queue (`QueueCall`), then, while an agent passes the call
on by a blind transfer, in the next queue, with the same context plus who passed it. The stay
keeps the last `QueueOutcome` and the queue the call ended in, even when the caller hangs up,
for the call's CDR. When the agent hung up first, `after_agent` (the post-call survey,
cti.calls.survey) has the caller before the flow goes on.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Mapping

from acd.errors import UnknownQueue
from cti.agi import CallSession
from cti.calls.queue_call import Announcer, BookCallback, QueueCall, QueueOutcome
from cti.services.acd import AcdService
from cti.services.recordings import Recorder
from ivr.stepper import Enqueue

log = logging.getLogger("hotline.queue")


class QueueStay:
    """The queue handler of one inbound call's flow runner."""

    def __init__(self, acd: AcdService, book_callback: BookCallback | None = None,
                 recorder: Recorder | None = None) -> None:
        self.acd = acd
        self.recorder = recorder
        self.book_callback = book_callback  # None: no call-back offer
        self.outcome: QueueOutcome | None = None
        self.queue: str | None = None  # where the call is (or ended) queued
        # (call, outcome, queue) once the agent hung up first and the caller is still there
        self.after_agent: Callable[[CallSession, QueueOutcome, str | None], Awaitable[None]] | None = None

    async def __call__(self, call: CallSession, command: Enqueue, context: Mapping[str, str],
                      prompt_path: Callable[[str], str]) -> str:
        """Wait as the flow says; the result is what the flow's queue node branches on."""
        self.queue = command.queue
        try:
            queue_call = QueueCall.for_command(self.acd, call, command, {**context, "dialed": call.dialed},
                                               Announcer(prompt_path), self.book_callback, self.recorder)
        except UnknownQueue:
            log.error("call %s: flow queues to unknown queue %r (check config/acd.yaml)", call.uniqueid, command.queue)
            return "nobody_logged_in"
        while True:
            outcome = await self._wait(queue_call)
            target = self.acd.take_transfer(call.uniqueid) if outcome.result == "answered" else None
            if target is None:
                if outcome.result == "answered" and self.after_agent is not None:
                    await self.after_agent(call, outcome, self.queue)
                return outcome.result
            queue_call = self._transferred(call, queue_call, target, prompt_path)

    async def _wait(self, queue_call: QueueCall) -> QueueOutcome:
        try:
            await queue_call.run()
        finally:
            self.outcome = queue_call.outcome
            self.queue = self.outcome.queue or self.queue  # after a consult transfer
        return self.outcome

    def _transferred(self, call: CallSession, previous: QueueCall, target: str,
                     prompt_path: Callable[[str], str]) -> QueueCall:
        """Blind transfer to another queue: same caller context, plus who passed the call on."""
        context = {**previous.task.attributes, "transferred_from_agent": previous.outcome.agent or "",
                   "transferred_from_queue": previous.task.queue}
        self.queue = target
        log.info("call %s transferred by agent %s from %s to %s", call.uniqueid, previous.outcome.agent,
                 previous.task.queue, target)
        command = Enqueue(target, previous.task.priority, "")
        return QueueCall.for_command(self.acd, call, command, context, Announcer(prompt_path), None, self.recorder)
