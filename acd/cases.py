"""Cases (complaints and other issues a customer raises) handed to queues by level: the pure model.

Theory of operation
-------------------
A `Case` is registered with a type, category, priority and customer. Its category says at which
level it starts; each level is a queue (`CasePolicy.levels`), so the case's owner is that queue
until an agent takes it (or a supervisor assigns it). Its priority gives two SLA targets in
business minutes on the centre's calendar (`common.calendar`): the first response and the
resolution. `move` is the only way a case changes: it checks the move against
`acd.case_state.TRANSITIONS`, then applies what the move means (who owns it, when it was first
answered, resolved, closed) and re-arms the deadlines of a reopened case. Deadline alarms and
escalation are `acd.case_sla`. Time is handed in: every function takes ``now`` (aware).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from acd.case_state import WORKING, CaseChange, CaseEvent, CaseState, step
from acd.errors import AcdError
from common.calendar import BusinessCalendar

E = CaseEvent


@dataclass(frozen=True)
class SlaTargets:
    """Business minutes allowed, counted from (re)opening."""

    first_response_min: float
    resolution_min: float


@dataclass(frozen=True)
class FollowUpPolicy:
    """The 回访: which campaign calls, how long after closing, what is asked, what reopens."""

    campaign: str
    delay_min: float
    questions: tuple[str, ...] = ()
    dissatisfied_below: int = 3  # a score under this (e.g. 1-2 of 5) reopens the case
    scale_max: int = 5


@dataclass(frozen=True)
class DispositionRule:
    """A call disposition (e.g. `complaint`) that opens a case of this type and category."""

    kind: str
    category: str
    priority: str | None = None


@dataclass(frozen=True)
class CasePolicy:
    """Everything `config/cases.yaml` decides (see acd.case_config)."""

    calendar: BusinessCalendar
    priorities: Mapping[str, SlaTargets]
    levels: tuple[str, ...]                      # level 1, 2, ... -> its queue
    categories: Mapping[str, int]                # category -> starting level (1-based)
    default_priority: str
    warn_share: float = 0.8                      # warn when this share of a deadline has passed
    follow_up: FollowUpPolicy | None = None
    dispositions: Mapping[str, DispositionRule] = field(default_factory=dict)

    def queue_of(self, level: int) -> str:
        return self.levels[level - 1]


class CaseRefused(AcdError):
    """A case cannot be opened or changed as asked (unknown category, level out of range...)."""

    error_id = "case_refused"


@dataclass
class Case:
    """One case. ``level`` is 1-based; ``queue`` owns it unless ``agent`` does."""

    id: str
    kind: str
    category: str
    priority: str
    customer: str
    opened_at: datetime
    customer_name: str = ""
    description: str = ""
    opened_by: str = ""
    state: CaseState = CaseState.OPEN
    level: int = 1
    queue: str = ""
    agent: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    response_due: datetime | None = None
    resolution_due: datetime | None = None
    response_warn_at: datetime | None = None
    resolution_warn_at: datetime | None = None
    alarms: set[str] = field(default_factory=set)  # "response:near", "resolution:missed", ...
    reopened: int = 0
    score: int | None = None
    calls: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Still being worked (the customer has an open case: screen pop, IVR routing)."""
        return self.state in WORKING

    @property
    def owner(self) -> str:
        return f"agent:{self.agent}" if self.agent else f"queue:{self.queue}"


def open_case(case_id: str, policy: CasePolicy, now: datetime, *, kind: str, category: str, customer: str,
              priority: str | None = None, **details: str) -> Case:
    """A new OPEN case at its category's level, with its deadlines armed; CaseRefused if unknown."""
    if category not in policy.categories:
        raise CaseRefused(f"unknown category {category!r}; use one of: {', '.join(policy.categories)}")
    priority = priority or policy.default_priority
    if priority not in policy.priorities:
        raise CaseRefused(f"unknown priority {priority!r}; use one of: {', '.join(policy.priorities)}")
    level = policy.categories[category]
    case = Case(case_id, kind, category, priority, customer, now, level=level, queue=policy.queue_of(level),
                **details)
    arm(case, policy, now)
    return case


def arm(case: Case, policy: CasePolicy, now: datetime) -> None:
    """Both deadlines counted from `now` in business minutes; earlier alarms forgotten."""
    target = policy.priorities[case.priority]
    cal, share = policy.calendar, policy.warn_share
    case.response_due = cal.add(now, target.first_response_min)
    case.resolution_due = cal.add(now, target.resolution_min)
    case.response_warn_at = cal.add(now, target.first_response_min * share)
    case.resolution_warn_at = cal.add(now, target.resolution_min * share)
    case.alarms = set()


def move(case: Case, event: CaseEvent, policy: CasePolicy, now: datetime, *, agent: str | None = None,
         level: int | None = None) -> CaseChange:
    """Apply ``event`` (checked against the table) and what it means for owner, times and deadlines."""
    if level is not None and not 1 <= level <= len(policy.levels):
        raise CaseRefused(f"level {level} does not exist; levels run from 1 to {len(policy.levels)}")
    change = step(case.id, case.state, event, now)
    case.state = change.to_state
    _EFFECTS[event](case, policy, now, agent, level)
    return change


def _take(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    if not agent:
        raise CaseRefused("taking a case needs the agent who takes it")
    case.agent = agent
    case.first_response_at = case.first_response_at or now


def _assign(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    if level is not None:
        case.level, case.queue = level, policy.queue_of(level)
    case.agent = agent


def _escalate(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    case.level = level or min(case.level + 1, len(policy.levels))
    case.queue, case.agent = policy.queue_of(case.level), None


def _resolve(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    case.resolved_at = now
    case.first_response_at = case.first_response_at or now
    case.agent = agent or case.agent


def _close(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    case.closed_at = now


def _confirm(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    pass


def _reopen(case: Case, policy: CasePolicy, now: datetime, agent: str | None, level: int | None) -> None:
    case.reopened += 1
    case.resolved_at = case.closed_at = case.first_response_at = None
    arm(case, policy, now)


_EFFECTS = {E.TAKE: _take, E.ASSIGN: _assign, E.ESCALATE: _escalate, E.RESOLVE: _resolve, E.CLOSE: _close,
            E.CONFIRM: _confirm, E.REOPEN: _reopen}


def is_dissatisfied(policy: CasePolicy, score: int) -> bool:
    """The follow-up's verdict: a score under the configured bar reopens the case."""
    bar = policy.follow_up.dissatisfied_below if policy.follow_up else 3
    return score < bar
