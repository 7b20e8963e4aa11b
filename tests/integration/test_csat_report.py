"""CSAT in `hotline report` from survey_answer rows on SQLite and PostgreSQL: per agent, queue and
campaign, for the report's period, in the JSON, CSV and text renderings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cti.reports.options import ReportOptions
from cti.reports.render import to_csv, to_table
from cti.reports.service import build_report
from cti.store import RecordWriter, create_schema
from cti.store.quality_models import SurveyAnswerRecord
from tests.support.rollup_db import database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def answer(call: str, status: str, score: int | None, *, agent: str | None = "1001", queue: str | None = "billing",
           campaign: str | None = None, question: str = "csat", scale: int = 5, at: datetime = T0):
    return SurveyAnswerRecord(answer_id=f"{call}:{question}", call_id=call, survey="csat", question=question,
                              scale=scale, status=status, score=score, agent=agent, queue=queue, campaign=campaign,
                              at=at)


ANSWERS = [
    answer("c1", "answered", 5), answer("c1", "answered", 1, question="solved", scale=2),
    answer("c2", "answered", 3), answer("c3", "no_answer", None),
    answer("c4", "answered", 4, agent="1003"), answer("c5", "hung_up", None, agent="1003"),
    answer("o1", "answered", 2, agent=None, queue=None, campaign="survey"),
    answer("old", "answered", 1, at=T0 - timedelta(days=2)),  # before the period
]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_csat_per_agent_queue_and_campaign_counts_unanswered_questions_only_in_the_response_rate(
        kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await create_schema(engine)
        writer = RecordWriter(engine, tmp_path / "spool.jsonl")
        task = asyncio.create_task(writer.run())
        for record in ANSWERS:
            writer.submit(record)
        await writer.flush(timeout=10)
        task.cancel()
        report = await build_report(engine, ReportOptions(start=T0 - timedelta(hours=1), end=T0 + timedelta(hours=1)))

    csat = report["csat"]
    by_agent = {(r["key"], r["question"]): r for r in csat["by_agent"]}
    alice = by_agent[("1001", "csat")]
    assert (alice["offered"], alice["answered"], alice["no_answer"]) == (3, 2, 1)
    assert (alice["response_pct"], alice["mean_score"], alice["csat_pct"]) == (66.7, 4.0, 50.0)
    assert by_agent[("1001", "solved")]["csat_pct"] == 100.0
    carol = by_agent[("1003", "csat")]
    assert (carol["offered"], carol["hung_up"], carol["response_pct"], carol["csat_pct"]) == (2, 1, 50.0, 100.0)
    billing = {(r["key"], r["question"]): r for r in csat["by_queue"]}[("billing", "csat")]
    assert (billing["offered"], billing["answered"], billing["mean_score"]) == (5, 3, 4.0)
    assert [(r["key"], r["answered"], r["csat_pct"]) for r in csat["by_campaign"]] == [("survey", 1, 0.0)]

    text = to_table(report)
    assert "CSAT by agent (survey answers)" in text and "CSAT by queue (survey answers)" in text
    line = next(l for l in text.splitlines() if l.startswith("1001") and " csat " in l)
    assert line.split() == ["1001", "csat", "5", "3", "2", "1", "0", "0", "66.7", "4.0", "50.0"]
    csv_text = to_csv(report)
    assert "# csat_by_queue\nkey,question,scale,offered,answered,no_answer,invalid,hung_up,response_pct," \
           "mean_score,csat_pct\n" in csv_text


async def test_a_queue_filter_keeps_only_that_queue(tmp_path: Path) -> None:
    async with database("sqlite", tmp_path) as engine:
        await create_schema(engine)
        writer = RecordWriter(engine, tmp_path / "spool.jsonl")
        task = asyncio.create_task(writer.run())
        for record in [*ANSWERS, answer("f1", "answered", 2, queue="faults", agent="1004")]:
            writer.submit(record)
        await writer.flush(timeout=10)
        task.cancel()
        report = await build_report(engine, ReportOptions(queue="faults"))
    assert [(r["key"], r["offered"]) for r in report["csat"]["by_agent"]] == [("1004", 1)]
