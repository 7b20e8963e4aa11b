"""Running campaigns: the asyncio shell around the pure pacer and hopper.

Theory of operation: a started campaign loads its dialable leads from the database into a
hopper. Every `interval` the service builds a `PacingState` from the ACD (agents of the
campaign's queue: ready, in wrap-up and how long is left, on a call and for how long) and from
its own attempts in flight (ringing, in AMD, live and waiting), asks the pacer how many lines to
dial, takes that many leads and originates them over AMI (Async, ChannelId known in advance, the
attempt id in channel variables; never re-sent). Outcomes arrive two ways: an `OriginateResponse`
for calls that never connected (busy, no answer, failed) and the answered call's own FastAGI
session (`cti.calls.outbound`), which runs AMD and puts humans through the ACD. Every finished attempt
is recorded, feeds the pacer's statistics, and reschedules its lead. When neither comes (a report
lost to an AMI reconnect), each tick's watchdog (`reap`) ends the attempt as failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable, Collection
from typing import Protocol

from common.yamlconf import ConfigError

from acd.events import AcdEvent, CallQueueEvent, QueueEvent
from acd.models import AgentState
from cti.services.acd import AcdService
from cti.store import DialAttemptRecord
from cti.services.dialer_models import Attempt, CampaignRun
from cti.services.bookings import Bookings
from cti.services.lead_saves import LeadSaves
from dialer.attempt_state import AttemptEvent, AttemptState
from dialer.campaign import Campaign, campaign_path, load_campaign, survey_issues
from dialer.campaign_state import CampaignEvent, CampaignState
from dialer.hopper import Hopper
from dialer.lead_state import LeadEvent
from dialer.lead_state import apply as move_lead
from dialer.leads import Lead, LeadStatus, retry_after
from dialer.numbers import load_dnc
from dialer.pacing import PacingState, SurveyPacer, make_pacer
from cti.services.preview import PreviewDesk
from dialer.stats import PacingStats, Priors
from cti.store.leads import load_dialable

log = logging.getLogger("hotline.dialer")
ORIGINATE_FAILURE = {"5": "busy", "3": "no_answer", "1": "no_answer", "8": "busy", "0": "failed"}


class Originator(Protocol):
    async def originate(self, channel: str, **kwargs) -> str: ...


class DialerService:
    """Starts, paces and stops campaigns; one instance per engine."""

    def __init__(self, campaigns_dir: Path, db, ami: Originator, acd: AcdService, records, *,
                 interval: float = 1.0, clock=time.monotonic) -> None:
        self.campaigns_dir, self.db, self.ami, self.acd = campaigns_dir, db, ami, acd
        self.records = records
        self.interval, self.clock = interval, clock
        self.runs: dict[str, CampaignRun] = {}
        self.survey_flows: Callable[[], Collection[str]] | None = None  # served IVR flows (campaign `survey:`)
        self._attempts: dict[str, Attempt] = {}
        self._live: dict[str, Attempt] = {}  # by the call's uniqueid: persons waiting for an agent
        self.saves = LeadSaves(db)
        self.bookings = Bookings(self)
        self.preview = PreviewDesk(self, acd, acd.notifier.relay)
        acd.notifier.on_event.append(self._on_acd_event)

    # -- control -------------------------------------------------------------------------
    async def start(self, name: str) -> dict:
        run = self.runs.get(name)
        if run is None:
            path = campaign_path(name, self.campaigns_dir)
            campaign = load_campaign(path)
            if self.survey_flows is not None and (issues := survey_issues(path, campaign, self.survey_flows())):
                raise ConfigError(issues)  # an automated survey without its flow would only hang up on people
            dnc, _ = load_dnc(campaign.dnc_lists)
            hopper = Hopper(campaign, dnc)
            hopper.extend(await load_dialable(self.db, campaign.name), _utc())
            p = campaign.pacing
            stats = PacingStats(Priors(p.answer_rate, p.live_rate, p.ring_s, p.talk_s, p.wrapup_s),
                                ring_timeout_s=campaign.ring_timeout_s)
            pacer = SurveyPacer(campaign.survey_lines) if campaign.survey else \
                make_pacer(campaign.mode, stats, cap=campaign.abandon_cap, window=campaign.abandon_window_calls,
                           target_fraction=p.target_fraction)
            run = self.runs[campaign.name] = CampaignRun(campaign, hopper, pacer, stats)
        run.step(CampaignEvent.START)
        log.info("campaign %s running (%s, %d leads in the hopper)", run.campaign.name, run.campaign.mode,
                 len(run.hopper))
        return self.status(run.campaign.name)

    def pause(self, name: str) -> dict:
        self._run(name).step(CampaignEvent.PAUSE)
        return self.status(name)

    def stop(self, name: str) -> dict:
        run = self._run(name)
        run.step(CampaignEvent.STOP)
        status = self.status(name)
        if not run.inflight:
            del self.runs[name]
        return status

    def status(self, name: str) -> dict:
        run = self._run(name)
        return {"campaign": name, "state": run.state, "mode": run.campaign.mode, "hopper": len(run.hopper),
                "in_flight": len(run.inflight), **run.counts}

    def _run(self, name: str) -> CampaignRun:
        if name not in self.runs:
            raise KeyError(name)
        return self.runs[name]

    async def book_callback(self, campaign_name: str, number: str, name: str = "",
                            data: dict[str, str] | None = None, when: datetime | None = None,
                            booking: str | None = None) -> bool:
        """A promised call (call-back, follow-up), keyed by ``booking``: `Bookings.book`."""
        return await self.bookings.book(campaign_name, number, name, data, when, booking)

    async def cancel_booking(self, campaign_name: str, booking: str) -> int | None:
        """Withdraw a promised call not made yet (a live attempt is not retried): `Bookings.cancel`."""
        return await self.bookings.cancel(campaign_name, booking)

    # -- pacing loop ---------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.tick()

    async def tick(self) -> None:
        """One pacing tick: every run's watchdog (paused and stopped ones too), then the running dial."""
        for run in list(self.runs.values()):
            self.reap(run)
            if run.state == CampaignState.RUNNING:
                await self._pace(run)

    def reap(self, run: CampaignRun) -> None:
        """Attempts whose report Asterisk lost end as failed (table event LOST); their leads are retried."""
        now = self.clock()
        for attempt in run.overdue(now):
            log.warning("campaign %s attempt %s to %s: no report from Asterisk %.0f s into %s; counted as failed",
                        run.campaign.name, attempt.id, attempt.lead.number, attempt.age(now), attempt.phase)
            self.finish(attempt.id, "failed", event=AttemptEvent.LOST)

    async def _pace(self, run: CampaignRun) -> None:
        if run.campaign.mode == "preview":
            self.preview.tick(run)
            return
        run.roll_day(_utc())
        now = self.clock()
        lines = run.pacer.lines_to_dial(self._pacing_state(run, now), now)
        for lead in run.hopper.next_batch(lines, _utc()) if lines > 0 else []:
            await self.dial(run, lead)

    def campaign_agents(self, campaign: Campaign) -> list:
        """Agents qualified for the campaign's queue (its skills at their levels)."""
        return self.acd.agents_of(campaign.queue)

    def _pacing_state(self, run: CampaignRun, now: float) -> PacingState:
        spec = self.acd.queue(run.campaign.queue)
        agents = self.campaign_agents(run.campaign)
        wrapup = spec.wrapup_s if spec else 0.0
        phases = [a.phase for a in run.inflight.values()]
        return PacingState(
            agents_ready=sum(a.state == AgentState.READY for a in agents),
            wrapup_remaining_s=tuple(max(0.0, a.state_since + wrapup - now) for a in agents
                                     if a.state == AgentState.WRAP_UP),
            talk_elapsed_s=tuple(now - a.state_since for a in agents if a.state == AgentState.ON_CALL),
            ringing_age_s=tuple(now - a.started for a in run.inflight.values() if a.phase == AttemptState.RINGING),
            in_amd=phases.count(AttemptState.AMD), live_waiting=phases.count(AttemptState.LIVE), stats=run.stats,
            day_left_s=run.campaign.day_left_s(_utc()))

    async def dial(self, run: CampaignRun, lead: Lead, preview_agent: str | None = None) -> None:
        attempt = Attempt(uuid.uuid4().hex, lead, run.campaign.name, self.clock(), _utc(),
                          preview_agent=preview_agent)
        lead.attempts += 1
        run.inflight[attempt.id] = self._attempts[attempt.id] = attempt
        c = run.campaign
        try:
            await self.ami.originate(
                c.channel(lead.number), context="hotline-outbound", exten="s", caller_id=_caller_id(c),
                timeout_s=c.ring_timeout_s, channel_id=attempt.id, action_id=attempt.id,
                variables={"HOTLINE_ATTEMPT": attempt.id, "HOTLINE_CAMPAIGN": c.name})
        except (OSError, asyncio.TimeoutError, RuntimeError, ValueError) as exc:
            log.warning("campaign %s: originate to %s failed: %s", c.name, lead.number, exc)
            self.finish(attempt.id, "failed")
            return
        self._count(run, "dialed")
        self.saves.save(lead)

    # -- outcomes ------------------------------------------------------------------------
    def attempt(self, attempt_id: str) -> Attempt | None:
        return self._attempts.get(attempt_id)

    def campaign(self, name: str) -> Campaign | None:
        run = self.runs.get(name)
        return run.campaign if run else None

    def on_originate_response(self, action_id: str, success: bool, reason: str) -> None:
        """AMI hook: an originated call connected (answered) or failed before connecting."""
        attempt = self._attempts.get(action_id)
        if attempt is None:
            return
        run = self.runs.get(attempt.campaign)
        if success:
            attempt.step(AttemptEvent.ANSWERED)
            attempt.answered = self.clock()
            if run:
                run.stats.observe_attempt(True, attempt.answered - attempt.started)
            return
        if run:
            run.stats.observe_attempt(False)
        self.finish(attempt.id, ORIGINATE_FAILURE.get(reason, "failed"))

    def classified(self, attempt: Attempt, live: bool, call_id: str | None = None) -> None:
        """AMD's verdict; a person waits for an agent in the ACD as task ``call_id``."""
        if self._attempts.get(attempt.id) is not attempt:  # the watchdog gave up on it meanwhile
            log.warning("attempt %s classified after it was counted as failed", attempt.id)
            return
        run = self.runs.get(attempt.campaign)
        attempt.step(AttemptEvent.AMD_HUMAN if live else AttemptEvent.AMD_MACHINE)
        if live and call_id:
            attempt.call_id, self._live[call_id] = call_id, attempt
        if run and attempt.answered is not None:
            run.stats.observe_classification(live, self.clock() - attempt.answered)

    def _on_acd_event(self, event: AcdEvent) -> None:
        """ACD observer: an agent answered a person we reached, who is no longer waiting."""
        if isinstance(event, CallQueueEvent) and event.event is QueueEvent.ANSWER and event.call_id in self._live:
            self._live.pop(event.call_id).step(AttemptEvent.AGENT_ANSWERED)

    def finish(self, attempt_id: str, outcome: str, *, agent: str | None = None, call_id: str | None = None,
               amd: tuple[str, str] | None = None, wait_s: float | None = None, talk_s: float | None = None,
               event: AttemptEvent | None = None) -> None:
        """Record ``outcome``; the table moves the attempt by ``event`` (default: the outcome's own)."""
        attempt = self._attempts.get(attempt_id)
        if attempt is None:
            return
        attempt.step(event or AttemptEvent(outcome))  # its final state is the outcome
        del self._attempts[attempt_id]
        self._live.pop(attempt.call_id or "", None)
        run = self.runs.get(attempt.campaign)
        lead = attempt.lead
        self.records.submit(DialAttemptRecord(
            attempt_id=attempt.id, campaign=attempt.campaign, lead_id=lead.id, number=lead.number,
            outcome=outcome, started_at=attempt.started_at, ended_at=_utc(),
            answered_at=_utc() if attempt.answered is not None else None, amd_status=amd[0] if amd else None,
            amd_cause=amd[1] if amd else None, agent=agent, call_id=call_id, wait_s=wait_s, talk_s=talk_s))
        log.info("campaign %s attempt %s to %s: %s", attempt.campaign, attempt.id, lead.number, outcome)
        if outcome != "human":
            self.preview.attempt_over(attempt.preview_agent)
        if run is None:
            return
        run.inflight.pop(attempt.id, None)
        self._count(run, outcome)
        if outcome in ("human", "dropped"):
            run.pacer.observe_live(outcome == "dropped")
        if talk_s:
            run.stats.observe_talk(talk_s)
        self._reschedule(run, lead, outcome)
        if run.state == CampaignState.STOPPED and not run.inflight:
            self.runs.pop(attempt.campaign, None)

    def _reschedule(self, run: CampaignRun, lead: Lead, outcome: str) -> None:
        if outcome == "human":
            move_lead(lead, LeadEvent.REACHED)
        else:
            when = retry_after(outcome, lead.attempts, run.campaign, _utc())
            move_lead(lead, LeadEvent.RETRY if when else LeadEvent.GIVE_UP)
            lead.next_attempt_at = when
            if lead.status is LeadStatus.RETRY:  # not a booking withdrawn meanwhile (CANCELLED)
                run.hopper.add(lead, _utc())
        self.saves.save(lead)

    def _count(self, run: CampaignRun, key: str) -> None:
        run.counts[key] = run.counts.get(key, 0) + 1


def _caller_id(campaign: Campaign) -> str:
    return f'"{campaign.caller_name}" <{campaign.caller_id}>' if campaign.caller_name else campaign.caller_id


def _utc() -> datetime:
    return datetime.now(timezone.utc)
