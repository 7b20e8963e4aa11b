"""`survey:` of each queue in config/acd.yaml must name a served IVR flow.

The ACD does not know the IVR's flows (the two cores are independent), so whoever knows both
(`hotline ivr validate --acd`, the engine at start) passes the flow names in. Each unknown name
comes back as `file:line:col` at the queue's `survey:` value, with a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from acd.config import AcdConfig
from common.flowrefs import unknown_flow
from common.yamlconf import ConfigIssue, load_yaml_with_marks, validate


def survey_issues(path: str | Path, flows: Collection[str]) -> list[ConfigIssue]:
    """One issue per queue whose `survey:` names no flow in `flows` (ConfigError if the file is broken)."""
    config = validate(path, AcdConfig)
    _, marks = load_yaml_with_marks(path)
    return [unknown_flow(f"queue {name!r}", "survey", q.survey, flows, str(path), marks, ("queues", name, "survey"))
            for name, q in config.queues.items() if q.survey is not None and q.survey not in flows]
