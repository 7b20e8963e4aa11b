"""`survey:` of each queue in config/acd.yaml must name a served IVR flow.

The ACD does not know the IVR's flows (the two cores are independent), so whoever knows both
(`hotline ivr validate --acd`, the engine at start and on every survey) passes the flow names
in. Each unknown name comes back as `file:line:col` at the queue's `survey:` value, with a
did-you-mean, like every other reference in the file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from acd.config import AcdConfig, _guess
from common.yamlconf import ConfigIssue, Position, load_yaml_with_marks, validate


def survey_issues(path: str | Path, flows: Collection[str]) -> list[ConfigIssue]:
    """One issue per queue whose `survey:` names no flow in `flows` (the file must already load)."""
    config = validate(path, AcdConfig)
    _, marks = load_yaml_with_marks(path)
    return [unknown_survey(f"queue {name!r}", q.survey, flows, str(path), marks, ("queues", name, "survey"))
            for name, q in config.queues.items() if q.survey is not None and q.survey not in flows]


def unknown_survey(owner: str, flow: str, flows: Collection[str], file: str, marks: Mapping,
                   at: tuple[str, ...]) -> ConfigIssue:
    """`owner` (a queue, a campaign) names survey `flow`, which is not among `flows`; `at`: the key's path."""
    node = marks.get(at)
    pos = node.value if node else Position(1, 1)
    guess = _guess(flow, sorted(flows))
    hint = f"did you mean {guess!r}?" if guess else (
        f"use one of: {', '.join(sorted(flows))}" if flows else "add the flow to config/ivr/")
    return ConfigIssue(file, pos.line, pos.col, f"{owner}: survey flow {flow!r} does not exist", hint)
