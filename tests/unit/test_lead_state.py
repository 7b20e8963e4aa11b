"""The lead status machine: every (status, event) pair is in the table or raises, and the hopper,
the dialer, the preview desk and the leads store move statuses only through it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.store.leads import fetch_leads, load_dialable, save_lead
from dialer.campaign import find_campaign
from dialer.hopper import Hopper
from dialer.lead_state import FINAL, TRANSITIONS, InvalidLeadTransition, LeadEvent, apply, step
from dialer.leads import CANCELLABLE, DIALABLE, Lead, LeadStatus
from tests.support.dialer import DialerWorld, noon_zone
from tests.support.machines import all_pairs, check_pair, exits, reachable, walk

S, E = LeadStatus, LeadEvent


@pytest.mark.parametrize("status,event", all_pairs(LeadStatus, LeadEvent))
def test_every_status_event_pair_is_in_the_table_or_raises(status: S, event: E) -> None:
    check_pair(step, TRANSITIONS, InvalidLeadTransition, "lead_invalid_transition", status, event)


def test_status_values_are_what_the_lead_table_stores() -> None:
    assert [str(s) for s in S] == ["new", "retry", "callback", "dialing", "done", "exhausted", "dnc",
                                   "cancelling", "cancelled"]


def test_only_dialable_leads_are_dialed_and_every_dial_is_resolved() -> None:
    assert {s for s in S if (s, E.DIAL) in TRANSITIONS} == DIALABLE
    assert exits(TRANSITIONS, S.DIALING) == {S.DONE, S.RETRY, S.EXHAUSTED, S.CANCELLING}
    assert exits(TRANSITIONS, S.CANCELLING) == {S.DONE, S.CANCELLED}  # the live attempt ends, never retried
    assert all(not exits(TRANSITIONS, final) for final in FINAL)
    assert reachable(TRANSITIONS, S.NEW) == set(S) - {S.CALLBACK, S.DNC}  # both are written from outside


def test_a_booking_is_withdrawn_from_every_status_that_could_still_call_and_from_no_other() -> None:
    assert {s for s in S if (s, E.CANCEL) in TRANSITIONS} == CANCELLABLE == DIALABLE | {S.DIALING}
    assert {TRANSITIONS[s, E.CANCEL] for s in DIALABLE} == {S.CANCELLED}


@given(st.sampled_from(sorted(DIALABLE)), st.lists(st.sampled_from(list(LeadEvent)), max_size=12))
def test_any_event_sequence_alternates_dial_and_its_resolution(start: S, events: list[E]) -> None:
    path = walk(step, TRANSITIONS, InvalidLeadTransition, start, events)
    moves = [(a, b) for a, b in zip(path, path[1:]) if a is not b and b is not S.CANCELLED]
    live = {S.DIALING, S.CANCELLING}
    assert all((a in live) != (b in live) or (a, b) == (S.DIALING, S.CANCELLING) for a, b in moves)


@given(st.sampled_from(sorted(CANCELLABLE)), st.lists(st.sampled_from(list(LeadEvent)), max_size=12))
def test_a_cancelled_lead_is_never_dialed_or_dialable_again(start: S, events: list[E]) -> None:
    path = walk(step, TRANSITIONS, InvalidLeadTransition, start, [E.CANCEL, *events])
    assert not set(path[1:]) & (DIALABLE | {S.DIALING})
    assert path[-1] in {S.CANCELLING, S.CANCELLED, S.DONE}  # DONE: the live attempt reached the person


# ---------------------------------------------------------------- wiring


def lead(number: str = "2001", **kw) -> Lead:
    return Lead(f"c-{number}", "c", number, noon_zone(), **kw)


def test_hopper_hands_a_lead_out_through_the_table(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="hotline.dialer")
    (tmp_path / "c.yaml").write_text("name: c\nkind: survey\nqueue: q\ncaller_id: '+861000'\n"
                                     "safe_harbor_prompt: safe_harbor\n")
    hopper = Hopper(find_campaign("c", tmp_path))
    hopper.add(lead(), datetime.now(UTC))
    [served] = hopper.next_batch(1, datetime.now(UTC))
    assert served.status is S.DIALING and "lead c-2001: new -[dial]-> dialing" in caplog.text


def test_a_lead_the_table_does_not_allow_is_refused() -> None:
    done = lead(status=S.DONE)
    with pytest.raises(InvalidLeadTransition):
        apply(done, E.DIAL)
    assert done.status is S.DONE


async def test_lead_left_dialing_by_a_stopped_engine_is_recovered_as_retry(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.dialer")
    world = await DialerWorld.build(tmp_path, numbers=("2001", "2002"))
    try:
        [first, second] = await fetch_leads(world.db, "c")
        first.status = S.DIALING
        await save_lead(world.db, first)
        loaded = {x.number: x.status for x in await load_dialable(world.db, "c")}
        assert loaded == {"2001": S.RETRY, "2002": S.NEW}
        assert "lead c-2001: dialing -[recover]-> retry" in caplog.text
    finally:
        await world.close()


async def test_skipped_preview_lead_comes_back_after_the_skip_delay(tmp_path):
    world = await DialerWorld.build(tmp_path, mode="preview")
    try:
        world.acd.agent_command("1001", "login")
        await world.service.start("c")
        run = world.service.runs["c"]
        world.service.preview.tick(run)
        previewed = world.service.preview.offers["1001"].lead
        assert previewed.status is S.DIALING
        assert world.service.preview.decide("1001", accept=False)["skipped"]
        assert previewed.status is S.RETRY
        assert run.hopper.next_batch(1, datetime.now(UTC)) == []  # not before the skip delay
        assert run.hopper.next_batch(1, datetime.now(UTC) + timedelta(minutes=31)) == [previewed]
    finally:
        await world.close()

