"""Satisfaction surveys on live calls: after the agent hangs up (a queue's `survey:`), or as the
whole of an automated outbound call (a campaign's `survey:`).

Theory of operation: a survey is an ordinary IVR flow whose questions are `rate` nodes
(ivr.nodes_survey). `Surveys.run` walks it on the call in a `FlowRunner` of its own, then turns
each question put (`Walk.ratings`, one `Rating` per rate node entered) into one
`SurveyAnswerRecord` for the record writer: answered with its score, or no_answer / invalid /
hung_up with no score. The records are written whatever happens, even when the caller hangs up
mid-survey (`CallerHungUp` still ends the call as before, after the answers are handed over).

Inbound: the queue's `QueueStay` calls `PostCallSurvey` once Dial has returned ANSWER, which,
with Dial's `g` option, means the agent hung up and the caller is still on the line (a caller
who hung up first ends the call as `CallerHungUp` before that). It rates the last agent and the
queue the call ended in: after a blind transfer the agent of the last queue, after a consult
transfer the colleague who took the call over. The survey's nodes join the call's IVR path as
`csat:rating(4)` (the question's score or status), so the CDR shows it ran; the disposition
is unchanged (`completed` when the caller heard it out, `caller_hangup` when they left).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from acd.survey_refs import survey_issues
from common.yamlconf import ConfigError, ConfigIssue
from cti.agi import CallSession
from cti.calls.flow_runner import FlowRunner
from cti.calls.queue_call import QueueOutcome
from cti.services.acd import AcdService
from cti.services.cases import CaseService
from cti.store.quality_models import SurveyAnswerRecord
from ivr.models import Flow
from ivr.stepper_rate import Rating

log = logging.getLogger("hotline.survey")


AnswersHook = Callable[[list[Rating]], Awaitable[None]]


class RecordSink(Protocol):
    def submit(self, record: SurveyAnswerRecord) -> None: ...


@dataclass(frozen=True)
class SurveyTarget:
    """What the answers rate: the call, and its queue and agent (inbound) or campaign (outbound)."""

    call_id: str
    queue: str | None = None
    agent: str | None = None
    campaign: str | None = None


class Surveys:
    """Runs survey flows on calls and stores one answer record per question put."""

    def __init__(self, flows: Callable[[], Mapping[str, Flow]], sounds_dir: Path, records: RecordSink,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._flows = flows
        self.sounds_dir = sounds_dir
        self.records = records
        self.clock = clock

    def flow(self, name: str) -> Flow | None:
        return self._flows().get(name)

    async def run(self, call: CallSession, name: str, target: SurveyTarget, variables: Mapping[str, str],
                  path: list[str] | None = None, answered: AnswersHook | None = None) -> FlowRunner | None:
        """Walk survey `name` on `call`; None (and an error logged) when no such flow is served.

        Even when the caller hangs up mid-survey: `path`, the calling flow's IVR path, gets the
        survey's nodes (`survey_path`), and `answered` is awaited with the questions put."""
        flow = self.flow(name)
        if flow is None:
            log.error("call %s: survey flow %r is not served (check config/ivr/); no survey", call.uniqueid, name)
            return None
        runner = FlowRunner(flow, self.sounds_dir, variables=dict(variables), flows=self._flows)
        log.info("call %s: survey %s for %s", call.uniqueid, name,
                 target.campaign and f"campaign {target.campaign}" or f"agent {target.agent} queue {target.queue}")
        try:
            await runner.run(call)
        finally:  # a caller who hangs up mid-survey still has the questions put recorded
            self.store(name, target, runner.walk.ratings)
            if path is not None:
                path.extend(survey_path(name, runner))
            if answered is not None:
                await answered(list(runner.walk.ratings))
        return runner

    def store(self, survey: str, target: SurveyTarget, ratings: list[Rating]) -> None:
        if not target.call_id:  # a channel always has a uniqueid; never lose answers for want of one
            target = replace(target, call_id=f"survey-{uuid.uuid4().hex}")
        at = self.clock()
        for rating in ratings:
            self.records.submit(answer_record(survey, target, rating, at))
        log.info("call %s: survey %s answers %s", target.call_id, survey,
                 ", ".join(f"{r.question}={r.score if r.score is not None else r.status}" for r in ratings) or "none")


