"""Lead rules: call windows on the lead's own clock (DST too), retries, DNC, callbacks, CSV import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dialer.campaign import Campaign
from dialer.hopper import Hopper
from dialer.leads import Lead, LeadStatus, callable_now, next_window_open, parse_leads_csv, retry_after
from dialer.numbers import DncList, parse_dnc

CAMPAIGN = Campaign(name="c", kind="payment_reminder", queue="q", caller_id="+861000",
                    safe_harbor_prompt="dialer/safe-harbor", max_attempts=3,
                    retry_delays={"busy": 10, "no_answer": [30, 120], "machine": 240})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def lead(tz: str = "Asia/Shanghai", **kw: object) -> Lead:
    return Lead(id=str(kw.pop("id", "1")), campaign="c", number=str(kw.pop("number", "+8613800138000")),
                timezone=tz, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------ windows


def test_same_utc_instant_is_open_in_shanghai_and_closed_in_new_york() -> None:
    now = utc(2024, 5, 1, 2, 0)  # 10:00 in Shanghai, 22:00 (previous day) in New York
    assert callable_now(lead("Asia/Shanghai"), CAMPAIGN, now) == (True, "ok")
    assert callable_now(lead("America/New_York"), CAMPAIGN, now) == (False, "outside_window")


def test_new_york_opening_moves_an_hour_in_utc_across_spring_forward() -> None:
    ny = lead("America/New_York")
    # Saturday 9 March 2024 is EST (UTC-5): opens 14:00 UTC. Sunday 10 March is EDT: opens 13:00 UTC.
    assert not callable_now(ny, CAMPAIGN, utc(2024, 3, 9, 13, 59))[0]
    assert callable_now(ny, CAMPAIGN, utc(2024, 3, 9, 14, 0))[0]
    assert callable_now(ny, CAMPAIGN, utc(2024, 3, 10, 13, 0))[0]
    assert next_window_open(ny, CAMPAIGN, utc(2024, 3, 10, 3, 0)) == utc(2024, 3, 10, 13, 0)


def test_window_end_follows_fall_back_in_london() -> None:
    london = lead("Europe/London")
    # Clocks go back at 01:00 UTC on 27 Oct 2024: on the 26th (BST, UTC+1) the window closes at
    # 20:00 UTC, on the 27th (GMT) at 21:00 UTC.
    assert not callable_now(london, CAMPAIGN, utc(2024, 10, 26, 20, 0))[0]
    assert callable_now(london, CAMPAIGN, utc(2024, 10, 27, 20, 30))[0]


def test_half_hour_dst_zone_is_handled() -> None:
    lord_howe = lead("Australia/Lord_Howe")  # UTC+11 in summer, +10:30 in winter
    assert callable_now(lord_howe, CAMPAIGN, utc(2024, 1, 15, 22, 0))[0]      # 09:00 local
    assert not callable_now(lord_howe, CAMPAIGN, utc(2024, 7, 15, 22, 0))[0]  # 08:30 local


def test_disallowed_weekday_in_the_leads_zone() -> None:
    weekdays = CAMPAIGN.model_copy(update={"call_window": CAMPAIGN.call_window.model_copy(
        update={"days": ["mon", "tue", "wed", "thu", "fri"]})})
    # Friday 23:30 UTC is already Saturday 07:30 in Shanghai, Friday 19:30 in New York.
    friday_night = utc(2024, 5, 3, 23, 30)
    assert callable_now(lead("America/New_York"), weekdays, friday_night)[0]
    assert not callable_now(lead("Asia/Shanghai"), weekdays, friday_night)[0]
    assert next_window_open(lead("Asia/Shanghai"), weekdays, friday_night) == utc(2024, 5, 6, 1, 0)


# ------------------------------------------------------------ retries, attempts, DNC


@pytest.mark.parametrize(("outcome", "attempts", "minutes"), [
    ("busy", 1, 10), ("no_answer", 1, 30), ("no_answer", 2, 120), ("machine", 1, 240),
    ("failed", 1, 60), ("dropped", 2, 30)])
def test_retry_delay_depends_on_outcome_and_attempt(outcome: str, attempts: int, minutes: int) -> None:
    now = utc(2024, 5, 1, 3)
    assert retry_after(outcome, attempts, CAMPAIGN, now) == now + timedelta(minutes=minutes)


def test_no_retry_after_max_attempts_or_a_final_outcome() -> None:
    now = utc(2024, 5, 1, 3)
    assert retry_after("busy", 3, CAMPAIGN, now) is None
    assert retry_after("completed", 1, CAMPAIGN, now) is None


def test_retry_wait_and_max_attempts_block_dialing() -> None:
    now = utc(2024, 5, 1, 3)
    waiting = lead(status=LeadStatus.RETRY, attempts=1, next_attempt_at=now + timedelta(minutes=5))
    assert callable_now(waiting, CAMPAIGN, now) == (False, "retry_wait")
    assert callable_now(waiting, CAMPAIGN, now + timedelta(minutes=5)) == (True, "ok")
    used_up = lead(status=LeadStatus.RETRY, attempts=3)
    assert callable_now(used_up, CAMPAIGN, now) == (False, "max_attempts")


def test_dnc_matches_any_spelling_of_the_number() -> None:
    dnc, errors = parse_dnc("# comment\n8613800138000\nnot-a-number\n")
    assert errors == ["line 3: 'not-a-number' is not a phone number; use an optional '+' and 3-15 "
                      "digits, e.g. +8613800138000"]
    assert callable_now(lead(number="+86 138 0013 8000"), CAMPAIGN, utc(2024, 5, 1, 3), dnc) == (False, "dnc")


def test_callback_waits_for_its_time_then_ignores_attempt_limit_but_not_window() -> None:
    at = utc(2024, 5, 1, 3)
    cb = lead(status=LeadStatus.CALLBACK, callback_at=at, attempts=3)
    assert callable_now(cb, CAMPAIGN, at - timedelta(minutes=1)) == (False, "callback_pending")
    assert callable_now(cb, CAMPAIGN, at) == (True, "callback_due")
    assert callable_now(cb, CAMPAIGN, utc(2024, 5, 1, 14)) == (False, "outside_window")  # 22:00 local


# ------------------------------------------------------------ hopper


def test_hopper_serves_due_callbacks_first_then_priority_then_oldest_attempt() -> None:
    now = utc(2024, 5, 1, 3)
    hopper = Hopper(CAMPAIGN, DncList(["+8613900000009"]))
    hopper.extend([
        lead(id="old-low", number="100001", next_attempt_at=now - timedelta(hours=2)),
        lead(id="new-low", number="100002", next_attempt_at=now - timedelta(hours=1)),
        lead(id="high", number="100003", priority=5),
        lead(id="callback", number="100004", status=LeadStatus.CALLBACK, callback_at=now),
        lead(id="later-callback", number="100005", status=LeadStatus.CALLBACK,
             callback_at=now + timedelta(hours=1)),
        lead(id="dnc", number="+8613900000009", priority=9),
        lead(id="not-yet", number="100006", priority=9, status=LeadStatus.RETRY,
             next_attempt_at=now + timedelta(minutes=10)),
        lead("America/New_York", id="night", number="100007", priority=8),
    ], now)
    assert [x.id for x in hopper.next_batch(10, now)] == ["callback", "high", "old-low", "new-low"]
    assert hopper.dropped == {"dnc": 1}
    assert [x.id for x in hopper.next_batch(10, now + timedelta(minutes=10))] == ["not-yet"]
    assert [x.id for x in hopper.next_batch(10, now + timedelta(hours=1))] == ["later-callback"]
    assert [x.id for x in hopper.next_batch(10, utc(2024, 5, 1, 13))] == ["night"]  # 09:00 New York
    assert len(hopper) == 0


def test_a_withdrawn_booking_leaves_the_hopper_wherever_it_waits_and_the_rest_keep_their_order() -> None:
    now = utc(2024, 5, 1, 3)
    hopper = Hopper(CAMPAIGN)
    hopper.extend([
        lead(id="due-cb", number="100001", status=LeadStatus.CALLBACK, callback_at=now, booking="C-1/0"),
        lead(id="later-cb", number="100002", status=LeadStatus.CALLBACK, callback_at=now + timedelta(hours=1),
             booking="C-2/0"),
        lead(id="ready", number="100003", priority=5, booking="C-2/0"),
        lead(id="waiting", number="100004", status=LeadStatus.RETRY, next_attempt_at=now + timedelta(minutes=5),
             booking="C-2/0"),
        lead(id="low", number="100005"), lead(id="high", number="100006", priority=9),
    ], now)
    assert sorted(x.id for x in hopper.remove_booking("C-2/0")) == ["later-cb", "ready", "waiting"]
    assert hopper.remove_booking("C-2/0") == [] and len(hopper) == 3
    assert [x.id for x in hopper.next_batch(10, now + timedelta(hours=2))] == ["due-cb", "high", "low"]


# ------------------------------------------------------------ CSV import


def test_csv_import_keeps_good_rows_and_reports_bad_ones_by_row() -> None:
    text = ("number,timezone,name,priority,invoice\n"
            "+86 138 0013 8000,,Wang,1,INV-1\n"
            "12ab,,Li,0,INV-2\n"
            "+12125550100,Mars/Olympus,Smith,0,INV-3\n"
            "+8613800138000,,Wang again,0,INV-4\n"
            "\"+1 (212) 555-0101\",America/New_York,\"Doe,\nJane\",x,INV-5\n"
            "+12125550102,America/New_York,Roe,2,INV-6\n")
    leads, errors = parse_leads_csv(text, "c", "Asia/Shanghai")
    assert [(x.number, x.timezone, x.priority, x.data) for x in leads] == [
        ("+8613800138000", "Asia/Shanghai", 1, {"invoice": "INV-1"}),
        ("+12125550102", "America/New_York", 2, {"invoice": "INV-6"})]
    assert [(e.row, e.column) for e in errors] == [(3, "number"), (4, "timezone"), (5, "number"),
                                                   (6, "priority")]
    assert "duplicate of row 2" in errors[2].message
    assert leads[1].id == "c-+12125550102"  # default id: campaign and number, stable across imports


def test_csv_without_number_column_is_one_clear_error() -> None:
    leads, errors = parse_leads_csv("phone,name\n123456,x\n", "c", "UTC")
    assert leads == [] and [str(e) for e in errors] == [
        "row 1: header: no 'number' column; the first line must name the columns, e.g. number,timezone,name"]


def test_csv_callback_column_makes_a_callback_lead() -> None:
    leads, errors = parse_leads_csv("number,callback_at\n123456,2024-05-01T10:00:00+08:00\n"
                                    "123457,2024-05-01T10:00:00\n", "c", "UTC")
    assert leads[0].status is LeadStatus.CALLBACK and leads[0].callback_at == utc(2024, 5, 1, 2)
    assert [(e.row, e.column) for e in errors] == [(3, "callback_at")]


def test_shipped_dnc_list_parses() -> None:
    text = (Path(__file__).resolve().parents[2] / "config/campaigns/dnc/global.txt").read_text()
    dnc, errors = parse_dnc(text)
    assert errors == [] and "+8613800000000" in dnc
