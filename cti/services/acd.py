"""ACD use cases: the asyncio shell around the pure `Router`.

Theory of operation: the router decides, this service carries decisions out. Each waiting
call's coroutine opens an `Inbox` for its task; reservations, cancellations, rejections and
timeouts the router produces are dropped into the right inbox, and the call coroutine (which
owns the call) reacts: it dials the reserved agent, keeps waiting, or leaves the queue.
Every agent state change and queue event leaves as a typed event (`acd.events`) through one
sink, the `AcdNotifier`, which makes the record for the database (through the store's writer,
so nothing is lost when the database is down), the CTI/MQTT payload and the log line. One task
ticks the router so that timeouts (wrap-up, ringing, escalation, max wait) happen even when
nothing else does. Questions about queues and agents go through `AcdQueries`, never the router.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable

from acd.agent_state import StateChange
from acd.errors import UnknownReservation
from acd.events import REFUSAL_EVENT, AcdEventSink, AgentStateChanged, CallQueueEvent, QueueEvent
from acd.inbox import InboxEvent, Offered, Refused, TimedOut, Withdrawn
from acd.models import Agent, AgentState, Reservation, Task
from acd.router import Decision, Router
from cti.ami.nodes import Topology
from cti.services.acd_notifier import AcdNotifier, RecordSink
from cti.services.acd_queries import AcdQueries
from cti.services.inbox import Inbox

log = logging.getLogger("hotline.acd")

Q = QueueEvent


class AcdService(AcdQueries):
    """Owns the router; the only code that changes ACD state.

    ``records`` is where the notifier (`notifier`, the service's `AcdEventSink`) submits the
    record of every event; CTI consumers subscribe to the notifier."""

    def __init__(self, router: Router, records: RecordSink, *, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.router = router
        self.notifier = AcdNotifier(records)
        self._events: AcdEventSink = self.notifier
        self._clock, self._wall = clock, wall
        self._inboxes: dict[str, Inbox] = {}
        self.last_call: dict[str, Task] = {}  # agent id -> the call he answered last (dispositions)
        self._transfers: dict[str, str] = {}  # call id -> queue it is being transferred to
        # call id -> (agent, queue) talking on it now; None once handed on (consult transfer)
        self._holders: dict[str, tuple[str, str] | None] = {}
        self.connected_by: dict[str, str] = {}  # agent id -> id of the call whose Dial reached his phone
        # (router operation, seconds it took to decide): the routing-time histogram (cti.services.metrics)
        self.decision_observers: list[Callable[[str, float], None]] = []
        self.topology: Topology | None = None  # several Asterisk nodes (docs/nodes.md); None: one

    # -- Asterisk nodes ------------------------------------------------------------------
    def use_topology(self, topology: Topology) -> None:
        self.topology = topology
        self.router.set_default_node(topology.default)

    def dial_target(self, agent: Agent, caller_node: str) -> tuple[str, str]:
        """(what the caller's Dial takes, extra Dial options) to ring ``agent`` from the caller's
        node: his own interface on the same node, the trunk to his node otherwise."""
        if self.topology is None:
            return agent.interface, ""
        return self.topology.dial(agent.interface, agent.node, caller_node)

    def node_link(self, node: str, up: bool) -> None:
        """AMI hook: an Asterisk node was lost or is back (cti.ami.nodes.AmiNodes.on_link)."""
        if self.topology is not None and self.topology.several:
            self._apply(self._timed("node", self.router.node_available, node, up, self.now()))

    # -- time ----------------------------------------------------------------------------
    def now(self) -> float:
        return self._clock()

    async def run_ticks(self, interval: float = 0.5) -> None:
        while True:
            await asyncio.sleep(interval)
            self._apply(self._timed("tick", self.router.tick, self.now()))

    # -- calls ---------------------------------------------------------------------------
    def open(self, task: Task) -> Inbox:
        """Put a call in its queue; events about it arrive in the returned inbox."""
        inbox = self._inboxes[task.id] = Inbox(task)
        self._emit_call_event(task, Q.ENQUEUE, priority=task.priority)
        self._apply(self._timed("enqueue", self.router.enqueue, task, self.now()))
        return inbox

    def close(self, task_id: str) -> None:
        self._inboxes.pop(task_id, None)

    def abandon(self, task_id: str) -> None:
        task = self.router.task(task_id)
        if task is not None:
            self._emit_call_event(task, Q.ABANDON, wait_s=self.now() - task.enqueued_at)
        self._apply(self._timed("abandon", self.router.abandon, task_id, self.now()))

    def leave(self, task_id: str, event: QueueEvent | str) -> None:
        """The caller leaves the queue without an agent (timeout handled, callback booked...)."""
        task = self.router.task(task_id)
        if task is not None:
            self._emit_call_event(task, event, wait_s=self.now() - task.enqueued_at)
            self._apply(self._timed("abandon", self.router.abandon, task_id, self.now(), event))

    def answered(self, reservation: Reservation) -> None:
        """The agent picked up (seen on AMI DialEnd, or when Dial returned)."""
        inbox = self._inboxes.get(reservation.task_id)
        if inbox is None or inbox.accepted_reservation == reservation.id:
            return
        try:
            decision = self._timed("accept", self.router.accept, reservation.id, self.now())
        except UnknownReservation:
            log.warning("agent %s answered call %s after the reservation expired", reservation.agent_id,
                        reservation.task_id)
            return
        inbox.accepted_reservation = reservation.id
        inbox.answered_at = self.now()
        inbox.answered.set()
        self.last_call[reservation.agent_id] = inbox.task
        self._holders[inbox.task.id] = (reservation.agent_id, inbox.task.queue)
        self.connected_by[reservation.agent_id] = inbox.task.id
        self._emit_call_event(inbox.task, Q.ANSWER, agent_id=reservation.agent_id,
                        wait_s=self.now() - inbox.task.enqueued_at)
        self._apply(decision)

    def not_answered(self, reservation: Reservation, reason: str) -> None:
        inbox = self._inboxes.get(reservation.task_id)
        if inbox is not None:
            self._emit_call_event(inbox.task, Q.NO_ANSWER, agent_id=reservation.agent_id, reason=reason)
        self._apply(self._timed("reject", self.router.reject, reservation.id, self.now(), reason))

    def call_ended(self, reservation: Reservation, talk_s: float) -> tuple[str, str] | None:
        """The call's Dial returned: whoever holds it now (the agent who answered, or the colleague
        it was handed to) goes to wrap-up. Returns that (agent, queue); None if it was handed on."""
        holder = self._holders.pop(reservation.task_id, (reservation.agent_id, reservation.queue))
        if holder is not None:
            self.connected_by.pop(holder[0], None)
            self._apply(self._timed("hangup", self.router.hangup, holder[0], self.now()))
        return holder

    def call_lost(self, task_id: str) -> None:
        """The call is gone but its coroutine never heard of it (a hang-up Asterisk did not report):
        it leaves the queue as if abandoned, or whoever talks on it goes to wrap-up. Should that
        coroutine end after all, it frees nobody a second time (`abandon` and `call_ended` no-ops)."""
        self.abandon(task_id)
        holder = self._holders.get(task_id)
        if holder is not None:
            self._holders[task_id] = None
            self.connected_by.pop(holder[0], None)
            self._apply(self._timed("hangup", self.router.hangup, holder[0], self.now()))

    def hand_over(self, task: Task, from_agent: str, to_agent: str | None, queue: str,
                  consult_id: str | None = None) -> None:
        """A consult transfer completed: `from_agent`'s part of `task` ends (wrap-up) and the colleague
        who answered the consult (leg `consult_id`, queue `queue`) holds the call. `to_agent` None:
        nobody answered yet; call again when someone does."""
        holder = self._holders.get(task.id)
        if holder is not None and holder[0] == from_agent:
            self._emit_call_event(task, Q.TRANSFER, agent_id=from_agent, reason=f"attended to {to_agent or 'queue ' + queue}")
            self.connected_by.pop(from_agent, None)
            self._apply(self._timed("hangup", self.router.hangup, from_agent, self.now()))
        if to_agent is None:
            self._holders[task.id] = None
            return
        self._holders[task.id] = (to_agent, queue)
        if consult_id is not None:
            self._holders[consult_id] = None  # the consult leg's end is no longer the colleague's
        self.last_call[to_agent] = task

    def holder(self, call_id: str) -> tuple[str, str] | None:
        return self._holders.get(call_id)

    def on_dial_answered(self, caller_uniqueid: str) -> None:
        """AMI hook: the caller's Dial was answered (agent on_call in real time)."""
        reservation = self.router.reservation_for_task(caller_uniqueid)
        if reservation is not None:
            self.answered(reservation)

    def disposition(self, agent_id: str, code: str, note: str = "", **answer: Any) -> Task:
        """The agent classifies the call he handled last (sale, resolved, complaint...); ``answer``
        (e.g. a follow-up's ``score``) goes into the logged data too."""
        task = self.last_call.get(agent_id)
        if task is None:
            raise LookupError(f"agent {agent_id} has handled no call to classify")
        self._emit_call_event(task, Q.DISPOSITION, agent_id=agent_id, reason=code,
                        data=json.dumps({"code": code, "note": note, **answer}, ensure_ascii=False))
        return task

    def request_transfer(self, agent_id: str, queue: str) -> Task:
        """The agent passes his current call to another queue; the caller's context goes along."""
        task = self.last_call.get(agent_id)
        agent = self.router.agent(agent_id)
        if task is None or agent is None or agent.state != AgentState.ON_CALL:
            raise LookupError(f"agent {agent_id} is not on a call")
        if self.queue(queue) is None:
            raise LookupError(f"no queue {queue!r} to transfer to")
        self._transfers[task.id] = queue
        self._emit_call_event(task, Q.TRANSFER, agent_id=agent_id, reason=f"to {queue}")
        return task

    def log_call_event(self, task: Task, event: QueueEvent | str, **fields: Any) -> None:
        """A queue event about a call that the router did not see (a consult asked or ended)."""
        self._emit_call_event(task, event, **fields)

    def take_transfer(self, call_id: str) -> str | None:
        return self._transfers.pop(call_id, None)

    def reload(self, queues, agents) -> None:
        """New queues/agents from a config reload; live state and waiting callers are kept."""
        self._apply(self._timed("reload", self.router.update_config, queues, agents, self.now()))

    # -- agents --------------------------------------------------------------------------
    def agent_command(self, agent_id: str, command: str, reason: str = "") -> Agent:
        agent = self.router.agent(agent_id)
        if agent is None:
            raise KeyError(agent_id)
        if _already(agent, command, reason):
            return agent  # a desktop pressing Ready twice is not an error
        now = self.now()
        decision = {  # called by _timed
            "login": lambda: self.router.login(agent_id, now),
            "logout": lambda: self.router.logout(agent_id, now),
            "ready": lambda: self.router.ready(agent_id, now),
            "pause": lambda: self.router.pause(agent_id, now, reason or "break"),
            "end_wrapup": lambda: self.router.end_wrapup(agent_id, now),
        }[command]
        self._apply(self._timed(command, decision))
        return self.router.agent(agent_id)

    def restore(self, states: dict[str, tuple[str, str]]) -> None:
        """After a restart: agents logged in before come back as they were (mid-call -> ready)."""
        for agent_id, (state, reason) in states.items():
            if self.router.agent(agent_id) is None or state == AgentState.LOGGED_OUT:
                continue
            self.agent_command(agent_id, "login")
            if state == AgentState.PAUSED:
                self.agent_command(agent_id, "pause", reason)
            elif self.router.agent(agent_id).state != AgentState.READY:
                self.agent_command(agent_id, "ready")
            log.info("agent %s restored as %s", agent_id, self.router.agent(agent_id).state)

    # -- decisions -----------------------------------------------------------------------
    def _timed(self, op: str, decide: Callable[..., Decision], *args: Any) -> Decision:
        started = time.perf_counter()
        decision = decide(*args)
        spent = time.perf_counter() - started
        for observer in self.decision_observers:
            observer(op, spent)
        return decision

    def _apply(self, decision: Decision) -> None:
        for change in decision.state_changes:
            self._emit_state_change(change)
        for reservation in decision.reservations:
            self._deliver(reservation.task_id, Offered(reservation))
            task = self.router.task(reservation.task_id)
            if task is not None:  # the offer is also the agent's screen pop: the caller's whole context
                self._emit_call_event(task, Q.OFFER, agent_id=reservation.agent_id, priority=task.priority,
                                context={**task.attributes, "wait_s": round(self.now() - task.enqueued_at, 1)})
        for reservation in decision.cancelled_reservations:
            self._deliver(reservation.task_id, Withdrawn(reservation))
        for task_id, reason in decision.rejected_tasks:
            inbox = self._inboxes.get(task_id)
            if inbox is not None:
                self._emit_call_event(inbox.task, REFUSAL_EVENT.get(reason, reason), reason=reason)
            self._deliver(task_id, Refused(reason))
        for task_id in decision.timed_out_tasks:
            inbox = self._inboxes.get(task_id)
            if inbox is not None:
                self._emit_call_event(inbox.task, Q.TIMEOUT, wait_s=self.now() - inbox.task.enqueued_at)
            self._deliver(task_id, TimedOut())

    def _deliver(self, task_id: str, event: InboxEvent) -> None:
        inbox = self._inboxes.get(task_id)
        if inbox is not None:
            inbox.events.put_nowait(event)

    def _emit_state_change(self, change: StateChange) -> None:
        self._events.emit(AgentStateChanged.of(change, self._wall()))

    def _emit_call_event(self, task: Task, event: QueueEvent | str, **fields: Any) -> None:
        self._events.emit(CallQueueEvent.of(task, event, self._wall(), **fields))


def _already(agent: Agent, command: str, reason: str) -> bool:
    if command == "ready":
        return agent.state == AgentState.READY
    if command == "login":
        return agent.state != AgentState.LOGGED_OUT
    if command == "logout":
        return agent.state == AgentState.LOGGED_OUT
    if command == "pause":
        return agent.state == AgentState.PAUSED and agent.pause_reason == (reason or "break")
    return False
