"""A case policy for tests: an office calendar (Mon-Fri 09:00-12:00, 13:00-18:00 Shanghai, 1 Oct a
holiday), three levels, one-hour first response and one-business-day resolution for `normal`."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from acd.cases import CasePolicy, DispositionRule, FollowUpPolicy, SlaTargets
from common.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")
WEEK = {day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def policy(calendar: BusinessCalendar | None = None, **changes) -> CasePolicy:
    base = dict(
        calendar=calendar or BusinessCalendar.of("Asia/Shanghai", WEEK, [date(2026, 10, 1)]),
        priorities={"normal": SlaTargets(60, 480), "urgent": SlaTargets(15, 120)},
        levels=("complaints", "complaints_l2", "supervisors"),
        categories={"billing": 1, "service": 1, "legal": 2},
        default_priority="normal", warn_share=0.8,
        follow_up=FollowUpPolicy("follow_up", 60, ("Was it solved?", "Score 1-5?"), 3, 5),
        dispositions={"complaint": DispositionRule("complaint", "service")})
    base.update(changes)
    return CasePolicy(**base)
