"""A config key naming an IVR flow (a queue's or a campaign's `survey:`) that no flow answers to.

The cores that hold such keys (acd/, dialer/) do not know the IVR's flows; whoever knows both
passes the names in. The issue points at the key's value with a did-you-mean, like every other
reference check of the operator's YAML.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from common.yamlconf import ConfigIssue, Position


def unknown_flow(owner: str, key: str, flow: str, flows: Collection[str], file: str,
                 marks: Mapping[tuple[Any, ...], Any], at: tuple[Any, ...]) -> ConfigIssue:
    """`owner` (e.g. "queue 'billing'") names flow `flow` in `key`, which is not among `flows`."""
    node = marks.get(at)
    pos = node.value if node else Position(1, 1)
    found = difflib.get_close_matches(flow, sorted(flows), n=1, cutoff=0.6)
    hint = f"did you mean {found[0]!r}?" if found else (
        f"use one of: {', '.join(sorted(flows))}" if flows else "add the flow to config/ivr/")
    return ConfigIssue(file, pos.line, pos.col, f"{owner}: {key} flow {flow!r} does not exist", hint)
