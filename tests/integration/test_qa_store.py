"""QA scorecards on a real database (SQLite and PostgreSQL, no Asterisk): the week's calls to review
(random per agent, complaints three ways, low survey scores, recording paths, already-evaluated),
scoring a call through the CLI's function (refused without a CDR or an agent; re-scoring adds a
row), and the report's figures, computed by hand."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from acd.qa_report import summarize
from acd.qa_sample import rank
from acd.qa_score import Form, Question, Section, score
from cti.cli.main import main
from cti.cli.qa import store_evaluation
from cti.reports import ReportOptions, build_report
from cti.reports.render import to_csv, to_table
from cti.store import CdrRecord, QueueLogRecord, create_schema
from cti.store.case_schema import case_call
from cti.store.qa import evaluations, sample
from cti.store.quality_models import RecordingRecord, SurveyAnswerRecord
from cti.store.quality_schema import qa_evaluation, recording, survey_answer
from cti.store.schema import cdr, queue_log
from tests.support.rollup_db import database

WEEK = "2026-W48"  # Monday 2026-11-23 .. Monday 2026-11-30 UTC
MON = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KINDS = ["sqlite", "postgresql"]

MINI = Form("mini", (
    Section("opening", "Greeting", (Question("greeting", "Standard greeting"),
                                    Question("tone", "Friendly tone", "scale_1_5", weight=3)), weight=1),
    Section("compliance", "Compliance", (Question("verified", "Verified identity", auto_fail=True),), weight=3),
), version="v1")

# call id: (agent, queue, day offset from MON, disposition)
CALLS = {f"A{i}": ("a1", "billing", i % 5, "completed") for i in range(1, 9)} | {
    "B1": ("a2", "billing", 0, "completed"),
    "B2": ("a2", "billing", 1, "complaint"),     # complaint by CDR disposition
    "B3": ("a2", "sales", 2, "completed"),       # low survey score (2)
    "B4": ("a2", "sales", 3, "completed"),       # survey 4: not low; another question unanswered
    "N1": (None, None, 1, "complaint"),          # no agent: never listed, never scored
    "X1": ("a1", "billing", 7, "complaint"),     # the next week
    "X0": ("a2", "billing", -1, "completed"),    # the week before
}


def cdr_rows() -> list[dict]:
    return [CdrRecord(call_id=call, caller="5550100", started_at=MON + timedelta(days=day, minutes=n),
                      answered_at=MON + timedelta(days=day, minutes=n), queue=queue, agent=agent,
                      talk_s=60.0 + n if agent else None, disposition=disposition).to_row()
            for n, (call, (agent, queue, day, disposition)) in enumerate(CALLS.items())]


async def seed(engine) -> None:
    await create_schema(engine)
    at = MON + timedelta(hours=1)
    async with engine.begin() as conn:
        await conn.execute(insert(cdr), cdr_rows())
        await conn.execute(insert(queue_log), [  # A5: the agent's disposition code says complaint
            QueueLogRecord(call_id="A5", queue="billing", event="disposition", at=at, agent_id="a1",
                           reason="complaint").to_row(),
            QueueLogRecord(call_id="A6", queue="billing", event="disposition", at=at, agent_id="a1",
                           reason="resolved").to_row()])
        await conn.execute(insert(case_call), [  # A3: a case was opened on it; A4 only a later customer call
            {"case_id": "C-1", "call_id": "A3", "role": "opened_on", "at": at},
            {"case_id": "C-1", "call_id": "A4", "role": "customer_call", "at": at}])
        await conn.execute(insert(survey_answer), [r.to_row() for r in [
            SurveyAnswerRecord(answer_id="B3:csat", call_id="B3", survey="csat", question="csat", scale=5,
                               status="answered", score=2, at=at),
            SurveyAnswerRecord(answer_id="B4:csat", call_id="B4", survey="csat", question="csat", scale=5,
                               status="answered", score=4, at=at),
            SurveyAnswerRecord(answer_id="B4:fcr", call_id="B4", survey="csat", question="fcr", scale=5,
                               status="no_answer", at=at)]])
        await conn.execute(insert(recording), [r.to_row() for r in [
            RecordingRecord(recording_id="B2:1", call_id="B2", part=1, path="2026/11/24/B2.wav", format="wav",
                            started_at=at, status="ok"),
            RecordingRecord(recording_id="B2:2", call_id="B2", part=2, path="2026/11/24/B2-2.wav", format="wav",
                            started_at=at, status="ok"),
            RecordingRecord(recording_id="B3:1", call_id="B3", part=1, path="2026/11/25/B3.wav", format="wav",
                            started_at=at, status="missing")]])


def drawn(agent: str, n: int, seed: str = WEEK) -> list[str]:
    """The random draw computed independently: the agent's in-week calls by keyed-hash rank."""
    mine = [c for c, (a, _, day, _) in CALLS.items() if a == agent and 0 <= day < 7]
    return sorted(mine, key=lambda c: rank(seed, c))[:n]


