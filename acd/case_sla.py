"""Case deadlines: warn when one is near, escalate to the next level when it is missed.

Theory of operation
-------------------
A working case (open, in progress, reopened) has two deadlines, armed by `acd.cases.arm` in
business minutes: the first response (running until someone takes or resolves the case) and the
resolution. `alarms(case, policy, now)` is a pure function of the case and the time: for each
running deadline it returns at most one `SlaAlarm` that has not been raised before, `near` once
``warn_share`` of the deadline has passed, `missed` once it has. A missed deadline escalates the
case one level (its queue changes, the agent lets go) unless it is at the top level already,
where the alarm is raised for the supervisor and the case stays. `raise_alarm` applies one alarm
to the case (remembering it, so a tick repeated at the same instant raises nothing new) and
returns the state change an escalation made. The engine's periodic tick calls both with its
clock; tests hand in any instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from acd.case_state import CaseChange, CaseEvent, CaseState
from acd.cases import Case, CasePolicy, move


@dataclass(frozen=True)
class SlaAlarm:
    case_id: str
    deadline: str              # "response" | "resolution"
    kind: str                  # "near" | "missed"
    due_at: datetime
    at: datetime
    to_level: int | None = None  # set when a missed deadline escalates the case
    to_queue: str | None = None

    @property
    def key(self) -> str:
        return f"{self.deadline}:{self.kind}"


def running(case: Case) -> list[tuple[str, datetime | None, datetime | None]]:
    """(deadline, warn_at, due_at) of the deadlines still running for this case."""
    if case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS, CaseState.REOPENED):
        return []
    result = [("resolution", case.resolution_warn_at, case.resolution_due)]
    if case.first_response_at is None:
        result.insert(0, ("response", case.response_warn_at, case.response_due))
    return result


def alarms(case: Case, policy: CasePolicy, now: datetime) -> list[SlaAlarm]:
    """The alarms due at `now` that this case has not raised yet (at most one per deadline)."""
    found = []
    level = case.level
    for deadline, warn_at, due_at in running(case):
        if due_at is None or warn_at is None:
            continue
        if now >= due_at and f"{deadline}:missed" not in case.alarms:
            up = level + 1 if level < len(policy.levels) else None
            level = up or level
            found.append(SlaAlarm(case.id, deadline, "missed", due_at, now, up,
                                  policy.queue_of(up) if up else None))
        elif warn_at <= now < due_at and f"{deadline}:near" not in case.alarms:
            found.append(SlaAlarm(case.id, deadline, "near", due_at, now))
    return found


def raise_alarm(case: Case, policy: CasePolicy, alarm: SlaAlarm) -> CaseChange | None:
    """Remember `alarm` on the case; escalate when it says so. A missed deadline implies its warning."""
    case.alarms |= {alarm.key, f"{alarm.deadline}:near"}
    if alarm.to_level is None:
        return None
    return move(case, CaseEvent.ESCALATE, policy, alarm.at, level=alarm.to_level)


def time_left(case: Case, policy: CasePolicy, now: datetime) -> dict[str, float]:
    """Business minutes left (negative when overdue) per running deadline, for the escalation view."""
    left = {}
    for deadline, _, due_at in running(case):
        if due_at is not None:
            left[deadline] = (policy.calendar.between(now, due_at) if due_at > now
                              else -policy.calendar.between(due_at, now))
    return left
