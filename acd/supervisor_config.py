"""The ``supervisors:`` section of config/acd.yaml: who may monitor (listen / whisper / barge) whom.

    supervisors:
      - id: sup1                 # also the supervisor's web login and MQTT username
        name: Sam Supervisor
        interface: PJSIP/2001    # the supervisor's own phone: monitoring calls ring here
        queues: [billing]        # every agent meeting billing's base skills ...
        agents: ["1004"]         # ... plus these agents by id
        notify_agent: false      # true: the agent's desk is told "being monitored"

Scope rules: `acd.supervision.scope`. Cross-references pydantic cannot see (unknown agents or
queues, an id or interface used twice, a supervisor who can monitor nobody) come back as
``file:line:col`` issues with a fix, like the rest of the file.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from acd.supervision import Supervisor
from common.configissues import ConfigIssue, Marks, Position

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
Interface = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*/[A-Za-z0-9_.@:+-]+$", max_length=120)]
Text = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")]


class SupervisorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Name
    name: Text
    interface: Interface
    queues: list[Name] = []
    agents: list[Name] = []
    notify_agent: bool = False


def to_supervisors(configs: list[SupervisorConfig]) -> dict[str, Supervisor]:
    return {s.id: Supervisor(s.id, s.name, s.interface, tuple(s.queues), tuple(s.agents), s.notify_agent)
            for s in configs}


def supervisor_issues(configs: list[SupervisorConfig], agent_ids: list[str], queue_names: list[str],
                      agent_interfaces: dict[str, str], file: str, marks: Marks) -> list[ConfigIssue]:
    """Every cross-reference problem of the ``supervisors:`` list, each at its line."""
    issues: list[ConfigIssue] = []
    first: dict[tuple[str, str], int] = {}
    for i, sup in enumerate(configs):
        base = ("supervisors", i)
        for k, agent in enumerate(sup.agents):
            if agent not in agent_ids:
                issues.append(_unknown(file, marks, base + ("agents", k), "agent", agent, agent_ids, sup.id))
        for k, queue in enumerate(sup.queues):
            if queue not in queue_names:
                issues.append(_unknown(file, marks, base + ("queues", k), "queue", queue, queue_names, sup.id))
        if not sup.agents and not sup.queues:
            issues.append(_at(file, marks, base + ("id",), f"supervisor {sup.id!r} can monitor nobody",
                              "give him queues: [...] and/or agents: [...]"))
        for name, value in (("id", sup.id), ("interface", sup.interface)):
            if (name, value) in first:
                line = _line(marks, ("supervisors", first[name, value], name))
                issues.append(_at(file, marks, base + (name,), f"supervisor {name} {value!r} is used twice "
                                  f"(first on line {line})", f"give each supervisor his own {name}"))
            first.setdefault((name, value), i)
        if sup.id in agent_ids:
            issues.append(_at(file, marks, base + ("id",), f"supervisor id {sup.id!r} is also an agent's id",
                              "give the supervisor an id of his own (it is his web login and MQTT username)"))
        if sup.interface in agent_interfaces.values():
            owner = next(a for a, itf in agent_interfaces.items() if itf == sup.interface)
            issues.append(_at(file, marks, base + ("interface",), f"supervisor {sup.id!r} has agent {owner!r}'s "
                              f"phone {sup.interface!r}", "monitoring rings the supervisor's own phone: "
                              "give him a phone no agent takes calls on"))
    return issues


def _unknown(file: str, marks: Marks, path: tuple[Any, ...], kind: str, value: str, known: list[str],
             owner: str) -> ConfigIssue:
    folded = {c.lower(): c for c in known}
    # agent ids are often numbers: "1003" is as close to "1002" as to "1033", so list them instead
    match = [] if value.isdigit() else difflib.get_close_matches(value.lower(), list(folded), n=1, cutoff=0.6)
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    hint = f"did you mean {folded[match[0]]!r}?" if match else (
        f"use one of: {shown}" if known else f"declare the {kind} first")
    return _at(file, marks, path, f"supervisor {owner!r} names unknown {kind} {value!r}", hint)


def _at(file: str, marks: Marks, path: tuple[Any, ...], message: str, hint: str) -> ConfigIssue:
    node = marks.get(path)
    pos = node.value if node else Position(1, 1)
    return ConfigIssue(file, pos.line, pos.col, message, hint)


def _line(marks: Marks, path: tuple[Any, ...]) -> int:
    node = marks.get(path)
    return node.value.line if node else 1
