"""What the ACD tells the world: typed, frozen events, handed to one `AcdEventSink`.

Why events and not records: the ACD decides, it does not know where news goes. The asyncio shell
(`cti.services.acd.AcdService`) turns the router's decisions into these events and emits them;
one adapter (`cti.services.acd_notifier`) turns each into the database record, the CTI/MQTT
payload and a log line. So a record and the message an agent's desktop shows cannot drift apart,
and nothing in the ACD reaches for the record writer.

`QueueEvent` is the vocabulary of the queue log (`cti.store.models` re-exports it for the
`queue_log.event` column), so a queue event cannot name something the store would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from acd.agent_state import AgentEvent, StateChange
from acd.models import AgentState, Task


class QueueEvent(StrEnum):
    """What happened to a call in a queue (the `queue_log.event` column)."""

    ENQUEUE = "enqueue"
    OFFER = "offer"
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    ABANDON = "abandon"
    TRANSFER = "transfer"
    TIMEOUT = "timeout"
    CALLBACK = "callback"
    LEAVE = "leave"
    NOBODY = "nobody"
    FULL = "full"
    DISPOSITION = "disposition"  # the agent's classification of the call (reason = code, data = note)
    CONSULT = "consult"  # the agent asked a colleague of another queue (reason = "to <queue>")
    CONSULT_END = "consult_end"  # ... and came back to the caller (reason: cancelled, timeout, ...)
    CONSULT_QUEUED = "consult_queued"  # a consult leg's entry in its queue (not a caller's `enqueue`)


# The router's refusal reason -> the queue-log event; the reason itself goes in the event's `reason`.
REFUSAL_EVENT: Mapping[str, QueueEvent] = MappingProxyType({
    "nobody_logged_in": QueueEvent.NOBODY, "queue_full": QueueEvent.FULL, "queue_removed": QueueEvent.LEAVE,
    "agent_unavailable": QueueEvent.NOBODY, "not_answered": QueueEvent.LEAVE,
})


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    """An agent moved ``from_state -[event]-> to_state``; ``at`` is wall-clock time (UTC)."""

    at: datetime
    agent_id: str
    from_state: AgentState
    event: AgentEvent
    to_state: AgentState
    reason: str = ""

    @classmethod
    def of(cls, change: StateChange, at: datetime) -> AgentStateChanged:
        return cls(at, change.agent_id, change.from_state, change.event, change.to_state, change.reason)


@dataclass(frozen=True, slots=True)
class CallQueueEvent:
    """Something happened to call ``call_id`` in ``queue``.

    Optional fields are None when they do not apply to the event (the CTI payload carries only
    those that do). ``data`` is JSON text (a disposition's code and note); ``context`` is the
    caller's context that an offer shows on the agent's screen.
    """

    at: datetime
    call_id: str
    queue: str
    event: QueueEvent
    agent_id: str | None = None
    wait_s: float | None = None
    priority: int | None = None
    reason: str | None = None
    data: str | None = None
    context: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event", QueueEvent(self.event))  # ValueError names a word outside the log
        if self.context is not None:
            object.__setattr__(self, "context", MappingProxyType(dict(self.context)))

    @classmethod
    def of(cls, task: Task, event: QueueEvent | str, at: datetime, **fields: Any) -> CallQueueEvent:
        """The event for ``task``. A consult leg entering its queue is logged `consult_queued`, not
        `enqueue`: reports count queue visits from `enqueue`, and an agent's consult is no caller."""
        if task.kind == "consult" and event == QueueEvent.ENQUEUE:
            event = QueueEvent.CONSULT_QUEUED
        return cls(at, task.id, task.queue, QueueEvent(event), **fields)


AcdEvent = AgentStateChanged | CallQueueEvent


class AcdEventSink(Protocol):
    """Where the ACD's events go; `emit` must not block (it runs inside the ACD's bookkeeping)."""

    def emit(self, event: AcdEvent) -> None: ...
