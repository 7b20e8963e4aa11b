"""The post-call survey without Asterisk: a fake caller presses 0 in the shipped main flow, a real
ACD on a fake clock connects the agent, the agent hangs up first (Dial returns ANSWER), and the
queue's survey (config/ivr/csat.yaml) is put to the caller; one SurveyAnswerRecord per question put."""

from __future__ import annotations

import logging

import pytest

from acd import Agent, QueueSpec, Router
from cti.agi import DialOutcome
from cti.ami.registry import CallRegistry
from cti.calls.inbound import InboundCalls
from cti.calls.survey import Surveys, check_survey_flows
from cti.services.acd import AcdService
from cti.store import CdrRecord
from cti.store.quality_models import SurveyAnswerRecord
from tests.support.clock import FakeClock
from tests.support.fake_call import HANGUP, FakeCall
from tests.support.inbound import SOUNDS, Directory, shipped_flows
from tests.support.sinks import RecordingSink

REPO = SOUNDS.parent


@pytest.fixture(scope="module")
def flows():
    return shipped_flows()


class Centre:
    """Inbound calls with surveys: billing surveys with csat, faults with `faults_survey`."""

    def __init__(self, flows, faults_survey: str | None = None, directory=None) -> None:
        self.clock = FakeClock()
        self.records = RecordingSink()
        queues = {"billing": QueueSpec("billing", {"billing": 1}, wrapup_s=10, survey="csat"),
                  "faults": QueueSpec("faults", {"faults": 1}, wrapup_s=10, survey=faults_survey)}
        agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"faults": 5})}
        self.acd = AcdService(Router(queues, agents), RecordingSink(), clock=self.clock, wall=self.clock.wall)
        for agent in agents:
            self.acd.agent_command(agent, "login")
        surveys = Surveys(lambda: flows, SOUNDS, self.records, clock=self.clock.wall)
        self.calls = InboundCalls(lambda: flows, SOUNDS, CallRegistry(), self.records, acd=self.acd, surveys=surveys,
                                  directory=directory)

    def call(self, steps=(), **kwargs) -> FakeCall:
        return FakeCall(steps, clock=self.clock, **kwargs)

    async def serve(self, call: FakeCall) -> CdrRecord:
        await self.calls.handle(call)
        await self.calls.drain(timeout=2.0)
        [cdr] = [r for r in self.records.records if isinstance(r, CdrRecord)]
        return cdr

    def answers(self) -> list[tuple]:
        return [(r.answer_id, r.question, r.status, r.score, r.scale, r.agent, r.queue, r.survey)
                for r in self.records.records if isinstance(r, SurveyAnswerRecord)]


def after_the_agent(call: FakeCall, *steps) -> None:
    """What the caller does once the agent has answered (the survey comes after the agent hangs up)."""
    call.on_answer.append(lambda interface: call.steps.extend(steps))


async def test_agent_hangs_up_first_and_the_caller_rates_the_call_on_both_questions(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["0"])
    after_the_agent(call, "5", "1")
    cdr = await centre.serve(call)
    cid = call.uniqueid
    assert centre.answers() == [(f"{cid}:csat", "csat", "answered", 5, 5, "A", "billing", "csat"),
                                (f"{cid}:solved", "solved", "answered", 1, 2, "A", "billing", "csat")]
    assert call.prompts[-3:] == ["en/survey_rate", "en/survey_solved", "en/survey_thanks"]
    assert cdr.ivr_path == ("by_case>by_tier>welcome>menu>agent>csat:their_language>csat:rating(5)>"
                            "csat:heard_rating>csat:solved(1)>csat:goodbye>csat:done>done")
    assert (cdr.disposition, cdr.agent, cdr.queue) == ("completed", "A", "billing")
    assert centre.acd.router.agent("A").state == "wrap_up"  # the survey does not hold the agent


