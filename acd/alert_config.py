"""The ``alerts:`` sections of config/acd.yaml: defaults for every queue, and per-queue overrides.

A queue's own ``alerts:`` replaces the default rule of each kind it names, whole (no field
merge: what the queue says is what applies); ``enabled: false`` switches a kind off for that
queue. Without a top-level ``alerts:`` the built-in defaults below apply (the sample centre's,
reasoned in docs/alerts.md). Cross-checks pydantic cannot express (the clear level on the safe
side of the raise level, a service-level window the ACD keeps) come back as file:line:col issues.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from acd.alerts import LOW_IS_BAD, AlertKind, Rule
from common.configissues import ConfigIssue, Marks, Position

MAX_WINDOW_MIN = 60  # the ACD keeps the last hour of outcomes (acd.stats)
NonNegative = Annotated[float, Field(ge=0)]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    raise_at: NonNegative = Field(alias="raise")
    clear_at: NonNegative = Field(alias="clear")
    raise_after_s: NonNegative = 0
    clear_after_s: NonNegative = 30
    severity: Literal["warning", "critical"] = "warning"
    enabled: bool = True


class CountRule(_Rule):
    """waiting_calls, longest_wait_s, ready_agents."""


class ServiceLevelRule(_Rule):
    raise_at: Annotated[float, Field(ge=0, le=100)] = Field(alias="raise")
    clear_at: Annotated[float, Field(ge=0, le=100)] = Field(alias="clear")
    window_min: Annotated[int, Field(ge=1)] = 15
    min_calls: Annotated[int, Field(ge=1)] = 10


class QueueAlerts(BaseModel):
    """A queue's overrides: each kind named replaces the default of that kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    waiting_calls: CountRule | None = None
    longest_wait_s: CountRule | None = None
    service_level: ServiceLevelRule | None = None
    ready_agents: CountRule | None = None


class AlertDefaults(QueueAlerts):
    """Defaults for every queue (docs/alerts.md explains each number)."""

    waiting_calls: CountRule | None = CountRule(raise_at=5, clear_at=2)
    longest_wait_s: CountRule | None = CountRule(raise_at=90, clear_at=40)
    service_level: ServiceLevelRule | None = ServiceLevelRule(raise_at=70, clear_at=78, clear_after_s=60)
    ready_agents: CountRule | None = CountRule(raise_at=0, clear_at=1, raise_after_s=60)


def rules_for(defaults: AlertDefaults, queue: QueueAlerts | None) -> tuple[Rule, ...]:
    """The rules that apply to one queue, in kind order; disabled kinds left out."""
    out = []
    for kind in AlertKind:
        rule = getattr(queue, kind.value, None) if queue is not None else None
        rule = rule if rule is not None else getattr(defaults, kind.value)
        if rule is None or not rule.enabled:
            continue
        extra = {"window_min": rule.window_min, "min_calls": rule.min_calls} \
            if isinstance(rule, ServiceLevelRule) else {}
        out.append(Rule(kind, rule.raise_at, rule.clear_at, rule.raise_after_s, rule.clear_after_s,
                        rule.severity, **extra))
    return tuple(out)


def alert_issues(alerts: QueueAlerts | None, base: tuple[Any, ...], file: str, marks: Marks) -> list[ConfigIssue]:
    """Levels on the wrong side of each other, or a window the ACD does not keep."""
    issues: list[ConfigIssue] = []
    for kind in AlertKind:
        rule = getattr(alerts, kind.value, None) if alerts is not None else None
        if rule is None:
            continue
        where = base + (kind.value,)
        low = kind in LOW_IS_BAD
        if (rule.clear_at <= rule.raise_at) if low else (rule.clear_at >= rule.raise_at):
            side = "above" if low else "below"
            issues.append(_issue(file, marks, where + ("clear",),
                                 f"{kind.value}: clear level {rule.clear_at:g} is not {side} the raise level "
                                 f"{rule.raise_at:g}, so the alert would flap",
                                 f"set clear {side} {rule.raise_at:g} (e.g. {_example(rule.raise_at, low)})"))
        if isinstance(rule, ServiceLevelRule) and rule.window_min > MAX_WINDOW_MIN:
            issues.append(_issue(file, marks, where + ("window_min",),
                                 f"service_level window of {rule.window_min} min is longer than the "
                                 f"{MAX_WINDOW_MIN} min the ACD keeps", f"use at most {MAX_WINDOW_MIN}"))
    return issues


def _example(raise_at: float, low: bool) -> str:
    return f"{raise_at + 1:g}" if low else f"{max(0.0, raise_at - 1):g}" if raise_at >= 1 else "0 with raise 1"


def _issue(file: str, marks: Marks, path: tuple[Any, ...], message: str, hint: str) -> ConfigIssue:
    node = marks.get(path)
    pos = node.value if node else Position(1, 1)
    return ConfigIssue(file, pos.line, pos.col, message, hint)
