"""The post-call survey with real calls: a SIPp caller presses 0, the simulated agent (agent-sim:
answers, talks 4 s, hangs up first) takes the call, then the caller hears the csat survey of the
queue and answers with SIP INFO keys; the answers are stored with the call, the agent and the queue,
and `hotline report` shows CSAT with its response rate. A silent caller is stored as no_answer.
An automated survey campaign (回访) calls simulated customers (customer-sim 21XX presses keys with
SendDTMF) and stores their answers with the campaign; as a closed case's follow-up call (回访)
its score reopens the case."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.cli.main import main as cli
from cti.reports.options import ReportOptions
from cti.reports.render import to_table
from cti.reports.service import build_report
from cti.store import fetch_dial_attempts
from cti.store.cases import fetch_cases
from tests.integration.conftest import engine_config, start_engine, stop_engine
from cti.store.quality_schema import survey_answer
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, HangUp, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"
# 0 twice: a key that comes before the engine's first prompt runs is lost (first call after a sandbox
# reload); a second 0 lands in the queue's wait (ignored) or in the bridge to the agent (harmless).
PRESS_0 = [Pause(1500), Dtmf("0", "info"), Pause(1500), Dtmf("0", "info")]


@pytest.fixture
async def hotline(sandbox, engine_factory):
    return await engine_factory(acd=str(DATA / "acd_survey.yaml"))


def ready(hotline, agent_id: str) -> None:
    for command in ("login", "ready"):
        reply = hotline.engine.commands.execute({"cmd": f"agent.{command}", "agent": agent_id})
        assert reply["ok"], reply


async def answers(hotline, call_id: str) -> dict[str, tuple]:
    await hotline.engine.cdrs.flush(5)
    async with hotline.engine.db.connect() as conn:
        rows = (await conn.execute(select(survey_answer).where(survey_answer.c.call_id == call_id))).mappings()
        return {r["question"]: (r["status"], r["score"], r["scale"], r["agent"], r["queue"], r["survey"])
                for r in rows}


async def test_caller_rates_the_agent_after_the_agent_hangs_up_and_a_silent_caller_counts_as_no_answer(
        hotline, tmp_path):
    ready(hotline, "1001")
    # 0 to the agent at ~1.5 s; the agent talks 4 s and hangs up; the survey's first prompt (6.4 s)
    # starts about 6.5 s in (measured) and waits 5 s after it: a key at ~11.5 s lands mid-question.
    rater = [*PRESS_0, Pause(8500), Dtmf("4", "info"), Pause(3000), Dtmf("1", "info"), AwaitHangup(60000)]
    rating = asyncio.create_task(sipp.call(tmp_path, rater, caller="5551201"))
    # The silent caller's call overlaps the rater's (both surveys run at once): Alice takes the
    # rater, and only then is Bob ready for the silent caller.
    await until(lambda: str(hotline.engine.acd.router.agent("1001").state) != "ready", 15,
                message="Alice offered the rater's call")
    ready(hotline, "1002")
    silent = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(90000)], caller="5551202")
    result = await rating
    assert result.ok, result.stderr
    rated = await hotline.cdr(caller="5551201")
    assert (rated.queue, rated.agent, rated.disposition) == ("billing", "1001", "completed")
    assert "agent>csat:their_language>csat:rating(4)>csat:heard_rating>csat:solved(1)>csat:goodbye>csat:done>done" \
        in rated.ivr_path, rated.ivr_path
    assert await answers(hotline, rated.call_id) == {
        "csat": ("answered", 4, 5, "1001", "billing", "csat"), "solved": ("answered", 1, 2, "1001", "billing", "csat")}

    await until(lambda: str(hotline.engine.acd.router.agent("1001").state) == "ready", 15,
                message="the agent back to ready after wrap-up (the survey does not hold him)")
    assert silent.ok, silent.stderr
    quiet = await hotline.cdr(caller="5551202")
    assert (quiet.queue, quiet.agent, quiet.disposition) == ("billing", "1002", "completed")
    assert "csat:rating(no_answer)>csat:heard_rating>csat:goodbye" in quiet.ivr_path, quiet.ivr_path
    assert await answers(hotline, quiet.call_id) == {"csat": ("no_answer", None, 5, "1002", "billing", "csat")}

    report = await build_report(hotline.engine.db, ReportOptions())
    by_agent = {(r["key"], r["question"]): r for r in report["csat"]["by_agent"]}
    figures = ("offered", "answered", "no_answer", "response_pct", "mean_score", "csat_pct")
    assert tuple(by_agent[("1001", "csat")][f] for f in figures) == (1, 1, 0, 100.0, 4.0, 100.0)
    assert tuple(by_agent[("1002", "csat")][f] for f in figures) == (1, 0, 1, 0.0, None, None)
    billing = {(r["key"], r["question"]): r for r in report["csat"]["by_queue"]}[("billing", "csat")]
    assert (billing["offered"], billing["answered"], billing["no_answer"], billing["response_pct"],
            billing["mean_score"], billing["csat_pct"]) == (2, 1, 1, 50.0, 4.0, 100.0)
    text = to_table(report)
    assert re.search(r"^billing\s+csat\s+5\s+2\s+1\s+1\s+0\s+0\s+50\.0\s+4\.0\s+100\.0$", text, re.M), text


async def test_caller_hanging_up_during_the_survey_question_is_stored_as_hung_up(hotline, tmp_path):
    ready(hotline, "1001")
    result = await sipp.call(tmp_path, [*PRESS_0, Pause(6500), HangUp()], caller="5551203")  # mid-question
    assert result.ok, result.stderr
    row = await hotline.cdr(caller="5551203")
    assert (row.agent, row.disposition) == ("1001", "caller_hangup")
    assert row.ivr_path.endswith(">agent>csat:their_language>csat:rating(hung_up)"), row.ivr_path
    assert await answers(hotline, row.call_id) == {"csat": ("hung_up", None, 5, "1001", "billing", "csat")}


async def test_automated_survey_campaign_puts_the_answered_person_through_the_same_questions(
        sandbox, engine_factory, tmp_path):
    hotline = await engine_factory(acd=str(DATA / "acd_survey.yaml"), campaigns=str(DATA / "survey_campaigns"))
    leads = tmp_path / "leads.csv"
    # 2104 answers and presses 4 then 1 (customer-sim 21XX); 2001 says hello and never presses a key
    leads.write_text("number,name,priority\n2104,Li Lei,9\n2001,Han Meimei,8\n")
    assert await asyncio.to_thread(cli, ["dialer", "import", "test_survey", str(leads), "--campaigns-dir",
                                         str(DATA / "survey_campaigns"), "-c", str(hotline.config_path)]) == 0
    reply = await hotline.engine.commands.execute_async({"cmd": "dialer.start", "campaign": "test_survey"})
    assert reply["ok"], reply  # no agent is logged in: the campaign needs none

    attempts: dict = {}

    async def both_done() -> bool:
        await hotline.engine.cdrs.flush(5)
        attempts.update({a.number: a for a in await fetch_dial_attempts(hotline.engine.db, campaign="test_survey")})
        return len(attempts) == 2

    await until(both_done, 90, 0.5, "both survey calls finished")
    assert {n: (a.outcome, a.amd_status, a.agent) for n, a in attempts.items()} == {
        "2104": ("human", "HUMAN", None), "2001": ("human", "HUMAN", None)}
    rater = await answers(hotline, attempts["2104"].call_id)
    assert rater == {"csat": ("answered", 4, 5, None, None, "csat"), "solved": ("answered", 1, 2, None, None, "csat")}
    assert await answers(hotline, attempts["2001"].call_id) == {"csat": ("no_answer", None, 5, None, None, "csat")}
    async with hotline.engine.db.connect() as conn:
        campaigns = (await conn.execute(select(survey_answer.c.campaign).distinct())).scalars().all()
    assert campaigns == ["test_survey"]

    report = await build_report(hotline.engine.db, ReportOptions())
    [row] = [r for r in report["csat"]["by_campaign"] if r["question"] == "csat"]
    assert (row["key"], row["offered"], row["answered"], row["response_pct"], row["mean_score"]) == \
        ("test_survey", 2, 1, 50.0, 4.0)


async def test_a_closed_case_follow_up_taken_by_the_automated_survey_reopens_the_case_on_a_low_score(
        sandbox, tmp_path):
    path = engine_config(tmp_path, acd=str(DATA / "acd_survey.yaml"), campaigns=str(DATA / "survey_campaigns"))
    config = json.loads(path.read_text())
    config["cases"] = {"config": str(DATA / "cases_survey.yaml"), "tick_interval": 3600}
    path.write_text(json.dumps(config))
    hotline = await start_engine(path)
    try:
        cases = hotline.engine.cases
        case = await cases.open(kind="complaint", category="service", customer="2102", by="1001",
                                description="billed twice")  # customer-sim 2102 will rate 2
        await cases.take(case.id, "1001")
        await cases.resolve(case.id, "1001", "refund issued")
        await cases.close(case.id, "1001")  # books the follow-up lead in test_survey_follow_up
        reply = await hotline.engine.commands.execute_async({"cmd": "dialer.start",
                                                              "campaign": "test_survey_follow_up"})
        assert reply["ok"] and reply["campaign"]["hopper"] == 1, reply

        await until(lambda: str(cases.get(case.id).state) == "reopened", 60, 0.5,
                    "the follow-up survey's score 2 reopened the case")
        [stored] = await fetch_cases(hotline.engine.db, case_id=case.id)
        attempts: list = []

        async def attempt_stored() -> bool:
            await hotline.engine.cdrs.flush(5)
            attempts[:] = await fetch_dial_attempts(hotline.engine.db, campaign="test_survey_follow_up")
            return len(attempts) == 1

        await until(attempt_stored, 30, 0.5, "the follow-up attempt stored")
        attempt = attempts[0]
        assert (attempt.outcome, attempt.agent) == ("human", None)
        assert (stored.score, stored.reopened) == (2, 1)
        assert attempt.call_id in stored.calls
        assert (await answers(hotline, attempt.call_id))["csat"] == ("answered", 2, 5, None, None, "csat")
    finally:
        await stop_engine(hotline)