async def test_a_mandarin_customer_is_surveyed_in_mandarin(flows) -> None:
    centre = Centre(flows, directory=Directory({"5559002": {"tier": "normal", "language": "zh"}}))
    call = centre.call(["0"], caller="5559002")
    after_the_agent(call, "4", "1")
    await centre.serve(call)
    assert call.prompts[-3:] == ["zh/survey_rate", "zh/survey_solved", "zh/survey_thanks"]
    assert [score for _, _, _, score, *_ in centre.answers()] == [4, 1]


async def test_silence_is_stored_as_no_answer_without_a_score_and_skips_the_second_question(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["0"])
    cdr = await centre.serve(call)
    assert centre.answers() == [(f"{call.uniqueid}:csat", "csat", "no_answer", None, 5, "A", "billing", "csat")]
    assert [p for p in call.prompts if p.startswith("en/survey")] == \
        ["en/survey_rate", "en/survey_no_input", "en/survey_rate", "en/survey_thanks"]
    assert "csat:rating(no_answer)>csat:heard_rating>csat:goodbye" in cdr.ivr_path


async def test_wrong_keys_are_stored_as_invalid(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["0"])
    after_the_agent(call, "9", "0", "2")
    await centre.serve(call)
    assert [(q, s, score) for _, q, s, score, *_ in centre.answers()] == [("csat", "invalid", None),
                                                                          ("solved", "answered", 2)]


async def test_caller_hanging_up_mid_survey_leaves_the_question_being_asked_as_hung_up(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["0"])
    after_the_agent(call, "4", HANGUP)
    cdr = await centre.serve(call)
    assert [(q, s, score) for _, q, s, score, *_ in centre.answers()] == [("csat", "answered", 4),
                                                                          ("solved", "hung_up", None)]
    assert cdr.disposition == "caller_hangup" and cdr.ivr_path.endswith("csat:rating(4)>csat:heard_rating>"
                                                                         "csat:solved(hung_up)")


async def test_caller_who_hangs_up_before_the_agent_gets_no_survey(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["0"], dials=[HANGUP])  # Dial ends with the caller's channel gone (no `g` return)
    cdr = await centre.serve(call)
    assert centre.answers() == [] and not any("survey" in p for p in call.prompts)
    assert cdr.disposition == "caller_hangup"


async def test_after_a_blind_transfer_the_survey_of_the_last_queue_rates_the_last_agent(flows) -> None:
    centre = Centre(flows, faults_survey="csat")
    call = centre.call(["0"], dials=[DialOutcome("ANSWER", 20, 25), DialOutcome("ANSWER", 40, 45)])

    def agent_a_transfers(interface: str) -> None:
        if interface == "PJSIP/A":
            centre.acd.on_dial_answered(call.uniqueid)
            centre.acd.request_transfer("A", "faults")
        else:
            call.steps.extend(["3", "2"])

    call.on_answer.append(agent_a_transfers)
    cdr = await centre.serve(call)
    assert [(q, score, agent, queue) for _, q, _, score, _, agent, queue, _ in centre.answers()] == \
        [("csat", 3, "B", "faults"), ("solved", 2, "B", "faults")]  # one survey, after the last agent
    assert (cdr.queue, cdr.agent) == ("faults", "B")


async def test_a_queue_without_survey_ends_the_call_as_before(flows) -> None:
    centre = Centre(flows, faults_survey=None)
    call = centre.call(["0"], dials=[DialOutcome("ANSWER", 20, 25), DialOutcome("ANSWER", 40, 45)])
    call.on_answer.append(lambda i: (centre.acd.on_dial_answered(call.uniqueid),
                                     centre.acd.request_transfer("A", "faults")) if i == "PJSIP/A" else None)
    cdr = await centre.serve(call)
    assert centre.answers() == [] and not any("survey" in p for p in call.prompts)
    assert cdr.ivr_path.endswith(">agent>done")