def answer_record(survey: str, target: SurveyTarget, rating: Rating, at: datetime) -> SurveyAnswerRecord:
    """One survey_answer row, keyed `<call id>:<question>` (a replayed spool cannot count it twice)."""
    return SurveyAnswerRecord(answer_id=f"{target.call_id}:{rating.question}", call_id=target.call_id,
                              survey=survey, question=rating.question, scale=rating.scale, status=rating.status,
                              score=rating.score, queue=target.queue, agent=target.agent,
                              campaign=target.campaign, at=at)


def survey_path(name: str, runner: FlowRunner) -> list[str]:
    """The survey's nodes for the call's IVR path: `csat:rating(4)`, `csat:solved(no_answer)`."""
    results = {r.node: str(r.score) if r.score is not None else r.status for r in runner.walk.ratings}
    return [f"{name}:{node}" + (f"({results[node]})" if node in results else "") for node in runner.walk.path]


class PostCallSurvey:
    """The hook a call's `QueueStay` runs after the agent hung up first (see the module docstring)."""

    def __init__(self, surveys: Surveys, acd: AcdService, caller: FlowRunner) -> None:
        self.surveys, self.acd, self.caller = surveys, acd, caller

    async def __call__(self, call: CallSession, outcome: QueueOutcome, queue: str | None) -> None:
        spec = self.acd.queue(queue) if queue else None
        if spec is None or not spec.survey:
            return
        walk = self.caller.walk
        variables = {**walk.variables, "language": self._language()}
        await self.surveys.run(call, spec.survey, SurveyTarget(call.uniqueid, queue, outcome.agent), variables,
                               path=walk.path)

    def _language(self) -> str:
        """The caller's language: the one their flow switched to, else their `language` variable
        (the customer record's), else their flow's."""
        walk = self.caller.walk
        if walk.language != self.caller.flow.language:
            return walk.language
        return walk.variables.get("language") or walk.language


async def answer_case(cases: CaseService, data: Mapping[str, str], call_id: str, ratings: list[Rating]) -> None:
    """A case's follow-up call (回访: the lead's data holds `case_id`) taken by an automated survey:
    the first answer on the case's follow-up scale is the customer's verdict, as the 回访 agent's
    disposition score is (`CaseService.answer`: under the bar reopens, else confirms). No such
    answer: the case stays closed, as when nobody was reached."""
    case_id = data.get("case_id", "")
    if not case_id:
        return
    follow = cases.policy.follow_up
    scale = follow.scale_max if follow else 5
    score = next((r.score for r in ratings if r.score is not None and r.scale == scale), None)
    if score is None:
        log.info("case %s: follow-up survey on call %s gave no 1-%d score; the case stays closed", case_id, call_id,
                 scale)
        return
    try:
        await cases.answer(case_id, score, "automated survey", by="survey", call_id=call_id,
                           booking=data.get("case_booking") or None)
    except LookupError as exc:
        log.warning("case %s: follow-up survey score %d on call %s not applied: %s", case_id, score, call_id, exc)


def check_survey_flows(acd_config: Path, flows: Mapping[str, Flow]) -> list[ConfigIssue]:
    """At engine start: each queue's `survey:` against the flows served, logged as file:line:col.

    Not fatal: a queue whose survey flow is missing still serves its callers, without a survey
    (and each such call logs it again), so a typo costs answers, not calls."""
    try:
        issues = survey_issues(acd_config, set(flows))
    except ConfigError:
        return []  # the ACD file itself is broken: the ACD's own load reported that
    for issue in issues:
        log.error("%s (calls of that queue end without a survey)", issue)
    return issues
