"""The quality-management records (recordings, survey answers, monitoring sessions, QA evaluations)
go through the record writer into their tables on SQLite and PostgreSQL, exactly once on replay."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cti.store import RecordWriter, create_schema, record_from_json
from cti.store.quality_models import (MonitorSessionRecord, QaEvaluationRecord, RecordingRecord,
                                      SurveyAnswerRecord)
from cti.store.quality_schema import monitor_session, qa_evaluation, recording, survey_answer
from tests.support.rollup_db import database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def quality_records() -> list:
    return [
        RecordingRecord(recording_id="c1:1", call_id="c1", part=1, path="2026/12/01/c1.wav", format="wav",
                        started_at=T0, ended_at=T0 + timedelta(seconds=30), duration_s=29.5, size_bytes=472_044,
                        paused_s=4.0, status="ok", queue="billing", agent="1001"),
        SurveyAnswerRecord(answer_id="c1:csat", call_id="c1", survey="csat", question="csat", scale=5,
                           status="answered", score=4, queue="billing", agent="1001", at=T0),
        SurveyAnswerRecord(answer_id="c2:csat", call_id="c2", survey="csat", question="csat", scale=5,
                           status="no_answer", queue="billing", agent="1002", at=T0),
        MonitorSessionRecord(session_id="m1", supervisor="s1", agent="1001", mode="listen",
                             modes=json.dumps([[T0.isoformat(), "listen"]]), outcome="ended", via="cli",
                             started_at=T0, ended_at=T0 + timedelta(seconds=10), call_id="c1"),
        QaEvaluationRecord(evaluation_id="e1", call_id="c1", agent="1001", form="standard", form_version="abc",
                           reviewer="qa1", answers=json.dumps({"greeting": "yes"}), score=87.5, auto_failed=0,
                           at=T0),
    ]


def test_quality_records_refuse_what_cannot_be_true() -> None:
    with pytest.raises(ValueError, match="score is set exactly when"):
        SurveyAnswerRecord(answer_id="x", call_id="c", survey="s", question="q", scale=5, status="no_answer", score=3)
    with pytest.raises(ValueError, match="outside 1..5"):
        SurveyAnswerRecord(answer_id="x", call_id="c", survey="s", question="q", scale=5, status="answered", score=6)
    with pytest.raises(ValueError, match="status must be one of"):
        RecordingRecord(recording_id="x", call_id="c", part=1, path="p", format="wav", started_at=T0, status="fine")
    with pytest.raises(ValueError, match="mode must be one of"):
        MonitorSessionRecord(session_id="m", supervisor="s", agent="a", mode="spy", modes="[]", outcome="ended",
                             via="cli")
    for record in quality_records():
        assert record_from_json(record.to_json()) == record


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_quality_records_are_written_once_even_when_replayed(kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await create_schema(engine)
        for attempt in range(2):  # the second writer replays the same records: nothing is added
            writer = RecordWriter(engine, tmp_path / f"q{attempt}.spool")
            task = asyncio.create_task(writer.run())
            for record in quality_records():
                writer.submit(record)
            await writer.flush(timeout=10)
            await writer.close()
            await asyncio.wait_for(task, 10)
        async with engine.connect() as conn:
            counts = {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                      for t in (recording, survey_answer, monitor_session, qa_evaluation)}
            stored = (await conn.execute(select(recording))).mappings().one()
        assert counts == {"recording": 1, "survey_answer": 2, "monitor_session": 1, "qa_evaluation": 1}
        assert dataclasses.replace(RecordingRecord.from_row(stored), id=None) == quality_records()[0]
        assert stored["paused_s"] == 4.0 and stored["started_at"] == T0
