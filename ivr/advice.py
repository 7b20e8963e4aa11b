"""Warnings for flow authors: valid flows that treat callers in a way the centre should choose knowingly.

Unlike the loader's errors these do not stop a flow from loading or reloading. Today one rule:
a menu or collect whose fallback (the caller pressed keys, just not ones the node accepts) leads,
through prompts only, to a hang-up. The training material's rule is that a caller the machine
cannot help is handed to a person; a flow may still hang up, but its author should know.
"""

from __future__ import annotations

from pathlib import Path

from common.yamlconf import ConfigIssue, load_yaml_with_marks
from ivr.loader import Marks, where
from ivr.models import CollectNode, Flow, HangupNode, LanguageNode, MenuNode, PlayNode, SayNode, SetNode

_PASS_THROUGH = (PlayNode, SayNode, SetNode, LanguageNode)


def flow_warnings(flow: Flow, file: str = "<flow>", marks: Marks | None = None) -> list[ConfigIssue]:
    """One warning per menu/collect whose fallback hangs up on a caller who pressed keys."""
    warnings = []
    for name, node in flow.nodes.items():
        if not isinstance(node, (MenuNode, CollectNode)):
            continue
        return_path = _hangs_up(flow, node.fallback)
        if return_path:
            pos = where(marks or {}, "nodes", name, "fallback")
            warnings.append(ConfigIssue(
                file, pos.line, pos.col,
                f"warning: {node.type} {name!r} hangs up on a caller who pressed keys it does not accept "
                f"(fallback -> {' -> '.join(return_path)})",
                "send the fallback to a queue node so a person takes over, or keep it knowingly"))
    return warnings


def file_warnings(path: str | Path, flow: Flow) -> list[ConfigIssue]:
    """`flow_warnings` with positions from the flow's file."""
    return flow_warnings(flow, str(path), load_yaml_with_marks(path)[1])


def _hangs_up(flow: Flow, name: str) -> list[str]:
    """The nodes from `name` to a hang-up through prompts and variables only; [] if it goes elsewhere."""
    trail: list[str] = []
    while name in flow.nodes and name not in trail:
        trail.append(name)
        node = flow.nodes[name]
        if isinstance(node, HangupNode):
            return trail
        if not isinstance(node, _PASS_THROUGH):
            return []
        name = node.next
    return []
