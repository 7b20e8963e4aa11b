"""The case tables (additive to cti.store.schema, on the same `metadata`): `support_case` (one row per
case, its current state), `case_event` (append-only log: every move, note, alarm, follow-up and
answer) and `case_call` (the calls linked to a case: opened on, customer calling again, follow-up).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from cti.store.schema import UtcDateTime, metadata

support_case = Table(
    "support_case",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("category", String(80), nullable=False),
    Column("priority", String(40), nullable=False),
    Column("customer", String(32), nullable=False),
    Column("customer_name", String(128), nullable=False),
    Column("description", Text, nullable=False),
    Column("opened_by", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("level", Integer, nullable=False),
    Column("queue", String(80), nullable=False),
    Column("agent", String(80)),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("first_response_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("response_due", UtcDateTime),
    Column("resolution_due", UtcDateTime),
    Column("response_warn_at", UtcDateTime),
    Column("resolution_warn_at", UtcDateTime),
    Column("alarms", String(200), nullable=False),
    Column("reopened", Integer, nullable=False),
    Column("score", Integer),
    Index("ix_support_case_customer_state", "customer", "state"),
    Index("ix_support_case_opened_at", "opened_at"),
)

case_event = Table(
    "case_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),      # opened, take, escalate, note, sla_near, answer, ...
    Column("actor", String(80), nullable=False),     # agent id, "cli", "sla", "follow_up"
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("detail", Text),                          # JSON
    Index("ix_case_event_case_at", "case_id", "at"),
    Index("ix_case_event_kind_at", "kind", "at"),
)

case_call = Table(
    "case_call",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),      # opened_on, customer_call, follow_up
    Column("at", UtcDateTime, nullable=False),
    UniqueConstraint("case_id", "call_id", name="ux_case_call"),
)
