"""The quality-management tables (additive to cti.store.schema, on the same `metadata`):

- `recording`: one row per MixMonitor file of a call (a call transferred with a new file has
  several, `part` 1, 2, ...): where it is, how long, how big, whether it was found (`status`);
- `survey_answer`: one row per survey question put to a caller (post-call, or an outbound survey
  campaign); `score` is NULL when the caller gave no usable answer (`status` says which);
- `monitor_session`: one row per supervisor listen / whisper / barge session, with every mode
  switch in `modes` (JSON);
- `qa_evaluation`: one QA reviewer's scorecard of one call (answers as JSON, the score worked out).

Each append-only table has a UNIQUE natural key, like the others: a record replayed from the
spool is ignored instead of duplicated.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from cti.store.schema import UtcDateTime, metadata

recording = Table(
    "recording",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", String(80), nullable=False, unique=True),  # <call id>:<part>
    Column("call_id", String(64), nullable=False),
    Column("part", Integer, nullable=False),
    Column("queue", String(80)),
    Column("campaign", String(80)),
    Column("agent", String(80)),
    Column("path", Text, nullable=False),          # as the engine sees it (relative to recordings dir)
    Column("format", String(16), nullable=False),  # wav, wav49, gsm ...
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("duration_s", Float),                   # measured from the file
    Column("size_bytes", Integer),
    Column("paused_s", Float, nullable=False, default=0.0),  # muted for card numbers etc.
    Column("status", String(16), nullable=False),  # ok | missing | empty | purged
    Index("ix_recording_call", "call_id"),
    Index("ix_recording_started_at", "started_at"),
)

survey_answer = Table(
    "survey_answer",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(120), nullable=False, unique=True),  # <call id>:<question>
    Column("call_id", String(64), nullable=False),  # the surveyed call (inbound: the call the agent took)
    Column("survey", String(80), nullable=False),   # the survey flow's name
    Column("question", String(80), nullable=False),
    Column("score", Integer),                        # 1..scale, NULL when not answered
    Column("scale", Integer, nullable=False),        # 5 for "press 1 to 5"
    Column("status", String(16), nullable=False),    # answered | no_answer | invalid | hung_up
    Column("queue", String(80)),
    Column("agent", String(80)),
    Column("campaign", String(80)),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_survey_answer_at", "at"),
    Index("ix_survey_answer_call", "call_id"),
)

monitor_session = Table(
    "monitor_session",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), nullable=False, unique=True),
    Column("supervisor", String(80), nullable=False),
    Column("agent", String(80), nullable=False),
    Column("call_id", String(64)),                   # the call being monitored, when known
    Column("mode", String(16), nullable=False),      # the first mode: listen | whisper | barge
    Column("modes", Text, nullable=False),           # JSON [[iso time, mode], ...] every switch
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("outcome", String(32), nullable=False),   # ended | refused | failed | agent_not_on_call
    Column("via", String(16), nullable=False),       # cli | mqtt | web
    Index("ix_monitor_session_started_at", "started_at"),
)

qa_evaluation = Table(
    "qa_evaluation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", String(64), nullable=False, unique=True),
    Column("call_id", String(64), nullable=False),
    Column("agent", String(80), nullable=False),
    Column("queue", String(80)),
    Column("form", String(80), nullable=False),
    Column("form_version", String(64), nullable=False),  # hash of the form text it was scored on
    Column("reviewer", String(80), nullable=False),
    Column("answers", Text, nullable=False),         # JSON {question id: answer}
    Column("score", Float, nullable=False),          # 0..100 after weights and auto-fail
    Column("auto_failed", Integer, nullable=False),  # 0/1
    Column("comment", Text),
    Column("at", UtcDateTime, nullable=False),
    Column("sections", Text),                        # JSON {section id: 0..100 or null when all na} (qa)
    Index("ix_qa_evaluation_agent_at", "agent", "at"),
    Index("ix_qa_evaluation_call", "call_id"),
)
