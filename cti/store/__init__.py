"""Storage: schema, records, engine helpers, queries and the outage-tolerant batching writer.

One `RecordWriter` (alias `CdrWriter`) takes CDRs, agent state changes and queue events.
"""

from cti.store.codec import Record
from cti.store.db import create_schema, insert_ignore, insert_ignore_stmt, make_engine
from cti.store.models import (
    RECORD_TYPES,
    AgentStateRecord,
    CdrRecord,
    DialAttemptRecord,
    IvrVisitRecord,
    QueueEvent,
    QueueLogRecord,
    SpoolFormatError,
    UtcDateTime,
    agent_state_log,
    cdr,
    metadata,
    queue_log,
    record_from_json,
)
from cti.store.queries import (
    fetch_agent_states,
    fetch_cdrs,
    fetch_dial_attempts,
    fetch_queue_log,
    latest_agent_states,
)
from cti.store.spool import Spool
from cti.store.writer import CdrWriter, RecordWriter, WriterStats

__all__ = [
    "RECORD_TYPES",
    "AgentStateRecord",
    "CdrRecord",
    "CdrWriter",
    "DialAttemptRecord",
    "IvrVisitRecord",
    "QueueEvent",
    "QueueLogRecord",
    "Record",
    "RecordWriter",
    "Spool",
    "SpoolFormatError",
    "UtcDateTime",
    "WriterStats",
    "agent_state_log",
    "cdr",
    "create_schema",
    "fetch_agent_states",
    "fetch_cdrs",
    "fetch_dial_attempts",
    "fetch_queue_log",
    "insert_ignore",
    "insert_ignore_stmt",
    "latest_agent_states",
    "make_engine",
    "metadata",
    "queue_log",
    "record_from_json",
]
