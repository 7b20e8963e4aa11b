"""The records the engine hands to the writer: CDRs, agent state changes, queue events.

Each is a frozen dataclass with the `Record` contract (`to_row`/`from_row`/`to_json`/
`from_json`, see `codec.py`) bound to its table and idempotency key:
- `CdrRecord` -> `cdr`, one per call, keyed by Asterisk's uniqueid (`call_id`);
- `AgentStateRecord` -> `agent_state_log`, keyed by `event_id` (uuid4 hex made at creation);
- `QueueLogRecord` -> `queue_log`, keyed by `event_id`.
`RECORD_TYPES` maps a spool line's `kind` to its type; `record_from_json` reads any line,
including CDR lines written before kinds existed (no `kind` means a CDR).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal, get_args
from uuid import uuid4

from acd.events import QueueEvent  # the queue log's vocabulary is the ACD's
from cti.store.codec import Record, SpoolFormatError, load_spool_object
from cti.store.quality_models import QUALITY_RECORDS
from cti.store.schema import UtcDateTime, agent_state_log, cdr, dial_attempt, ivr_visit, metadata, queue_log

__all__ = [
    "RECORD_TYPES", "AgentStateRecord", "CdrRecord", "DialAttemptRecord", "IvrVisitRecord", "QueueEvent",
    "QueueLogRecord", "Record",
    "SpoolFormatError", "UtcDateTime", "agent_state_log", "cdr", "metadata", "queue_log",
    "record_from_json",
]

Direction = Literal["inbound", "outbound"]

# Dispositions used by the engine; the column is a plain string so new ones need no migration.
COMPLETED: Final = "completed"
CALLER_HANGUP: Final = "caller_hangup"
SILENT: Final = "silent"
FALLBACK: Final = "fallback"
ERROR: Final = "error"


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    return uuid4().hex


@dataclass(frozen=True, slots=True)
class CdrRecord(Record):
    """One finished call, as written to `cdr` and to the spool."""

    KIND = "cdr"
    TABLE = cdr
    KEY = "call_id"

    call_id: str
    linked_id: str | None = None
    direction: Direction = "inbound"
    caller: str = ""
    caller_name: str = ""
    dialed: str = ""
    started_at: datetime = field(default_factory=utc_now)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float = 0.0
    ivr_flow: str = ""
    ivr_path: str = ""
    exit_node: str = ""
    queue: str | None = None
    agent: str | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    disposition: str = COMPLETED
    hangup_cause: int | None = None
    hangup_cause_txt: str | None = None
    digits: str | None = None
    engine_node: str | None = None
    ivr_exit: str | None = None
    asterisk_node: str | None = None  # the Asterisk node that carried the call (several nodes: docs/nodes.md)
    id: int | None = None

    def _validate(self) -> None:
        if not self.call_id:
            raise ValueError("CdrRecord.call_id must be a non-empty Asterisk uniqueid")
        if self.direction not in get_args(Direction):
            raise ValueError(f"CdrRecord.direction must be inbound|outbound, got {self.direction!r}")


@dataclass(frozen=True, slots=True)
class AgentStateRecord(Record):
    """One agent state transition `from_state -[event]-> to_state`, as logged by the ACD."""

    KIND = "agent_state_log"
    TABLE = agent_state_log
    KEY = "event_id"

    agent_id: str
    from_state: str
    event: str
    to_state: str
    at: datetime = field(default_factory=utc_now)
    reason: str | None = None
    queue: str | None = None
    call_id: str | None = None
    event_id: str = field(default_factory=new_event_id)
    id: int | None = None

    def _validate(self) -> None:
        if not self.agent_id:
            raise ValueError("AgentStateRecord.agent_id must be non-empty")
        if not self.event_id:
            raise ValueError("AgentStateRecord.event_id must be non-empty")


@dataclass(frozen=True, slots=True)
class QueueLogRecord(Record):
    """One queue event of a call; `data` is optional JSON text for event-specific details."""

    KIND = "queue_log"
    TABLE = queue_log
    KEY = "event_id"

    call_id: str
    queue: str
    event: QueueEvent
    at: datetime = field(default_factory=utc_now)
    agent_id: str | None = None
    priority: int | None = None
    position: int | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    reason: str | None = None
    data: str | None = None
    event_id: str = field(default_factory=new_event_id)
    id: int | None = None

    def _validate(self) -> None:
        if not self.call_id or not self.queue or not self.event_id:
            raise ValueError("QueueLogRecord.call_id, queue and event_id must be non-empty")
        try:
            object.__setattr__(self, "event", QueueEvent(self.event))
        except ValueError:
            allowed = "|".join(QueueEvent)
            raise ValueError(f"QueueLogRecord.event must be {allowed}, got {self.event!r}") from None
        if self.data is not None:
            _require_json_text(self.data)


def _require_json_text(data: object) -> None:
    if not isinstance(data, str):
        raise TypeError(f"QueueLogRecord.data must be JSON text, got {type(data).__name__}")
    try:
        json.loads(data)
    except ValueError as exc:
        raise ValueError(f"QueueLogRecord.data is not valid JSON ({exc}); use json.dumps") from None


DIAL_OUTCOMES = ("human", "machine", "busy", "no_answer", "failed", "dropped")


@dataclass(frozen=True, slots=True)
class DialAttemptRecord(Record):
    """One finished outbound attempt: `outcome` is one of DIAL_OUTCOMES (`dropped` = abandoned by us)."""

    KIND = "dial_attempt"
    TABLE = dial_attempt
    KEY = "attempt_id"

    attempt_id: str
    campaign: str
    lead_id: str
    number: str
    outcome: str
    started_at: datetime = field(default_factory=utc_now)
    ended_at: datetime = field(default_factory=utc_now)
    answered_at: datetime | None = None
    amd_status: str | None = None
    amd_cause: str | None = None
    agent: str | None = None
    call_id: str | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    id: int | None = None

    def _validate(self) -> None:
        if not self.attempt_id or not self.campaign or not self.lead_id:
            raise ValueError("DialAttemptRecord.attempt_id, campaign and lead_id must be non-empty")
        if self.outcome not in DIAL_OUTCOMES:
            raise ValueError(f"DialAttemptRecord.outcome must be one of {DIAL_OUTCOMES}, got {self.outcome!r}")


@dataclass(frozen=True, slots=True)
class IvrVisitRecord(Record):
    """One menu or collect visit of a call (ivr.struggle.NodeVisit); `no_match` the wrong entries, comma-joined."""

    KIND = "ivr_visit"
    TABLE = ivr_visit
    KEY = "visit_id"

    visit_id: str
    call_id: str
    flow: str
    node: str
    kind: str
    tries: int
    no_match: str
    no_input: int
    end: str
    at: datetime = field(default_factory=utc_now)
    id: int | None = None

    def _validate(self) -> None:
        if not self.visit_id or not self.call_id or not self.node:
            raise ValueError("IvrVisitRecord.visit_id, call_id and node must be non-empty")


RECORD_TYPES: Final[dict[str, type[Record]]] = {
    cls.KIND: cls for cls in (CdrRecord, AgentStateRecord, QueueLogRecord, DialAttemptRecord, IvrVisitRecord,
                             *QUALITY_RECORDS)
}


def record_from_json(line: str) -> Record:
    """Parse a spool line of any kind; a line without `kind` is a CDR (pre-kind spools)."""
    data = load_spool_object(line)
    kind = data.get("kind", CdrRecord.KIND)
    record_type = RECORD_TYPES.get(kind) if isinstance(kind, str) else None
    if record_type is None:
        raise SpoolFormatError(f"unknown kind {kind!r}; expected one of {sorted(RECORD_TYPES)}")
    return record_type.from_spool_dict(data)
