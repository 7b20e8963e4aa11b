"""``config/cases.yaml``: the business calendar, levels, categories, SLAs per priority, escalation,
the dispositions that open a case and the follow-up call (回访), checked like every operator file.

Schema problems come from `common.yamlconf.validate`; the references pydantic cannot see (a
category's level beyond the last level, an unknown priority or category, a level's queue the ACD
does not have) are checked against the same line marks, each as ``file:line:col: what; fix``.
`load_cases` returns the core's own `CasePolicy`, so the service never touches the schema.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from acd.cases import CasePolicy, DispositionRule, FollowUpPolicy, SlaTargets
from common.calendar import BusinessCalendar, check_ranges, check_zone
from common.yamlconf import ConfigError, ConfigIssue, Marks, load_yaml_with_marks, validate

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Minutes = Annotated[float, Field(gt=0)]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Weekday = Annotated[str, Field(pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarConfig(_Model):
    timezone: str = Field(description="IANA name, e.g. Asia/Shanghai")
    weekly: dict[Weekday, list[str]] = Field(description="opening ranges per weekday, like the IVR's hours node")
    holidays: list[date] = []

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        return check_zone(name)

    @field_validator("weekly")
    @classmethod
    def _ranges(cls, weekly: dict[str, list[str]]) -> dict[str, list[str]]:
        check_ranges(weekly)
        return weekly


class LevelConfig(_Model):
    name: Text
    queue: Name


class PriorityConfig(_Model):
    first_response_min: Minutes
    resolution_min: Minutes


class CategoryConfig(_Model):
    level: Annotated[int, Field(ge=1, le=9)] = 1


class DispositionConfig(_Model):
    type: Name = "complaint"
    category: Name
    priority: Name | None = None


class EscalationConfig(_Model):
    warn_share: Annotated[float, Field(gt=0, lt=1)] = 0.8


class FollowUpConfig(_Model):
    campaign: Name
    delay_min: Annotated[float, Field(ge=0)] = 1440
    questions: list[Text] = []
    scale_max: Annotated[int, Field(ge=2, le=10)] = 5
    dissatisfied_below: Annotated[int, Field(ge=1, le=10)] = 3


class CasesConfig(_Model):
    calendar: CalendarConfig
    levels: Annotated[list[LevelConfig], Field(min_length=1)]
    priorities: Annotated[dict[Name, PriorityConfig], Field(min_length=1)]
    default_priority: Name
    categories: Annotated[dict[Name, CategoryConfig], Field(min_length=1)]
    escalation: EscalationConfig = EscalationConfig()
    dispositions: dict[Name, DispositionConfig] = {}
    follow_up: FollowUpConfig | None = None


def load_cases(path: str | Path, queues: Collection[str] | None = None) -> CasePolicy:
    """The policy in ``path``, or ConfigError listing every problem with its line. With ``queues``
    (the ACD's queue names), each level's queue must be one of them."""
    config = validate(path, CasesConfig)
    _, marks = load_yaml_with_marks(path)
    issues = reference_issues(config, str(path), marks, queues)
    if issues:
        raise ConfigError(issues)
    return to_policy(config)


def to_policy(config: CasesConfig) -> CasePolicy:
    c = config.calendar
    follow = config.follow_up
    return CasePolicy(
        calendar=BusinessCalendar.of(c.timezone, c.weekly, c.holidays),
        priorities={name: SlaTargets(p.first_response_min, p.resolution_min) for name, p in config.priorities.items()},
        levels=tuple(level.queue for level in config.levels),
        categories={name: cat.level for name, cat in config.categories.items()},
        default_priority=config.default_priority, warn_share=config.escalation.warn_share,
        follow_up=FollowUpPolicy(follow.campaign, follow.delay_min, tuple(follow.questions),
                                 follow.dissatisfied_below, follow.scale_max) if follow else None,
        dispositions={code: DispositionRule(d.type, d.category, d.priority) for code, d in config.dispositions.items()})


def reference_issues(config: CasesConfig, file: str, marks: Marks,
                     queues: Collection[str] | None = None) -> list[ConfigIssue]:
    at = _Locator(file, marks)
    issues = []
    if config.default_priority not in config.priorities:
        issues.append(at.unknown(("default_priority",), "priority", config.default_priority, config.priorities))
    for name, category in config.categories.items():
        if category.level > len(config.levels):
            issues.append(at.issue(("categories", name, "level"), f"category {name!r} starts at level "
                                   f"{category.level} but only {len(config.levels)} levels are defined",
                                   f"use a level from 1 to {len(config.levels)} or add levels"))
    for code, rule in config.dispositions.items():
        if rule.category not in config.categories:
            issues.append(at.unknown(("dispositions", code, "category"), "category", rule.category, config.categories))
        if rule.priority is not None and rule.priority not in config.priorities:
            issues.append(at.unknown(("dispositions", code, "priority"), "priority", rule.priority, config.priorities))
    for i, level in enumerate(config.levels):
        if queues is not None and level.queue not in queues:
            issues.append(at.unknown(("levels", i, "queue"), "queue", level.queue, queues, where="config/acd.yaml"))
    follow = config.follow_up
    if follow and follow.dissatisfied_below > follow.scale_max:
        issues.append(at.issue(("follow_up", "dissatisfied_below"), f"dissatisfied_below {follow.dissatisfied_below}"
                               f" is above the scale's top ({follow.scale_max}): every answer would reopen",
                               f"use a score from 1 to {follow.scale_max}"))
    return issues


class _Locator:
    def __init__(self, file: str, marks: Marks) -> None:
        self.file, self.marks = file, marks

    def issue(self, path: tuple[Any, ...], message: str, hint: str) -> ConfigIssue:
        node = self.marks.get(path)
        line, col = (node.value.line, node.value.col) if node else (1, 1)
        return ConfigIssue(self.file, line, col, message, hint)

    def unknown(self, path: tuple[Any, ...], kind: str, value: str, known: Collection[str],
                where: str = "") -> ConfigIssue:
        guess = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
        hint = f"did you mean {guess[0]!r}?" if guess else f"use one of: {', '.join(sorted(known))}"
        return self.issue(path, f"unknown {kind} {value!r}" + (f" (not in {where})" if where else ""), hint)
