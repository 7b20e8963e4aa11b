"""The tables (SQLAlchemy Core): `cdr`, `agent_state_log`, `queue_log`, `ivr_visit`, `lead`, `dial_attempt`.

Each append-only table has a UNIQUE natural key (`cdr.call_id`, `*.event_id`): a row replayed
from the spool after an outage is ignored by the database instead of duplicated.
Datetimes are always timezone-aware UTC in Python; `UtcDateTime` keeps them so on every
backend (SQLite has no time zones, so it stores naive UTC and we re-attach UTC on read).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


def require_aware(value: datetime, what: str) -> datetime:
    """`value` itself, or TypeError/ValueError saying why it is not an aware datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (use datetime.now(UTC))")
    return value


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = require_aware(value, "bound datetime").astimezone(UTC)
        # SQLite's DATETIME storage drops the offset; store naive UTC explicitly.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

cdr = Table(
    "cdr",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(64), nullable=False, unique=True),
    Column("linked_id", String(64)),
    Column("direction", String(8), nullable=False),
    Column("caller", String(80), nullable=False),
    Column("caller_name", String(120), nullable=False),
    Column("dialed", String(80), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("duration_s", Float, nullable=False),
    Column("ivr_flow", String(80), nullable=False),
    Column("ivr_path", Text, nullable=False),
    Column("exit_node", String(80), nullable=False),
    Column("queue", String(80)),
    Column("agent", String(80)),
    Column("wait_s", Float),
    Column("talk_s", Float),
    Column("disposition", String(32), nullable=False),
    Column("hangup_cause", Integer),
    Column("hangup_cause_txt", String(80)),
    Column("digits", Text),
    Column("engine_node", String(80)),
    Column("ivr_exit", String(32)),  # how the call left the IVR (ivr.struggle.IvrExit); added in a later version
    Column("asterisk_node", String(60)),  # which Asterisk node carried the call (docs/nodes.md); added later
    Index("ix_cdr_started_at", "started_at"),
    Index("ix_cdr_caller", "caller"),
)

# One row per agent state transition `from_state -[event]-> to_state` (ACD agent machine).
agent_state_log = Table(
    "agent_state_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("at", UtcDateTime, nullable=False),
    Column("agent_id", String(80), nullable=False),
    Column("from_state", String(32), nullable=False),
    Column("event", String(32), nullable=False),
    Column("to_state", String(32), nullable=False),
    Column("reason", Text),
    Column("queue", String(80)),
    Column("call_id", String(64)),
    Index("ix_agent_state_log_agent_at", "agent_id", "at"),
)

# One row per queue event of a call (enqueue, offer, answer, abandon, ...).
queue_log = Table(
    "queue_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("at", UtcDateTime, nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("queue", String(80), nullable=False),
    Column("event", String(16), nullable=False),
    Column("agent_id", String(80)),
    Column("priority", Integer),
    Column("position", Integer),
    Column("wait_s", Float),
    Column("talk_s", Float),
    Column("reason", Text),
    Column("data", Text),
    Index("ix_queue_log_queue_at", "queue", "at"),
    Index("ix_queue_log_call_id", "call_id"),
)


# One row per menu or collect visit of a call: tries, wrong keys, silences and how it ended
# (ivr.struggle); keyed `<call_id>:<n>` so a spool replay cannot count a visit twice.
ivr_visit = Table(
    "ivr_visit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("visit_id", String(80), nullable=False, unique=True),
    Column("call_id", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("flow", String(80), nullable=False),
    Column("node", String(120), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("tries", Integer, nullable=False),
    Column("no_match", Text, nullable=False),
    Column("no_input", Integer, nullable=False),
    Column("end", String(16), nullable=False),
    Index("ix_ivr_visit_at", "at"),
)


# Outbound leads: one row per person to call per campaign and booking; updated as attempts resolve.
# `booking` is "" for imported leads (one per number: an import does not duplicate a number) and the
# booking's reference for call-backs and follow-ups (nullable only so an older database gains it).
lead = Table(
    "lead",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("campaign", String(80), nullable=False),
    Column("number", String(32), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("name", String(120), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("status", String(16), nullable=False),
    Column("callback_at", UtcDateTime),
    Column("data", Text),
    Column("booking", String(80)),
    Index("ix_lead_campaign_status", "campaign", "status"),
    Index("ux_lead_campaign_number_booking", "campaign", "number", "booking", unique=True),
)

# One row per finished outbound dial attempt (append-only, keyed by the attempt id).
dial_attempt = Table(
    "dial_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempt_id", String(64), nullable=False, unique=True),
    Column("campaign", String(80), nullable=False),
    Column("lead_id", String(64), nullable=False),
    Column("number", String(32), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime),
    Column("ended_at", UtcDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("amd_status", String(16)),
    Column("amd_cause", String(64)),
    Column("agent", String(80)),
    Column("call_id", String(64)),
    Column("wait_s", Float),
    Column("talk_s", Float),
    Index("ix_dial_attempt_campaign_started", "campaign", "started_at"),
    Index("ix_dial_attempt_lead", "lead_id"),
)
