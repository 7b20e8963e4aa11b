"""Inbound call use case: one coroutine owns one call from FastAGI connect to its CDR.

Following one call top to bottom: the FastAGI session of a call (`handle`) runs the IVR flow
named by the AGI script (`agi://…/ivr/main`) in a `FlowRunner`; the flow's queue nodes wait in
the ACD through the call's `QueueStay` (cti.calls.queue_stay, then cti.calls.queue_call), which
keeps where the call was queued and how that ended. Then the use case marks the call as properly
finished for the dialplan (HOTLINE_DONE=1, so Asterisk does not fall back), hangs up, and joins
what Asterisk reported over AMI (linked id, hangup cause) with what it saw into the call's one
CDR. A caller leaving mid-prompt ends the coroutine cleanly with disposition `caller_hangup` and
the node they left from.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

from cti.agi import AgiCommandError, AgiCommandTimeout, AgiProtocolError, CallerHungUp, CallSession
from acd.models import Task
from cti.services.acd import AcdService
from cti.store.customers import CustomerDirectory
from cti.calls.queue_call import QueueOutcome
from cti.calls.queue_stay import QueueStay
from cti.services.recordings import Recorder
from cti.ami.registry import CallRegistry, ChannelInfo
from common.safety import strip_controls
from cti.store import CdrRecord, IvrVisitRecord
from ivr.models import Flow
from ivr.struggle import ivr_exit
from cti.calls.flow_runner import FlowRunner, IvrOutcome
from cti.calls.survey import PostCallSurvey, Surveys
from ivr.stepper import FlowLoopError

log = logging.getLogger("hotline.calls")
DONE_VARIABLE = "HOTLINE_DONE"
REFUSED = "refused"  # CDR disposition of a call the admission limit sent to the dialplan's fallback
NORMAL_CLEARING = 16


class CdrSink(Protocol):
    def submit(self, record: CdrRecord) -> None: ...


@dataclass
class CallFacts:
    """What the engine itself saw of a call."""

    started_at: datetime
    answered_at: datetime | None = None
    disposition: str = "error"
    stay: QueueStay | None = None  # the call's time in queues, if its flow can queue

    @property
    def queue(self) -> QueueOutcome | None:
        return self.stay.outcome if self.stay else None

    @property
    def queue_name(self) -> str | None:
        return self.stay.queue if self.stay else None


class InboundCalls:
    """Serves every inbound FastAGI call; one instance per engine."""

    def __init__(self, flows: Callable[[], dict[str, Flow]], sounds_dir: Path, registry: CallRegistry,
                 cdrs: CdrSink, *, hangup_wait: float = 2.0, ami_up: Callable[[], bool] = lambda: False,
                 acd: AcdService | None = None, directory: CustomerDirectory | None = None,
                 book_callback=None, recorder: Recorder | None = None,
                 surveys: Surveys | None = None) -> None:
        self._flows = flows
        self._recorder = recorder  # None: no call is recorded
        self._sounds_dir = sounds_dir
        self._registry = registry
        self._cdrs = cdrs
        self._hangup_wait = hangup_wait
        self._ami_up = ami_up
        self._acd = acd
        self._directory = directory
        self._book_callback = book_callback  # async (Task) -> bool, or None: no call-back offer
        self._surveys = surveys  # post-call surveys of queues with `survey:` (None: none)
        self.ended_listeners: list[Callable[[CdrRecord], None]] = []  # CTI "call ended" events
        self.served = 0
        self.active = 0  # calls inside `handle` now (the admission limit counts them)
        self._recording: set[asyncio.Task[None]] = set()

    async def handle(self, call: CallSession) -> None:
        self.active += 1
        facts = CallFacts(started_at=_now())
        try:
            runner = await self._runner(call, facts)
            try:
                facts.disposition = await self._serve(call, runner, facts)
            finally:
                self.served += 1
                _log_end(call, runner, facts)
                self._record_later(call, runner, facts)
        finally:
            self.active -= 1

    def refuse(self, call: CallSession, reason: str) -> None:
        """A call the admission limit turned away: no AGI command is sent, the dialplan falls back
        when the socket closes; its CDR says `refused` (ivr_exit: the limit that refused it)."""
        now = _now()
        log.warning("call %s from %r refused (%s): the dialplan falls back", call.uniqueid, call.caller, reason)
        self._cdrs.submit(CdrRecord(
            call_id=call.uniqueid or f"agi-{id(call)}", direction="inbound", caller=strip_controls(call.caller),
            caller_name=strip_controls(call.env.get("calleridname", "")), dialed=strip_controls(call.dialed),
            started_at=now, ended_at=now, disposition=REFUSED, ivr_exit=reason, asterisk_node=call.node or None))

    async def _runner(self, call: CallSession, facts: CallFacts) -> FlowRunner | None:
        """The call's IVR walk, queueing through the call's own `QueueStay`; None: no such flow."""
        flow = self._flow_for(call.script)
        if flow is None:
            return None
        facts.stay = QueueStay(self._acd, self._book_callback, self._recorder) if self._acd else None
        variables = {"caller": call.caller, **(await self._lookup(call.caller))}
        runner = FlowRunner(flow, self._sounds_dir, variables=variables, queue_handler=facts.stay,
                            customer_lookup=self._customer_lookup(), book_callback=self._ivr_callback,
                            flows=self._flows)
        if facts.stay and self._surveys:
            facts.stay.after_agent = PostCallSurvey(self._surveys, self._acd, runner)
        return runner

    async def drain(self, timeout: float) -> None:
        """Wait for pending CDRs of finished calls (at shutdown, before the writer flushes)."""
        if self._recording:
            await asyncio.wait(set(self._recording), timeout=timeout)

    async def _serve(self, call: CallSession, runner: FlowRunner | None, facts: CallFacts) -> str:
        if runner is None:
            log.error("call %s asks for script %r: no such flow; the dialplan falls back", call.uniqueid, call.script)
            return "fallback"
        try:
            await call.answer()
            facts.answered_at = _now()
            outcome = await runner.run(call)
            await call.set_variable(DONE_VARIABLE, "1")
            if outcome.disposition != "transferred":  # a Goto transfer already moved the channel on
                await _hang_up_normally(call)
            return outcome.disposition
        except CallerHungUp:
            return "caller_hangup"
        except (AgiCommandError, AgiCommandTimeout, AgiProtocolError, FlowLoopError) as exc:
            log.error("call %s failed at node %s (%s); the dialplan falls back", call.uniqueid, runner.walk.node, exc)
            return "error"

    def _customer_lookup(self):
        return self._directory.lookup_by if self._directory else None

    async def _ivr_callback(self, number: str, variables) -> bool:
        """The IVR's callback node: book like a waiting caller's "press 1" does."""
        if self._book_callback is None:
            return False
        task = Task(id=f"ivr-{number}", queue=variables.get("queue", ""), priority=0, enqueued_at=0.0,
                    attributes={**variables, "caller": number})
        return await self._book_callback(task)

    async def _lookup(self, caller: str) -> dict[str, str]:
        return await self._directory.lookup(caller) if self._directory else {}

    def _flow_for(self, script: str) -> Flow | None:
        kind, _, name = script.partition("/")
        return self._flows().get(name) if kind == "ivr" else None

    def _record_later(self, call: CallSession, runner: FlowRunner | None, facts: CallFacts) -> None:
        """Asterisk hangs the channel up only once the FastAGI socket closes, i.e. after `handle`
        returns: the CDR waits for that Hangup event in a task of its own."""
        task = asyncio.create_task(self._record(call, runner.outcome if runner else None, facts),
                                   name=f"cdr {call.uniqueid}")
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    async def _record(self, call: CallSession, outcome: IvrOutcome | None, facts: CallFacts) -> None:
        info = await self._channel(call.uniqueid)
        ended = info.ended_at if info and info.ended_at else _now()
        started = min(facts.started_at, info.created_at) if info and info.created_at else facts.started_at
        record = CdrRecord(
            call_id=call.uniqueid or f"agi-{id(call)}",
            linked_id=info.linkedid if info else None,
            direction="inbound",
            caller=strip_controls(call.caller),
            caller_name=strip_controls(call.env.get("calleridname", "")),
            dialed=strip_controls(call.dialed),
            started_at=started,
            answered_at=facts.answered_at,
            ended_at=ended,
            duration_s=round((ended - started).total_seconds(), 3),
            ivr_flow=outcome.flow if outcome else "",
            ivr_path=outcome.path_text if outcome else "",
            exit_node=outcome.exit_node if outcome else "",
            queue=facts.queue_name,
            agent=facts.queue.agent if facts.queue else None,
            wait_s=facts.queue.wait_s if facts.queue else None,
            talk_s=facts.queue.talk_s if facts.queue else None,
            disposition=facts.disposition,
            hangup_cause=info.cause if info else None,
            hangup_cause_txt=info.cause_txt if info else None,
            digits="".join(outcome.digits) if outcome else None,
            ivr_exit=ivr_exit(outcome.visits, facts.disposition, facts.queue_name is not None) if outcome else None,
            asterisk_node=call.node or None,
        )
        self._cdrs.submit(record)
        for visit in _visit_records(record, outcome):
            self._cdrs.submit(visit)
        for listener in self.ended_listeners:
            listener(record)
        if self._recorder is not None:  # after the CDR: the file may take a moment to be closed
            await self._recorder.finish(record.call_id, agent=record.agent, queue=record.queue, ended_at=ended)

    async def _channel(self, uniqueid: str) -> ChannelInfo | None:
        """The AMI view of the call; waits briefly for its Hangup event when AMI is up."""
        if not uniqueid:
            return None
        if self._ami_up():
            return await self._registry.wait_ended(uniqueid, self._hangup_wait)
        return self._registry.get(uniqueid)


def _log_end(call: CallSession, runner: FlowRunner | None, facts: CallFacts) -> None:
    """The call's one INFO line (its start and prompts are DEBUG lines: INFO logging cost ~0.15 ms a line)."""
    if log.isEnabledFor(logging.INFO):
        queue = facts.queue
        log.info("call %s from %r to %r (%s) ended: %s at node %s%s", call.uniqueid, call.caller, call.dialed,
                 call.script, facts.disposition, runner.walk.node if runner else "-",
                 f", queue {facts.queue_name} agent {queue.agent}" if queue and queue.agent else "")


def _visit_records(cdr: CdrRecord, outcome: IvrOutcome | None) -> list[IvrVisitRecord]:
    """One record per menu/collect visit, keyed `<call>:<n>` (a replayed spool cannot count it twice)."""
    if outcome is None:
        return []
    return [IvrVisitRecord(visit_id=f"{cdr.call_id}:{n}", call_id=cdr.call_id, flow=outcome.flow, node=v.node,
                           kind=v.kind, tries=v.tries, no_match=",".join(v.no_match), no_input=v.no_input,
                           end=str(v.end), at=cdr.started_at)
            for n, v in enumerate(outcome.visits)]


async def _hang_up_normally(call: CallSession) -> None:
    """Hangup(16): AGI's own HANGUP leaves the cause at 0 (unknown), which reports would misread."""
    try:
        await call.exec("Hangup", NORMAL_CLEARING)
    except CallerHungUp:
        pass  # that is the point


def _now() -> datetime:
    return datetime.now(timezone.utc)
