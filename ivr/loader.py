"""Load and check IVR flows: schema first, then the graph (references, reachability, prompts).

Every problem comes back as `file:line:col: what; fix`, all at once, through `ConfigError`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from cti.yamlconf import ConfigError, ConfigIssue, NodeMarks, Position, load_yaml_with_marks, validate
from ivr.models import Flow, HangupNode, MenuNode, PlayNode


def load_flow(path: str | Path, sounds_dir: Path | None = None) -> Flow:
    """Validated flow from one YAML file, or ConfigError with every issue found."""
    flow = validate(path, Flow)
    _, marks = load_yaml_with_marks(path)
    issues = _graph_issues(str(path), flow, marks)
    if sounds_dir is not None:
        issues += _prompt_issues(str(path), flow, marks, sounds_dir)
    if issues:
        raise ConfigError(issues)
    return flow


def load_flows(directory: Path, sounds_dir: Path | None = None) -> tuple[dict[str, Flow], list[ConfigIssue]]:
    """Every flow in a directory; a broken file is reported and skipped, the others still load."""
    flows: dict[str, Flow] = {}
    issues: list[ConfigIssue] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            flow = load_flow(path, sounds_dir)
        except ConfigError as exc:
            issues += exc.issues
            continue
        if flow.name in flows:
            issues.append(ConfigIssue(str(path), 1, 1, f"flow name {flow.name!r} is used twice",
                                      "give each flow file its own name"))
        flows[flow.name] = flow
    return flows, issues


def _where(marks: dict[tuple[Any, ...], NodeMarks], *path: Any) -> Position:
    while path and path not in marks:
        path = path[:-1]
    return marks[path].value if path in marks else Position(1, 1)


def _ref_issue(file: str, pos: Position, name: str, known: list[str], what: str) -> ConfigIssue:
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {guess[0]!r}?" if guess else f"use one of: {', '.join(sorted(known))}"
    return ConfigIssue(file, pos.line, pos.col, f"{what} {name!r} does not exist", hint)


def _references(flow: Flow) -> list[tuple[tuple[Any, ...], str]]:
    refs: list[tuple[tuple[Any, ...], str]] = [(("entry",), flow.entry)]
    for name, node in flow.nodes.items():
        if isinstance(node, PlayNode):
            refs.append((("nodes", name, "next"), node.next))
        elif isinstance(node, MenuNode):
            refs += [(("nodes", name, "choices", key), target) for key, target in node.choices.items()]
            refs.append((("nodes", name, "fallback"), node.fallback))
            if node.on_silence:
                refs.append((("nodes", name, "on_silence"), node.on_silence))
    return refs


def _graph_issues(file: str, flow: Flow, marks) -> list[ConfigIssue]:
    known = list(flow.nodes)
    issues = [_ref_issue(file, _where(marks, *path), target, known, "node")
              for path, target in _references(flow) if target not in flow.nodes]
    if issues:
        return issues
    reachable = _reachable(flow)
    for name in flow.nodes:
        if name not in reachable:
            issues.append(ConfigIssue(file, *_pos(marks, "nodes", name), f"node {name!r} can never be reached",
                                      "point a next/choice/fallback at it, or delete it"))
    for name in _silent_loops(flow):
        issues.append(ConfigIssue(file, *_pos(marks, "nodes", name),
                                  f"node {name!r} is on a loop that never waits for the caller",
                                  "break the loop with a menu, or end it with a hangup node"))
    return issues


def _pos(marks, *path) -> tuple[int, int]:
    key = marks.get(tuple(path))
    pos = key.key if key else Position(1, 1)
    return pos.line, pos.col


def _reachable(flow: Flow) -> set[str]:
    seen, todo = set(), [flow.entry]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += flow.targets(name)
    return seen


def _silent_loops(flow: Flow) -> list[str]:
    """Play nodes chained in a cycle with no menu in between spin forever without input."""
    bad: list[str] = []
    for start, node in flow.nodes.items():
        seen, name = set(), start
        while isinstance(flow.nodes.get(name), PlayNode) and name not in seen:
            seen.add(name)
            name = flow.nodes[name].next  # type: ignore[union-attr]
        if name == start and isinstance(node, PlayNode):
            bad.append(start)
    return bad


def _prompt_issues(file: str, flow: Flow, marks, sounds_dir: Path) -> list[ConfigIssue]:
    issues = []
    for name, node in flow.nodes.items():
        if isinstance(node, HangupNode):
            continue
        prompts = node.prompts if isinstance(node, PlayNode) else [node.prompt, *node.no_input, *node.no_match]
        for prompt in prompts:
            if not any((sounds_dir / flow.language / f"{prompt}.{ext}").exists() for ext in ("wav", "gsm", "sln")):
                issues.append(ConfigIssue(file, *_pos(marks, "nodes", name),
                                          f"prompt {prompt!r} of node {name!r} has no recording in "
                                          f"{sounds_dir / flow.language}",
                                          "add its text to sounds/prompts.yaml and run scripts/make_sounds.py"))
    return issues
