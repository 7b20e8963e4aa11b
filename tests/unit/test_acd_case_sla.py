"""Case deadlines on the business calendar: warned when near, escalated when missed, once each."""

from __future__ import annotations

from acd.case_sla import alarms, raise_alarm, time_left
from acd.case_state import CaseEvent, CaseState
from acd.cases import move, open_case
from tests.support.cases import policy, sh

POLICY = policy()


def new_case(at=sh(2026, 9, 28, 9, 0), priority=None, category="service"):
    return open_case("c1", POLICY, at, kind="complaint", category=category, customer="2001", priority=priority)


def test_deadlines_are_business_minutes_across_lunch_night_and_weekend() -> None:
    case = new_case(sh(2026, 9, 25, 17, 30))  # Friday 17:30
    assert case.response_due == sh(2026, 9, 28, 9, 30)        # 30 min Friday, 30 min Monday
    assert case.resolution_due == sh(2026, 9, 28, 17, 30)     # 8 business hours
    assert case.response_warn_at == sh(2026, 9, 28, 9, 18)    # 80% of 60 minutes


def test_nothing_is_due_before_the_warning_share() -> None:
    assert alarms(new_case(), POLICY, sh(2026, 9, 28, 9, 47)) == []


def test_near_deadline_warns_once() -> None:
    case = new_case()
    [alarm] = alarms(case, POLICY, sh(2026, 9, 28, 9, 48))
    assert (alarm.deadline, alarm.kind, alarm.to_level) == ("response", "near", None)
    assert raise_alarm(case, POLICY, alarm) is None
    assert alarms(case, POLICY, sh(2026, 9, 28, 9, 50)) == []
    assert case.level == 1


def test_missed_response_escalates_to_the_next_level() -> None:
    case = new_case()
    move(case, CaseEvent.ASSIGN, POLICY, sh(2026, 9, 28, 9, 1), agent="1005")
    [alarm] = alarms(case, POLICY, sh(2026, 9, 28, 10, 0))
    assert (alarm.kind, alarm.to_level, alarm.to_queue) == ("missed", 2, "complaints_l2")
    change = raise_alarm(case, POLICY, alarm)
    assert change is not None and change.event is CaseEvent.ESCALATE
    assert (case.level, case.queue, case.agent, case.state) == (2, "complaints_l2", None, CaseState.OPEN)
    assert alarms(case, POLICY, sh(2026, 9, 28, 10, 0)) == []  # a repeated tick raises nothing new


def test_a_lunch_break_does_not_count_towards_the_deadline() -> None:
    case = new_case(sh(2026, 9, 28, 11, 30))
    assert alarms(case, POLICY, sh(2026, 9, 28, 12, 59)) == []  # 30 business minutes so far
    assert [a.kind for a in alarms(case, POLICY, sh(2026, 9, 28, 13, 30))] == ["missed"]


def test_a_holiday_does_not_count_towards_the_deadline() -> None:
    case = new_case(sh(2026, 9, 30, 17, 50), priority="urgent")  # 15 min: 10 Wednesday, then Thu is a holiday
    assert alarms(case, POLICY, sh(2026, 10, 1, 17, 0)) == []
    assert case.response_due == sh(2026, 10, 2, 9, 5)


def test_a_taken_case_has_only_its_resolution_deadline_running() -> None:
    case = new_case()
    move(case, CaseEvent.TAKE, POLICY, sh(2026, 9, 28, 9, 5), agent="1005")
    assert alarms(case, POLICY, sh(2026, 9, 28, 11, 0)) == []
    [alarm] = alarms(case, POLICY, sh(2026, 9, 28, 18, 0))  # 8 business hours after 09:00 = 18:00
    assert (alarm.deadline, alarm.kind, alarm.to_level) == ("resolution", "missed", 2)


def test_both_deadlines_missed_at_once_climb_two_levels() -> None:
    case = new_case()
    found = alarms(case, POLICY, sh(2026, 9, 29, 9, 0))
    assert [(a.deadline, a.to_level) for a in found] == [("response", 2), ("resolution", 3)]
    for alarm in found:
        raise_alarm(case, POLICY, alarm)
    assert (case.level, case.queue) == (3, "supervisors")


def test_at_the_top_level_a_missed_deadline_is_reported_without_escalating() -> None:
    case = new_case(category="legal")
    move(case, CaseEvent.ESCALATE, POLICY, sh(2026, 9, 28, 9, 1))
    [alarm] = alarms(case, POLICY, sh(2026, 9, 28, 10, 0))
    assert (alarm.kind, alarm.to_level) == ("missed", None)
    assert raise_alarm(case, POLICY, alarm) is None and case.level == 3


def test_resolved_cases_raise_no_alarms() -> None:
    case = new_case()
    move(case, CaseEvent.RESOLVE, POLICY, sh(2026, 9, 28, 9, 10), agent="1005")
    assert alarms(case, POLICY, sh(2026, 10, 9, 9, 0)) == []


def test_a_reopened_case_gets_fresh_deadlines_and_alarms() -> None:
    case = new_case()
    for alarm in alarms(case, POLICY, sh(2026, 9, 28, 10, 0)):
        raise_alarm(case, POLICY, alarm)
    for event in (CaseEvent.TAKE, CaseEvent.RESOLVE, CaseEvent.CLOSE, CaseEvent.REOPEN):
        move(case, event, POLICY, sh(2026, 9, 28, 11, 0), agent="1005")
    assert case.alarms == set() and case.response_due == sh(2026, 9, 28, 12, 0)
    assert [a.kind for a in alarms(case, POLICY, sh(2026, 9, 28, 13, 0))] == ["missed"]


def test_time_left_counts_business_minutes_and_goes_negative_when_overdue() -> None:
    case = new_case()
    assert time_left(case, POLICY, sh(2026, 9, 28, 9, 30)) == {"response": 30.0, "resolution": 450.0}
    assert time_left(case, POLICY, sh(2026, 9, 28, 10, 15))["response"] == -15.0