async def test_a_survey_flow_that_is_not_served_is_logged_and_the_call_ends_normally(flows, caplog) -> None:
    without = {k: v for k, v in flows.items() if k != "csat"}
    centre = Centre(without)
    call = centre.call(["0"])
    with caplog.at_level(logging.ERROR, logger="hotline.survey"):
        cdr = await centre.serve(call)
    assert "survey flow 'csat' is not served" in caplog.text
    assert centre.answers() == [] and cdr.disposition == "completed"


def test_engine_start_reports_a_misspelt_survey_with_file_line_col(tmp_path, caplog) -> None:
    acd = tmp_path / "acd.yaml"
    acd.write_text("skills: [billing]\nqueues:\n  billing:\n    skills: {billing: 1}\n    survey: cstat\n")
    with caplog.at_level(logging.ERROR, logger="hotline.survey"):
        issues = check_survey_flows(acd, {"csat": object(), "main": object()})
    assert [str(i) for i in issues] == [f"{acd}:5:13: queue 'billing': survey flow 'cstat' does not exist; "
                                        "did you mean 'csat'?"]
    assert f"{acd}:5:13" in caplog.text


def test_ivr_validate_checks_the_acd_survey_keys_against_the_flows(tmp_path, capsys) -> None:
    from cti.cli.main import main

    acd = tmp_path / "acd.yaml"
    text = (REPO / "config/acd.yaml").read_text()
    acd.write_text(text.replace("survey: csat ", "survey: csta "))
    assert main(["ivr", "validate", str(REPO / "config/ivr"), "--acd", str(acd), "--sounds", str(SOUNDS)]) == 1
    out = capsys.readouterr().out
    line = text.splitlines().index(next(l for l in text.splitlines() if "survey: csat" in l)) + 1
    assert f"{acd}:{line}:13: queue 'billing': survey flow 'csta' does not exist; did you mean 'csat'?" in out
    acd.write_text(text)
    assert main(["ivr", "validate", str(REPO / "config/ivr"), "--acd", str(acd), "--sounds", str(SOUNDS)]) == 0


class FakeCases:
    """What `answer_case` needs of the case service: its follow-up policy and `answer`."""

    def __init__(self, scale_max: int = 5, known: bool = True) -> None:
        self.policy = type("Policy", (), {"follow_up": type("Follow", (), {"scale_max": scale_max})()})()
        self.known, self.answers = known, []

    async def answer(self, case_id, score, answer="", by="follow_up", call_id=None, booking=None):
        if not self.known:
            raise LookupError(f"no open case {case_id!r}")
        self.answers.append((case_id, score, by, call_id, booking))


async def test_a_case_follow_up_survey_gives_the_case_the_first_score_on_its_scale() -> None:
    from cti.calls.survey import answer_case
    from ivr.stepper_rate import Rating

    cases = FakeCases()
    ratings = [Rating("solved", "solved", 2, "answered", 1), Rating("rating", "csat", 5, "answered", 2)]
    await answer_case(cases, {"case_id": "C-1", "case_booking": "C-1/0"}, "call-9", ratings)
    assert cases.answers == [("C-1", 2, "survey", "call-9", "C-1/0")]


async def test_no_score_or_no_case_leaves_the_case_alone(caplog) -> None:
    from cti.calls.survey import answer_case
    from ivr.stepper_rate import Rating

    cases = FakeCases()
    await answer_case(cases, {"case_id": "C-1"}, "c", [Rating("rating", "csat", 5, "no_answer")])
    await answer_case(cases, {}, "c", [Rating("rating", "csat", 5, "answered", 4)])  # not a case's follow-up
    assert cases.answers == []
    gone = FakeCases(known=False)
    with caplog.at_level(logging.WARNING, logger="hotline.survey"):
        await answer_case(gone, {"case_id": "C-2"}, "c", [Rating("rating", "csat", 5, "answered", 4)])
    assert "not applied" in caplog.text
