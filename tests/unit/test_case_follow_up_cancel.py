"""A closed case reopened before its follow-up call (回访) is made: the real `DialerService` on SQLite
withdraws that call (stored, running campaign's hopper, live attempt, preview), the reclosed case
has one pending call, and an answer about the earlier closing is logged as late and moves nothing.
The case service runs on a clock the test moves; leads are served at a fixed instant in the window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cti.services.case_desk import CaseCalls
from cti.services.cases import CaseService
from cti.services.dialer import DialerService
from cti.store.cases import fetch_case_log
from cti.store.leads import fetch_leads, load_dialable, save_lead
from dialer.leads import LeadStatus
from tests.support.cases import policy, sh
from tests.support.dialer import DialerWorld

NOON = datetime(2026, 9, 28, 12, tzinfo=UTC)  # inside the campaign's call window, after every due time here
S = LeadStatus


@pytest.fixture
async def world(tmp_path: Path):
    world = await DialerWorld.build(tmp_path, name="follow_up", numbers=())
    now = [sh(2026, 9, 28, 9, 0)]
    world.cases = CaseService(policy(), world.db, book_follow_up=world.service.book_callback,
                              cancel_follow_up=world.service.cancel_booking, clock=lambda: now[0])
    world.clock = now
    yield world
    await world.close()


async def closed_case(world, customer: str = "2001"):
    cases = world.cases
    case = await cases.open(kind="complaint", category="service", customer=customer, by="1005")
    await cases.resolve(case.id, "1005", "refund issued")
    await cases.close(case.id, "1005")
    return case


async def statuses(world) -> dict[str, S]:
    await world.service.saves.drain()
    return {lead.booking: lead.status for lead in await fetch_leads(world.db, "follow_up")}


async def kinds(world, case_id: str) -> list[str]:
    return [e.kind for e in await fetch_case_log(world.db, case_id)]


async def test_reopened_before_the_call_the_follow_up_is_cancelled_and_the_reclosed_case_has_one_pending(world):
    case = await closed_case(world)
    world.clock[0] = sh(2026, 9, 28, 9, 30)  # the supervisor rejects the resolution before the 回访 is due
    await world.cases.reopen(case.id, "sup", "refund not visible")
    assert await statuses(world) == {f"{case.id}/0": S.CANCELLED}
    assert await load_dialable(world.db, "follow_up") == []
    log = await fetch_case_log(world.db, case.id)
    assert [e.kind for e in log][-2:] == ["reopen", "follow_up_cancelled"]
    assert log[-1].detail == {"campaign": "follow_up", "booking": f"{case.id}/0", "leads": 1}

    await world.cases.resolve(case.id, "1005", "refunded again")
    await world.cases.close(case.id, "1005")
    assert await statuses(world) == {f"{case.id}/0": S.CANCELLED, f"{case.id}/1": S.CALLBACK}
    [pending] = await load_dialable(world.db, "follow_up")
    assert (pending.booking, pending.data["case_booking"]) == (f"{case.id}/1", f"{case.id}/1")


async def test_a_running_campaign_drops_the_withdrawn_call_from_its_hopper_and_counts_it_cancelled(world):
    await world.service.start("follow_up")
    case = await closed_case(world)
    other = await closed_case(world, customer="2002")
    run = world.service.runs["follow_up"]
    assert len(run.hopper) == 2
    await world.cases.reopen(case.id, "sup")
    assert len(run.hopper) == 1 and [x.data["case_id"] for x in run.hopper.next_batch(5, NOON)] == [other.id]
    status = world.service.status("follow_up")
    assert (status["cancelled"], status.get("exhausted", 0)) == (1, 0)
    assert (await statuses(world))[f"{case.id}/0"] is S.CANCELLED


async def test_a_call_under_way_when_the_case_is_reopened_finishes_and_is_never_retried(world):
    await world.service.start("follow_up")
    case = await closed_case(world)
    run = world.service.runs["follow_up"]
    [lead] = run.hopper.next_batch(1, NOON)
    await world.service.dial(run, lead)
    [attempt] = run.inflight.values()
    await world.cases.reopen(case.id, "sup")
    assert lead.status is S.CANCELLING and (await statuses(world))[f"{case.id}/0"] is S.CANCELLING
    world.service.finish(attempt.id, "busy")  # would be retried in 30 min if the booking still held
    assert lead.status is S.CANCELLED and len(run.hopper) == 0
    assert await statuses(world) == {f"{case.id}/0": S.CANCELLED}


async def test_a_stale_answer_is_logged_as_late_and_moves_neither_the_reopened_nor_the_reclosed_case(world):
    case = await closed_case(world)
    await world.cases.reopen(case.id, "sup")
    calls = CaseCalls(world.cases, world.acd)
    stale = {"campaign": "follow_up", "case_id": case.id, "case_booking": f"{case.id}/0"}
    await calls.disposition("1006", "fu-1", stale, {"code": "follow_up", "score": 5, "answer": "all good"})
    assert (case.state, case.score) == ("reopened", None)

    await world.cases.resolve(case.id, "1005")
    await world.cases.close(case.id, "1005")
    await calls.disposition("1006", "fu-2", stale, {"code": "follow_up", "score": 1})
    assert case.state == "closed" and case.calls == ["fu-1", "fu-2"]
    log = await fetch_case_log(world.db, case.id)
    late = [e.detail for e in log if e.kind == "late_answer"]
    assert [(d["score"], d["booking"], d["case_state"]) for d in late] == [
        (5, f"{case.id}/0", "reopened"), (1, f"{case.id}/0", "closed")]
    assert "answer" not in [e.kind for e in log]

    current = {**stale, "case_booking": f"{case.id}/1"}
    await calls.disposition("1006", "fu-3", current, {"code": "follow_up", "score": 5})
    assert case.state == "confirmed" and (await kinds(world, case.id))[-2:] == ["answer", "confirm"]


async def test_an_answer_given_by_hand_withdraws_the_call_and_one_for_a_confirmed_case_is_late(world):
    case = await closed_case(world)
    await world.cases.answer(case.id, 5, "the customer called in: solved")
    assert case.state == "confirmed" and await statuses(world) == {f"{case.id}/0": S.CANCELLED}
    assert (await kinds(world, case.id))[-3:] == ["answer", "confirm", "follow_up_cancelled"]
    await world.cases.answer(case.id, 2, by="1006", call_id="fu-1", booking=f"{case.id}/0")  # no raise
    assert (await kinds(world, case.id))[-1] == "late_answer"


async def test_a_withdrawn_call_left_mid_attempt_by_a_stopped_engine_is_cancelled_on_load(world, tmp_path):
    case = await closed_case(world)
    [lead] = await fetch_leads(world.db, "follow_up")
    lead.status = S.CANCELLING
    await save_lead(world.db, lead)
    restarted = DialerService(tmp_path / "campaigns", world.db, world.ami, world.acd, world.sink)
    await restarted.start("follow_up")
    assert len(restarted.runs["follow_up"].hopper) == 0
    assert await statuses(world) == {f"{case.id}/0": S.CANCELLED}


async def test_a_previewed_follow_up_withdrawn_meanwhile_is_not_dialed_when_the_agent_accepts(tmp_path):
    world = await DialerWorld.build(tmp_path, name="follow_up", numbers=(), mode="preview")
    cases = CaseService(policy(), world.db, book_follow_up=world.service.book_callback,
                        cancel_follow_up=world.service.cancel_booking, clock=lambda: sh(2026, 9, 28, 9, 0))
    try:
        world.acd.agent_command("1001", "login")
        await world.service.start("follow_up")
        world.cases = cases
        case = await closed_case(world)
        run = world.service.runs["follow_up"]
        [lead] = run.hopper.next_batch(1, NOON)
        world.service.preview._offer(run, "1001", lead)
        await cases.reopen(case.id, "sup")
        assert world.service.preview.decide("1001", accept=True)["cancelled"]
        assert world.ami.originated == [] and world.acd.agent("1001").state == "ready"
        assert await statuses(world) == {f"{case.id}/0": S.CANCELLED}
    finally:
        await world.close()
