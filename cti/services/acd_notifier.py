"""The one way ACD events leave the domain: each becomes a record, a CTI payload and a log line.

Why one module: the row written to the database and the message an agent's desktop shows must
say the same thing. `AcdService` and the call use cases emit frozen events (`acd.events`);
`AcdNotifier.emit` maps each one here, in this order:

1. the record (`AgentStateRecord` / `QueueLogRecord`) goes to the record writer, which spools
   it when the database is down, so nothing is lost;
2. `on_event` observers get the typed event (use cases reacting to the ACD, e.g. consults);
3. `listeners` get the CTI payload, ``('agent', {...})`` or ``('queue', {...})``: the dicts the
   MQTT bridge (`cti.mqtt.notifier`) turns into messages.

CTI news that no ACD state change stands behind (a consult's progress for the consulting agent,
a lead in preview) goes through `relay`: to the same listeners, unrecorded.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

from acd.events import AcdEvent, AgentStateChanged, CallQueueEvent
from cti.store.models import AgentStateRecord, QueueLogRecord

log = logging.getLogger("hotline.acd")

CtiListener = Callable[[str, dict[str, Any]], None]
EventObserver = Callable[[AcdEvent], None]


class RecordSink(Protocol):
    def submit(self, record: object) -> None: ...


def record_of(event: AcdEvent) -> AgentStateRecord | QueueLogRecord:
    """The database row of an event (optional fields left None stay NULL)."""
    match event:
        case AgentStateChanged():
            return AgentStateRecord(at=event.at, agent_id=event.agent_id, from_state=str(event.from_state),
                                    event=str(event.event), to_state=str(event.to_state),
                                    reason=event.reason or None)
        case CallQueueEvent():
            return QueueLogRecord(at=event.at, call_id=event.call_id, queue=event.queue, event=event.event,
                                  **_given(event))
    raise TypeError(f"not an ACD event: {event!r}")


def cti_payload_of(event: AcdEvent) -> tuple[str, dict[str, Any]]:
    """The CTI listeners' ``(kind, payload)``; the MQTT bridge adds ``at`` when it publishes."""
    match event:
        case AgentStateChanged():
            return "agent", {"agent": event.agent_id, "from": str(event.from_state), "event": str(event.event),
                             "state": str(event.to_state), "reason": event.reason}
        case CallQueueEvent():
            context = {"context": dict(event.context)} if event.context else {}
            return "queue", {"queue": event.queue, "call": event.call_id, "event": str(event.event),
                             **_given(event), **context}
    raise TypeError(f"not an ACD event: {event!r}")


def _given(event: CallQueueEvent) -> dict[str, Any]:
    """The optional fields that apply to this event, in the payloads' historical key order."""
    fields = {"agent_id": event.agent_id, "wait_s": event.wait_s, "priority": event.priority,
              "reason": event.reason, "data": event.data}
    return {k: v for k, v in fields.items() if v is not None}


class AcdNotifier:
    """The `AcdEventSink` of the running engine (see the module docstring for what it does)."""

    def __init__(self, records: RecordSink) -> None:
        self._records = records
        self.on_event: list[EventObserver] = []
        self.listeners: list[CtiListener] = []

    def emit(self, event: AcdEvent) -> None:
        self._records.submit(record_of(event))
        _log(event)
        for observer in self.on_event:
            observer(event)
        self.relay(*cti_payload_of(event))

    def relay(self, kind: str, payload: dict[str, Any]) -> None:
        """Pass a CTI event the ACD did not produce (``consult``, ``preview``) on to the listeners."""
        for listener in self.listeners:
            listener(kind, payload)


def _log(event: AcdEvent) -> None:
    if isinstance(event, AgentStateChanged):
        log.debug("agent %s: %s -[%s]-> %s%s", event.agent_id, event.from_state, event.event, event.to_state,
                  f" ({event.reason})" if event.reason else "")
    else:
        log.debug("call %s, queue %s: %s%s", event.call_id, event.queue, event.event,
                  f" (agent {event.agent_id})" if event.agent_id else "")
