"""A case closed, reopened by its follow-up (回访) and closed again gets a second follow-up call: the
real `DialerService.book_callback` on SQLite books one lead per closing (keyed by the case and its
cycle), both stored, the second dialable after an engine restart."""

from __future__ import annotations

from pathlib import Path

from cti.services.cases import CaseService
from cti.services.dialer import DialerService
from cti.store.leads import fetch_leads, load_dialable, save_lead
from dialer.leads import LeadStatus
from tests.support.cases import policy, sh
from tests.support.dialer import DialerWorld


async def _resolve_and_close(cases: CaseService, case_id: str) -> None:
    await cases.resolve(case_id, "1005", "refund issued")
    await cases.close(case_id, "1005")


async def test_a_reopened_and_reclosed_case_gets_a_second_stored_follow_up_that_survives_a_restart(
        tmp_path: Path) -> None:
    world = await DialerWorld.build(tmp_path, name="follow_up", numbers=())
    now = [sh(2026, 9, 28, 9, 0)]
    cases = CaseService(policy(), world.db, book_follow_up=world.service.book_callback, clock=lambda: now[0])
    try:
        case = await cases.open(kind="complaint", category="service", customer="2001", by="1005")
        await cases.take(case.id, "1005")
        await _resolve_and_close(cases, case.id)
        [first] = await fetch_leads(world.db, "follow_up")
        first.status = LeadStatus.DONE  # the first 回访 was made: the customer answered
        await save_lead(world.db, first)

        await cases.answer(case.id, 1, "still billed twice")
        await _resolve_and_close(cases, case.id)

        leads = sorted(await fetch_leads(world.db, "follow_up"), key=lambda lead: lead.booking)
        assert [(lead.number, lead.booking, lead.status, lead.data["case_id"]) for lead in leads] == [
            ("2001", f"{case.id}/0", LeadStatus.DONE, case.id),
            ("2001", f"{case.id}/1", LeadStatus.CALLBACK, case.id)]
        assert leads[1].callback_at == now[0].replace(hour=10)  # delay_min 60 after the second closing
        restarted = DialerService(tmp_path / "campaigns", world.db, world.ami, world.acd, world.sink)
        await restarted.start("follow_up")
        assert len(restarted.runs["follow_up"].hopper) == 1
        assert [lead.booking for lead in await load_dialable(world.db, "follow_up")] == [f"{case.id}/1"]
    finally:
        await world.close()


async def test_the_same_booking_twice_is_one_lead_and_two_call_backs_are_two(tmp_path: Path) -> None:
    world = await DialerWorld.build(tmp_path, name="follow_up", numbers=())
    try:
        book = world.service.book_callback
        assert await book("follow_up", "2001", booking="C-1/0") and await book("follow_up", "2001", booking="C-1/0")
        assert await book("follow_up", "2001") and await book("follow_up", "2001")  # two call-back requests
        leads = await fetch_leads(world.db, "follow_up")
        assert len(leads) == 3 and sum(lead.booking == "C-1/0" for lead in leads) == 1
    finally:
        await world.close()
