"""``config/acd.yaml``: skills, agents and queues, checked like every operator file.

Schema problems come from `common.yamlconf.validate`; the cross-references pydantic cannot see
(unknown skill or queue names, duplicate agent ids or interfaces, escalation steps out of
order) are checked here against the same line marks, each with a did-you-mean where one fits.
`load_acd` returns the router's own types so the shell never touches the schema models.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from acd.alert_config import AlertDefaults, QueueAlerts, alert_issues, rules_for
from acd.models import Agent, EscalationStep, QueueSpec
from acd.supervision import Supervisor
from acd.supervisor_config import SupervisorConfig, supervisor_issues, to_supervisors
from common.configissues import did_you_mean
from common.recording import RecordMode
from common.yamlconf import ConfigError, ConfigIssue, Marks, Position, load_yaml_with_marks, validate

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
Level = Annotated[int, Field(ge=1, le=10)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Interface = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*/[A-Za-z0-9_.@:+-]+$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Text = Annotated[str, Field(min_length=1, pattern=r"^[^\x00-\x1f\x7f]*$")]
Seconds = Annotated[float, Field(gt=0)]
FlowName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]  # an IVR flow's name (ivr.models)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(_Model):
    id: Name
    name: Text
    interface: Interface  # what Dial takes, e.g. PJSIP/1001
    skills: dict[str, Level] = {}
    languages: list[Language] = ["en"]
    node: Name | None = Field(None, description="the Asterisk node (hotline.yaml asterisk: name) his phone is on; "
                                                "default: the first node (docs/nodes.md)")


class ServiceLevelConfig(_Model):
    percent: Annotated[float, Field(gt=0, le=100)] = 80
    seconds: Seconds = 20


class AnnounceConfig(_Model):
    every_s: Seconds = 15
    position: bool = True
    ewt: bool = True


class EscalationConfig(_Model):
    after_s: Annotated[float, Field(ge=0)]
    relax_levels: Annotated[int, Field(ge=0, le=9)] = 0
    add_skills: dict[str, Level] = {}
    add_queues: list[str] = []


class QueueConfig(_Model):
    skills: dict[str, Level] = {}
    strategy: Literal["longest_idle", "best_skill", "least_occupied", "round_robin"] = "longest_idle"
    service_level: ServiceLevelConfig = ServiceLevelConfig()
    max_wait_s: Seconds = 600
    max_len: Annotated[int, Field(gt=0)] = 100
    wrapup_s: Annotated[float, Field(ge=0)] = 10
    ring_timeout_s: Seconds = 30
    announce: AnnounceConfig = AnnounceConfig()
    escalation: list[EscalationConfig] = []
    when_nobody: Literal["wait", "leave"] = "leave"
    language_routing: bool = False
    whisper: bool = Field(False, description="tell the agent the queue and the caller's tier before connecting")
    alerts: QueueAlerts | None = None  # overrides of the top-level alert defaults, kind by kind
    record: RecordMode = Field("never", description="record the bridged call: never, on_demand (the agent "
                                                    "starts it from the desk) or always (docs/recordings.md)")
    survey: FlowName | None = Field(None, description="IVR flow a caller is handed to when the agent hangs up first")


class AcdConfig(_Model):
    skills: list[Name]
    agents: list[AgentConfig] = []
    queues: dict[str, QueueConfig] = {}
    alerts: AlertDefaults = AlertDefaults()  # volume alerts for every queue (acd.alert_config)
    supervisors: list[SupervisorConfig] = []  # live monitoring scopes (acd.supervisor_config)


def load_acd(path: str | Path) -> tuple[dict[str, QueueSpec], dict[str, Agent]]:
    """Queues and agents from ``path``, or ConfigError listing every problem with its line."""
    return to_specs(load_acd_config(path))


def load_acd_config(path: str | Path) -> AcdConfig:
    """The checked file (schema and cross-references), or ConfigError listing every problem."""
    config = validate(path, AcdConfig)
    _, marks = load_yaml_with_marks(path)
    issues = reference_issues(config, str(path), marks)
    if issues:
        raise ConfigError(issues)
    return config


def load_supervisors(path: str | Path) -> dict[str, Supervisor]:
    """The ``supervisors:`` of ``path`` (checked with the rest of the file)."""
    return to_supervisors(load_acd_config(path).supervisors)


def to_specs(config: AcdConfig) -> tuple[dict[str, QueueSpec], dict[str, Agent]]:
    queues = {name: QueueSpec(
        name=name, skills=dict(q.skills), strategy=q.strategy, sl_percent=q.service_level.percent,
        sl_seconds=q.service_level.seconds, max_wait_s=q.max_wait_s, max_len=q.max_len,
        wrapup_s=q.wrapup_s, ring_timeout_s=q.ring_timeout_s, announce_every_s=q.announce.every_s,
        announce_position=q.announce.position, announce_ewt=q.announce.ewt,
        escalation=tuple(EscalationStep(s.after_s, s.relax_levels, dict(s.add_skills), tuple(s.add_queues))
                         for s in q.escalation),
        when_nobody=q.when_nobody, language_routing=q.language_routing, whisper=q.whisper,
        alerts=rules_for(config.alerts, q.alerts), record=q.record, survey=q.survey)
        for name, q in config.queues.items()}
    agents = {a.id: Agent(a.id, a.name, a.interface, dict(a.skills), tuple(a.languages), a.node or "")
              for a in config.agents}
    return queues, agents


# ---------------------------------------------------------------- cross-references


def reference_issues(config: AcdConfig, file: str = "<acd>", marks: Marks | None = None) -> list[ConfigIssue]:
    marks = marks or {}
    at = _Locator(file, marks)
    issues = _duplicate_skill_issues(config, at)
    issues += alert_issues(config.alerts, ("alerts",), file, marks)
    issues += _agent_issues(config, at)
    for name, queue in config.queues.items():
        issues += _queue_issues(config, name, queue, at)
    issues += supervisor_issues(config.supervisors, [a.id for a in config.agents], list(config.queues),
                                {a.id: a.interface for a in config.agents}, file, marks)
    return issues


class _Locator:
    def __init__(self, file: str, marks: Marks) -> None:
        self.file, self.marks = file, marks

    def issue(self, path: tuple[Any, ...], message: str, hint: str, *, key: bool = False) -> ConfigIssue:
        node = self.marks.get(path)
        pos = (node.key if key else node.value) if node else Position(1, 1)
        return ConfigIssue(self.file, pos.line, pos.col, message, hint)

    def line(self, path: tuple[Any, ...]) -> int:
        node = self.marks.get(path)
        return node.value.line if node else 1


def _duplicate_skill_issues(config: AcdConfig, at: _Locator) -> list[ConfigIssue]:
    seen: dict[str, int] = {}
    issues = []
    for i, skill in enumerate(config.skills):
        if skill in seen:
            issues.append(at.issue(("skills", i), f"skill {skill!r} is listed twice (first on line "
                                   f"{at.line(('skills', seen[skill]))})", "keep only one of them"))
        seen.setdefault(skill, i)
    return issues


def _agent_issues(config: AcdConfig, at: _Locator) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    first: dict[tuple[str, str], int] = {}
    for i, agent in enumerate(config.agents):
        for skill in agent.skills:
            if skill not in config.skills:
                issues.append(_unknown(at, ("agents", i, "skills", skill), "skill", skill, config.skills,
                                       f"agent {agent.id!r}"))
        for field, value in (("id", agent.id), ("interface", agent.interface)):
            if (field, value) in first:
                line = at.line(("agents", first[field, value], field))
                issues.append(at.issue(("agents", i, field), f"agent {field} {value!r} is used twice "
                                       f"(first on line {line})", f"give each agent its own {field}"))
            first.setdefault((field, value), i)
    return issues


def _queue_issues(config: AcdConfig, name: str, queue: QueueConfig, at: _Locator) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    base = ("queues", name)
    if not _NAME.fullmatch(name):
        issues.append(at.issue(base, f"queue name {name!r} is not a plain name",
                               "use letters, digits, '_', '.' or '-'", key=True))
    for skill in queue.skills:
        if skill not in config.skills:
            issues.append(_unknown(at, base + ("skills", skill), "skill", skill, config.skills, f"queue {name!r}"))
    issues += alert_issues(queue.alerts, base + ("alerts",), at.file, at.marks)
    previous = -1.0
    for j, step in enumerate(queue.escalation):
        where = base + ("escalation", j)
        if step.after_s <= previous:
            issues.append(at.issue(where + ("after_s",), f"escalation step {j + 1} of queue {name!r} "
                                   f"comes after {step.after_s:g}s, not later than the step before",
                                   "list the steps in increasing after_s"))
        previous = step.after_s
        for skill in step.add_skills:
            if skill not in config.skills:
                issues.append(_unknown(at, where + ("add_skills", skill), "skill", skill, config.skills,
                                       f"queue {name!r}"))
        for k, other in enumerate(step.add_queues):
            if other not in config.queues:
                issues.append(_unknown(at, where + ("add_queues", k), "queue", other, list(config.queues),
                                       f"queue {name!r}", key=False))
    return issues


def _unknown(at: _Locator, path: tuple[Any, ...], kind: str, value: str, known: list[str], owner: str,
             *, key: bool = True) -> ConfigIssue:
    guess = did_you_mean(value, known)
    hint = f"did you mean {guess!r}?" if guess else (
        f"use one of: {', '.join(known)}" if known else "declare it first")
    if kind == "skill":
        hint += " (or add it to the top-level 'skills' list)"
    return at.issue(path, f"{owner} uses unknown {kind} {value!r}", hint, key=key)
