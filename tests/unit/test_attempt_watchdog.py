"""The dialer's watchdog: an attempt Asterisk never reports on (no OriginateResponse, no FastAGI
session) is ended through the attempt table as failed and its lead retried, on the pacing tick,
on a fake clock (real ACD and database, recording AMI)."""

from __future__ import annotations

import logging

import pytest

from dialer.attempt_state import REPORT_MARGIN_S, AttemptState, overdue
from dialer.campaign import AmdConfig
from dialer.leads import LeadStatus
from tests.support.dialer import attempt_records, dialed, world  # noqa: F401 (fixture)

S = AttemptState
RING_S, AMD_S = 25, 5.0  # the test campaign's ring_timeout_s and amd.total_analysis_ms (defaults)


@pytest.mark.parametrize("state", list(S))
def test_only_ringing_and_amd_become_overdue_and_only_past_their_bound_plus_the_margin(state: S) -> None:
    bound = {S.RINGING: RING_S, S.AMD: AMD_S}.get(state)
    late = 10_000.0 if bound is None else bound + REPORT_MARGIN_S + 0.1
    assert not overdue(state, (bound or 0) + REPORT_MARGIN_S, ring_timeout_s=RING_S, amd_s=AMD_S)
    assert overdue(state, late, ring_timeout_s=RING_S, amd_s=AMD_S) is (bound is not None)


def lost_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "no report" in r.getMessage()]


async def test_a_ringing_attempt_never_reported_fails_once_and_its_lead_is_retried(world, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.dialer")
    run, attempt = await dialed(world)
    world.now[0] += RING_S + REPORT_MARGIN_S  # Asterisk gave up ringing; its report may still be on its way
    await world.service.tick()
    assert attempt.id in run.inflight and attempt_records(world) == []
    world.now[0] += 1
    await world.service.tick()
    assert run.inflight == {} and [r.outcome for r in attempt_records(world)] == ["failed"]
    assert attempt_records(world)[0].answered_at is None and run.counts["failed"] == 1
    assert attempt.lead.status is LeadStatus.RETRY and attempt.lead.next_attempt_at is not None
    assert len(run.hopper) == 1 and world.ami.originated == ["Local/2001@customer-sim"]  # not due yet
    assert f"attempt {attempt.id}: ringing -[lost]-> failed" in caplog.text
    [warning] = lost_warnings(caplog)
    assert "no report from Asterisk 41 s into ringing" in warning and "2001" in warning
    world.now[0] += 60
    await world.service.tick()
    world.service.on_originate_response(attempt.id, False, "3")  # the lost report, far too late: ignored
    assert len(lost_warnings(caplog)) == 1 and len(attempt_records(world)) == 1
    assert world.service.attempt(attempt.id) is None  # a late FastAGI session finds no attempt and hangs up


async def test_an_answered_call_whose_session_never_came_fails_after_amds_own_time(world, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.dialer")
    run, attempt = await dialed(world)
    world.now[0] += 30  # rang for 30 s: past the ring bound, but answered in time
    world.service.on_originate_response(attempt.id, True, "4")
    world.now[0] += AMD_S + REPORT_MARGIN_S
    world.service.reap(run)
    assert attempt.phase == "amd" and attempt_records(world) == []
    world.now[0] += 1
    world.service.reap(run)
    [record] = attempt_records(world)
    assert record.outcome == "failed" and record.answered_at is not None
    assert f"attempt {attempt.id}: amd -[lost]-> failed" in caplog.text
    assert "21 s into amd" in lost_warnings(caplog)[0]
    world.service.classified(attempt, live=True, call_id="call-1")  # the session after all: no crash
    assert attempt.phase == "failed" and len(attempt_records(world)) == 1


async def test_with_amd_off_an_answered_call_gets_only_the_margin(world):
    run, attempt = await dialed(world)
    run.campaign = run.campaign.model_copy(update={"amd": AmdConfig(enabled=False)})
    world.service.on_originate_response(attempt.id, True, "4")
    world.now[0] += REPORT_MARGIN_S + 1
    world.service.reap(run)
    assert [r.outcome for r in attempt_records(world)] == ["failed"]


@pytest.mark.parametrize("live", [True, False])
async def test_calls_the_session_owns_are_never_reaped(world, live):
    run, attempt = await dialed(world)
    world.service.on_originate_response(attempt.id, True, "4")
    world.service.classified(attempt, live=live, call_id="call-1")
    world.now[0] += 3600
    await world.service.tick()
    assert attempt.phase == ("live" if live else "on_machine") and attempt.id in run.inflight
    assert attempt_records(world) == []


async def test_a_paused_campaign_is_still_watched(world):
    run, attempt = await dialed(world)
    world.service.pause("c")
    world.now[0] += RING_S + REPORT_MARGIN_S + 1
    await world.service.tick()
    assert [r.outcome for r in attempt_records(world)] == ["failed"] and run.inflight == {}
    assert world.service.runs["c"] is run and attempt.lead.status is LeadStatus.RETRY


async def test_a_stopped_campaign_goes_once_its_lost_attempt_is_reaped(world):
    await dialed(world)
    world.service.stop("c")
    assert "c" in world.service.runs  # an attempt is still in flight
    world.now[0] += RING_S + REPORT_MARGIN_S + 1
    await world.service.tick()
    assert "c" not in world.service.runs and [r.outcome for r in attempt_records(world)] == ["failed"]
