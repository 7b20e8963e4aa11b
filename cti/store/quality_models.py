"""Records of the quality-management tables (cti.store.quality_schema), written through the record
writer like CDRs (batched, spooled while the database is down, idempotent on replay)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from cti.store.codec import Record
from cti.store.quality_schema import monitor_session, qa_evaluation, recording, survey_answer

RECORDING_STATUSES: Final = ("ok", "missing", "empty", "purged")
SURVEY_STATUSES: Final = ("answered", "no_answer", "invalid", "hung_up")
MONITOR_MODES: Final = ("listen", "whisper", "barge")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RecordingRecord(Record):
    """One recording file of a call, checked after the call: `status` ok / missing / empty."""

    KIND = "recording"
    TABLE = recording
    KEY = "recording_id"

    recording_id: str
    call_id: str
    part: int
    path: str
    format: str
    started_at: datetime
    status: str
    queue: str | None = None
    campaign: str | None = None
    agent: str | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    size_bytes: int | None = None
    paused_s: float = 0.0
    id: int | None = None

    def _validate(self) -> None:
        if not self.recording_id or not self.call_id or not self.path:
            raise ValueError("RecordingRecord.recording_id, call_id and path must be non-empty")
        if self.status not in RECORDING_STATUSES:
            raise ValueError(f"RecordingRecord.status must be one of {RECORDING_STATUSES}, got {self.status!r}")


@dataclass(frozen=True, slots=True)
class SurveyAnswerRecord(Record):
    """One survey question put to a caller; `score` None unless `status` is answered."""

    KIND = "survey_answer"
    TABLE = survey_answer
    KEY = "answer_id"

    answer_id: str
    call_id: str
    survey: str
    question: str
    scale: int
    status: str
    score: int | None = None
    queue: str | None = None
    agent: str | None = None
    campaign: str | None = None
    at: datetime = field(default_factory=_now)
    id: int | None = None

    def _validate(self) -> None:
        if not self.answer_id or not self.call_id or not self.survey or not self.question:
            raise ValueError("SurveyAnswerRecord.answer_id, call_id, survey and question must be non-empty")
        if self.status not in SURVEY_STATUSES:
            raise ValueError(f"SurveyAnswerRecord.status must be one of {SURVEY_STATUSES}, got {self.status!r}")
        if (self.score is None) != (self.status != "answered"):
            raise ValueError("SurveyAnswerRecord.score is set exactly when status is 'answered'")
        if self.score is not None and not 1 <= self.score <= self.scale:
            raise ValueError(f"SurveyAnswerRecord.score {self.score} is outside 1..{self.scale}")


@dataclass(frozen=True, slots=True)
class MonitorSessionRecord(Record):
    """One supervisor monitoring session (written when it ends, or when it is refused)."""

    KIND = "monitor_session"
    TABLE = monitor_session
    KEY = "session_id"

    session_id: str
    supervisor: str
    agent: str
    mode: str
    modes: str  # JSON [[iso time, mode], ...]
    outcome: str
    via: str
    started_at: datetime = field(default_factory=_now)
    ended_at: datetime | None = None
    call_id: str | None = None
    id: int | None = None

    def _validate(self) -> None:
        if not self.session_id or not self.supervisor or not self.agent:
            raise ValueError("MonitorSessionRecord.session_id, supervisor and agent must be non-empty")
        if self.mode not in MONITOR_MODES:
            raise ValueError(f"MonitorSessionRecord.mode must be one of {MONITOR_MODES}, got {self.mode!r}")
        json.loads(self.modes)


@dataclass(frozen=True, slots=True)
class QaEvaluationRecord(Record):
    """One QA reviewer's scorecard of one call."""

    KIND = "qa_evaluation"
    TABLE = qa_evaluation
    KEY = "evaluation_id"

    evaluation_id: str
    call_id: str
    agent: str
    form: str
    form_version: str
    reviewer: str
    answers: str  # JSON {question id: answer}
    score: float
    auto_failed: int
    queue: str | None = None
    comment: str | None = None
    at: datetime = field(default_factory=_now)
    sections: str | None = None  # JSON {section id: 0..100 or null}, as scored (added by the qa part)
    id: int | None = None

    def _validate(self) -> None:
        if not self.evaluation_id or not self.call_id or not self.agent or not self.reviewer:
            raise ValueError("QaEvaluationRecord.evaluation_id, call_id, agent and reviewer must be non-empty")
        if not 0 <= self.score <= 100:
            raise ValueError(f"QaEvaluationRecord.score must be 0..100, got {self.score}")
        json.loads(self.answers)
        if self.sections is not None:
            json.loads(self.sections)


QUALITY_RECORDS: Final = (RecordingRecord, SurveyAnswerRecord, MonitorSessionRecord, QaEvaluationRecord)