@pytest.mark.parametrize("kind", KINDS)
async def test_sample_picks_random_complaints_and_low_surveys_with_reasons(kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        card = score(MINI, {"greeting": "yes", "tone": 5, "verified": "yes"})
        assert not isinstance(await store_evaluation(engine, "A3", card, "qa1"), str)
        start, end = MON.replace(hour=0), MON.replace(hour=0) + timedelta(days=7)
        picks = await sample(engine, start, end, seed=WEEK, per_agent=2)
        again = await sample(engine, start, end, seed=WEEK, per_agent=2)
    got = {p.call_id: p for p in picks}
    expected = {c: {"random"} for c in drawn("a1", 2) + drawn("a2", 2)}
    for call, reason in [("A3", "complaint"), ("A5", "complaint"), ("B2", "complaint"), ("B3", "low_survey")]:
        expected.setdefault(call, set()).add(reason)
    assert {c: set(p.reasons) for c, p in got.items()} == expected
    assert picks == again  # same seed, same list
    assert not {"N1", "X1", "X0"} & set(got)  # no agent; outside the week
    assert ("A4" in got) == ("A4" in drawn("a1", 2))  # a later customer call on a case is no complaint
    assert got["B2"].recordings == ("2026/11/24/B2.wav", "2026/11/24/B2-2.wav")  # both parts, in order
    assert got["B3"].recordings == () and got["B3"].survey_score == 2  # a missing file is no recording
    assert got["A3"].evaluated and not got["A5"].evaluated
    assert (got["B2"].agent, got["B2"].queue, got["B2"].talk_s) == ("a2", "billing", 69.0)
    assert [p.agent for p in picks] == sorted(p.agent for p in picks)


@pytest.mark.parametrize("kind", KINDS)
async def test_sample_thresholds_seed_and_codes_are_options(kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        start, end = MON.replace(hour=0), MON.replace(hour=0) + timedelta(days=7)
        none_random = await sample(engine, start, end, seed=WEEK, per_agent=0, low_score=4,
                                   complaint_codes=["resolved"])
        other_seed = await sample(engine, start, end, seed="another", per_agent=3)
    assert {p.call_id: p.reasons for p in none_random} == {
        "A3": ("complaint",), "A6": ("complaint",), "B3": ("low_survey",), "B4": ("low_survey",)}
    assert [p.call_id for p in other_seed if "random" in p.reasons] == sorted(
        drawn("a1", 3, "another") + drawn("a2", 3, "another"), key=lambda c: (CALLS[c][0], CALLS[c][2], c))


@pytest.mark.parametrize("kind", KINDS)
async def test_scoring_refuses_calls_without_cdr_or_agent_and_keeps_every_rescore(kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        card = score(MINI, {"greeting": "yes", "tone": 4, "verified": "yes"})
        assert await store_evaluation(engine, "nope", card, "qa1") == \
            "no CDR for call 'nope': only a finished call with a CDR can be scored"
        assert "reached no agent" in await store_evaluation(engine, "N1", card, "qa1")
        first = await store_evaluation(engine, "B2", card, "qa1", "greet by name", now=MON + timedelta(days=8))
        await store_evaluation(engine, "B2", card, "qa1", now=MON + timedelta(days=9))
        async with engine.connect() as conn:
            rows = (await conn.execute(select(qa_evaluation).order_by(qa_evaluation.c.at))).mappings().all()
            count = (await conn.execute(select(func.count()).select_from(qa_evaluation))).scalar_one()
    assert count == 2 and rows[0]["evaluation_id"] == first.evaluation_id
    row = rows[0]
    assert (row["call_id"], row["agent"], row["queue"], row["form"], row["form_version"], row["reviewer"]) == \
        ("B2", "a2", "billing", "mini", "v1", "qa1")
    assert (row["score"], row["auto_failed"], row["comment"]) == (95.31, 0, "greet by name")
    assert json.loads(row["answers"]) == {"greeting": "yes", "tone": 4, "verified": "yes"}
    assert json.loads(row["sections"]) == {"opening": 81.25, "compliance": 100.0}


async def seed_evaluations(engine) -> None:
    later = MON + timedelta(days=8)
    for call, reviewer, answers, minutes in [
        ("A1", "qa1", {"greeting": "yes", "tone": 4, "verified": "yes"}, 0),   # 95.31, superseded below
        ("A1", "qa1", {"greeting": "yes", "tone": 5, "verified": "yes"}, 5),   # 100
        ("A1", "qa2", {"greeting": "no", "tone": 5, "verified": "yes"}, 0),    # (0+3)/4=75 -> (75+300)/4=93.75
        ("B1", "qa1", {"greeting": "yes", "tone": 5, "verified": "no"}, 0),    # auto-fail: 0 (opening 100)
        ("B3", "qa1", {"greeting": "yes", "tone": 1, "verified": "na"}, 0),    # (1+0)/4 = 25, compliance na
        ("X1", "qa1", {"greeting": "yes", "tone": 5, "verified": "yes"}, 0),   # next week's call
    ]:
        result = await store_evaluation(engine, call, score(MINI, answers), reviewer,
                                        now=later + timedelta(minutes=minutes))
        assert not isinstance(result, str), result


@pytest.mark.parametrize("kind", KINDS)
async def test_report_figures_by_agent_queue_and_week(kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        await seed_evaluations(engine)
        start, end = MON.replace(hour=0), MON.replace(hour=0) + timedelta(days=7)
        in_week = await evaluations(engine, start, end)
        everything = await evaluations(engine, None, None)
    by_agent, sections = summarize(in_week, "agent")
    assert sections == ["opening", "compliance"]
    assert by_agent == [
        {"key": "a1", "evaluations": 2, "calls": 1, "mean_score": 96.9, "auto_fail_pct": 0.0,  # (100+93.75)/2
         "min_score": 93.75, "max_score": 100.0, "opening": 87.5, "compliance": 100.0},
        {"key": "a2", "evaluations": 2, "calls": 2, "mean_score": 12.5, "auto_fail_pct": 50.0,  # (0+25)/2
         "min_score": 0.0, "max_score": 25.0, "opening": 62.5, "compliance": 0.0},
        {"key": "ALL", "evaluations": 4, "calls": 3, "mean_score": 54.7, "auto_fail_pct": 25.0,  # 218.75/4
         "min_score": 0.0, "max_score": 100.0, "opening": 75.0, "compliance": 66.7}]
    by_queue, _ = summarize(in_week, "queue")
    assert [(r["key"], r["evaluations"], r["mean_score"]) for r in by_queue] == [
        ("billing", 3, 64.6), ("sales", 1, 25.0), ("ALL", 4, 54.7)]  # (100+93.75+0)/3 = 64.58
    by_week, _ = summarize(everything, "week")
    assert [(r["key"], r["evaluations"], r["mean_score"]) for r in by_week] == [
        ("2026-W48", 4, 54.7), ("2026-W49", 1, 100.0), ("ALL", 5, 63.8)]  # 318.75/5 = 63.75


@pytest.mark.parametrize("kind", KINDS)
async def test_hotline_report_gains_a_qa_section_with_the_same_figures(kind: str, tmp_path: Path) -> None:
    async with database(kind, tmp_path) as engine:
        await seed(engine)
        week = ReportOptions(start=MON.replace(hour=0), end=MON.replace(hour=0) + timedelta(days=7))
        assert (await build_report(engine, week))["qa"] is None  # nothing evaluated yet: no section
        await seed_evaluations(engine)
        report = await build_report(engine, week)
        only_a2 = await build_report(engine, dataclasses.replace(week, agent="a2"))
    assert [(r["key"], r["evaluations"], r["mean_score"], r["auto_fail_pct"]) for r in report["qa"]["by_agent"]] == [
        ("a1", 2, 96.9, 0.0), ("a2", 2, 12.5, 50.0), ("ALL", 4, 54.7, 25.0)]
    assert [(r["key"], r["mean_score"]) for r in report["qa"]["by_queue"]] == [
        ("billing", 64.6), ("sales", 25.0), ("ALL", 54.7)]
    assert [r["key"] for r in only_a2["qa"]["by_agent"]] == ["a2", "ALL"]
    assert "QA scores by agent" in to_table(report) and "# qa_by_queue" in to_csv(report)


def test_the_cli_scores_samples_and_reports_on_a_sqlite_file(tmp_path: Path, capsys) -> None:
    async def prepare() -> str:
        async with database("sqlite", tmp_path) as engine:
            await seed(engine)
            return engine.url.render_as_string()
    url = asyncio.run(prepare())
    answers = tmp_path / "answers.yaml"
    answers.write_text("greeting: yes\ntone: 4\nverified: yes\n")
    form = tmp_path / "mini.yaml"
    form.write_text("form: mini\nsections:\n  - {id: opening, title: Greeting, questions: [{id: greeting, text: G},"
                    " {id: tone, text: T, type: scale_1_5, weight: 3}]}\n  - {id: compliance, title: C, weight: 3,"
                    " questions: [{id: verified, text: V, auto_fail: true}]}\n")
    assert main(["qa", "score", "B2", "--db", url, "--form", str(form), "--reviewer", "qa1",
                 "--answers-file", str(answers), "--answer", "tone=5", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["score"], printed["agent"], printed["sections"]) == (100.0, "a2", {"opening": 100.0,
                                                                                       "compliance": 100.0})
    assert main(["qa", "score", "N1", "--db", url, "--form", str(form), "--reviewer", "qa1",
                 "--answers-file", str(answers)]) == 2
    assert "reached no agent" in capsys.readouterr().err
    assert main(["qa", "score", "B2", "--db", url, "--form", str(form), "--reviewer", "qa1", "--answer", "tone=9"]) == 2
    assert "'9' is not an answer to a scale_1_5 question" in capsys.readouterr().err
    assert main(["qa", "sample", "--week", WEEK, "--db", url, "--per-agent", "1", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert next(p for p in listed if p["call_id"] == "B2")["evaluated"] is True
    assert main(["qa", "report", "--from", "2026-11-23", "--to", "2026-11-30", "--db", url, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["a2,1,1,100.0,0.0,100.0,100.0,100.0,100.0",
                                                        "ALL,1,1,100.0,0.0,100.0,100.0,100.0,100.0"]
    empty = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    assert main(["qa", "report", "--db", empty]) == 2
    assert "has no cdr table; point --db at the engine's database" in capsys.readouterr().err
