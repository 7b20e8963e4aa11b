"""An answered outbound call: answering-machine detection, then an agent within 2 s, or safe harbor.

The called person's channel reaches `agi://…/dialer/<campaign>` when they answer. This coroutine
owns the call from there: it runs Asterisk's AMD() with the campaign's parameters (each passed
as a validated application argument), leaves the campaign's message on a machine (or hangs up),
and puts a human into the campaign's ACD queue at top priority: a `QueueCall` in safe-harbor mode
(the same wait loop as inbound callers). If no agent is reserved within the safe-harbor time the
person hears the safe-harbor message and the attempt counts as dropped (abandoned by us), which
is what the pacer's abandonment cap measures. A campaign with `survey:` puts a human into its
survey flow instead (cti.calls.survey: an automated 回访, answers stored with the campaign).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from acd.models import Task
from common.recording import stronger
from cti.services.acd import AcdService
from cti.agi import CallerHungUp, CallSession
from cti.calls.queue_call import QueueCall, QueueOutcome
from cti.calls.survey import Surveys, SurveyTarget, answer_case
from cti.services.cases import CaseService
from cti.services.dialer import Attempt, DialerService
from cti.services.recordings import Recorder

log = logging.getLogger("hotline.dialer")
SAFE_HARBOR_S = 2.0
TOP_PRIORITY = 100


class OutboundCalls:
    """FastAGI handler for answered dialer calls."""

    def __init__(self, dialer: DialerService, acd: AcdService, sounds_dir: Path,
                 *, safe_harbor_s: float = SAFE_HARBOR_S, recorder: Recorder | None = None) -> None:
        self.dialer, self.acd, self.sounds_dir = dialer, acd, sounds_dir
        self.safe_harbor_s = safe_harbor_s
        self.recorder = recorder  # None: no call is recorded
        self._finishing: set[asyncio.Task] = set()
        self.surveys: Surveys | None = None  # for campaigns with `survey:` (set by the engine)
        self.cases: CaseService | None = None  # a case follow-up's survey score is the case's verdict

    def prompt(self, name: str, language: str = "en") -> str:
        return str((self.sounds_dir / language / name).resolve())

    async def handle(self, call: CallSession) -> None:
        attempt = self.dialer.attempt(await call.get_variable("HOTLINE_ATTEMPT") or "")
        campaign = self.dialer.campaign(attempt.campaign) if attempt else None
        if attempt is None or campaign is None:
            log.warning("answered dialer call %s has no live attempt; hanging up", call.uniqueid)
            await call.set_variable("HOTLINE_DONE", "1")
            await call.hangup()
            return
        progress: dict = {"outcome": "dropped"}  # what we know so far, even if the person hangs up
        try:
            await self._serve(call, attempt, campaign, progress)
        except CallerHungUp:
            log.info("campaign %s: %s hung up (%s)", campaign.name, attempt.lead.number, progress["outcome"])
        finally:
            self._finish_recording(call.uniqueid, progress.get("agent"), campaign.queue)
            self.dialer.finish(attempt.id, progress.pop("outcome"), call_id=call.uniqueid, **progress)

    def _finish_recording(self, call_id: str, agent: str | None, queue: str) -> None:
        """The recording (if any) is checked once Asterisk has closed it, off this call's coroutine."""
        if self.recorder is None or call_id not in self.recorder.live:
            return
        task = asyncio.create_task(self.recorder.finish(call_id, agent=agent, queue=queue),
                                   name=f"recording {call_id}")
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _serve(self, call: CallSession, attempt: Attempt, campaign, progress: dict) -> None:
        await call.set_variable("HOTLINE_DONE", "1")  # from here on the engine owns the call
        progress["amd"] = await self._amd(call, campaign)
        if progress["amd"][0] == "MACHINE":
            progress["outcome"] = "machine"
            self.dialer.classified(attempt, live=False)
            if campaign.machine_prompt:
                await call.play(self.prompt(campaign.machine_prompt))
            await call.hangup()
            return
        self.dialer.classified(attempt, live=True, call_id=call.uniqueid)  # its task id in the ACD
        if campaign.survey:
            await self._survey(call, attempt, campaign, progress)
            return
        result = await self._to_agent(call, attempt, campaign)
        progress["wait_s"] = result.wait_s
        if result.result == "answered":
            progress.update(outcome="human", agent=result.agent, talk_s=result.talk_s)
            await call.hangup()
            return
        log.info("campaign %s: %s plays safe harbor %s", campaign.name, attempt.lead.number, campaign.safe_harbor_prompt)
        await call.play(self.prompt(campaign.safe_harbor_prompt))
        await call.hangup()

    async def _survey(self, call: CallSession, attempt: Attempt, campaign, progress: dict) -> None:
        """The person takes the survey; reaching them is the attempt's success, answers or not."""
        progress["outcome"] = "human"
        if self.surveys is None:
            log.error("campaign %s has survey %r but the engine runs no surveys", campaign.name, campaign.survey)
        else:
            variables = {"language": "en", **attempt.lead.data, "name": attempt.lead.name}
            await self.surveys.run(call, campaign.survey, SurveyTarget(call.uniqueid, campaign=campaign.name),
                                   variables, answered=lambda ratings: self._case_verdict(attempt, call, ratings))
        await call.hangup()

    async def _case_verdict(self, attempt: Attempt, call: CallSession, ratings: list) -> None:
        if self.cases is not None:
            await answer_case(self.cases, attempt.lead.data, call.uniqueid, ratings)

    async def _amd(self, call: CallSession, campaign) -> tuple[str, str]:
        if not campaign.amd.enabled:
            return "NOTSURE", "amd-off"
        await call.exec("AMD", *campaign.amd.app_args().split(","))
        return (await call.get_variable("AMDSTATUS") or "NOTSURE", await call.get_variable("AMDCAUSE") or "")

    async def _to_agent(self, call: CallSession, attempt: Attempt, campaign) -> QueueOutcome:
        task = Task(id=call.uniqueid, queue=campaign.queue, priority=TOP_PRIORITY, enqueued_at=self.acd.now(), node=call.node,
                    attributes={"campaign": campaign.name, "number": attempt.lead.number, "name": attempt.lead.name,
                                **attempt.lead.data})
        spec = self.acd.queue(campaign.queue)
        if spec is None:
            log.error("campaign %s: queue %r is not in the ACD config", campaign.name, campaign.queue)
            return QueueOutcome("nobody_logged_in")
        queue_call = QueueCall(self.acd, call, task, spec, announce=None, safe_harbor_s=self.safe_harbor_s,
                               recorder=self.recorder, record=stronger(spec.record, campaign.record))
        self.dialer.preview.attempt_over(attempt.preview_agent)  # preview: the agent who accepted is ready
        try:
            return await queue_call.run()
        except CallerHungUp:
            if queue_call.outcome.result == "answered":
                return queue_call.outcome  # they talked to an agent, then hung up: a normal end
            raise
