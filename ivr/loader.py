"""Load and check IVR flows: schema first, then the graph (references, reachability, loops, prompts).

Every problem comes back as `file:line:col: what; fix`, all at once, through `ConfigError`.
`graph_issues` also works on a `Flow` built in code (tests, tools), with positions 1:1.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from common.yamlconf import ConfigError, ConfigIssue, NodeMarks, Position, load_yaml_with_marks, validate
from ivr.flowgraph import cycles, reachable
from ivr.models import CollectNode, Flow, GotoNode, MenuNode, Node, QueueNode, RateNode

# Every `type:` the schema knows, read from the models so a new node kind needs no edit here.
NODE_TYPES = tuple(typing.get_args(kind.model_fields["type"].annotation)[0]
                   for kind in typing.get_args(typing.get_args(Node)[0]))
Marks = dict[tuple[Any, ...], NodeMarks]


def load_flow(path: str | Path, sounds_dir: Path | None = None, queues: Collection[str] | None = None) -> Flow:
    """Validated flow from one YAML file, or ConfigError with every issue found.

    With `queues` (the ACD's queue names), a queue node naming another queue is an error too.
    """
    try:
        flow = validate(path, Flow)
    except ConfigError as exc:
        raise ConfigError(_clearer_type_issues(str(path), exc.issues)) from None
    _, marks = load_yaml_with_marks(path)
    issues = graph_issues(flow, str(path), marks)
    if sounds_dir is not None:
        issues += _prompt_issues(str(path), flow, marks, sounds_dir)
    if queues is not None:
        issues += queue_issues(flow, sorted(queues), str(path), marks)
    if issues:
        raise ConfigError(issues)
    return flow


def queue_issues(flow: Flow, queues: list[str], file: str = "<flow>", marks: Marks | None = None) -> list[ConfigIssue]:
    """Queue nodes must name a queue of the ACD configuration (config/acd.yaml)."""
    marks = marks or {}
    return [_ref_issue(file, where(marks, "nodes", name, "queue"), node.queue, queues, "ACD queue")
            for name, node in flow.nodes.items() if isinstance(node, QueueNode) and node.queue not in queues]


def load_flows(directory: Path, sounds_dir: Path | None = None) -> tuple[dict[str, Flow], list[ConfigIssue]]:
    """Every flow in a directory; a broken file is reported and skipped, the others still load."""
    flows: dict[str, Flow] = {}
    files: dict[str, str] = {}
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
        files[flow.name] = str(path)
    return flows, issues + flow_reference_issues(flows, files)


def find_flow(spec: str, flows_dir: Path) -> Flow:
    """A flow by file path, or by its name among the flows in `flows_dir` (tools' FLOW argument)."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return load_flow(path)
    flows, issues = load_flows(flows_dir)
    if spec in flows:
        return flows[spec]
    guess = _guess(spec, list(flows))
    hint = f"did you mean {guess!r}?" if guess else f"use one of: {', '.join(sorted(flows)) or '(none)'}"
    raise ConfigError([ConfigIssue(str(flows_dir), 1, 1, f"no flow named {spec!r}", hint), *issues])


# ---------------------------------------------------------------- schema: clearer node types


def _clearer_type_issues(file: str, issues: list[ConfigIssue]) -> list[ConfigIssue]:
    """Replace pydantic's union-tag wording with 'unknown type' at the type value, plus a guess."""
    try:
        data, marks = load_yaml_with_marks(file)
    except ConfigError:
        return issues
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, dict):
        return issues
    for name, node in nodes.items():
        at = marks.get(("nodes", name))
        if at is None or not isinstance(node, dict) or node.get("type") in NODE_TYPES:
            continue
        issues = [i for i in issues if not ((i.line, i.col) == at.key and " tag" in i.message)]
        issues.append(_type_issue(file, marks, name, node))
    return issues


def _type_issue(file: str, marks: Marks, name: str, node: dict[str, Any]) -> ConfigIssue:
    if "type" not in node:
        pos = marks[("nodes", name)].key
        return ConfigIssue(file, pos.line, pos.col, f"node {name!r} has no type",
                           f"add 'type: <kind>' with one of: {', '.join(NODE_TYPES)}")
    pos = where(marks, "nodes", name, "type")
    guess = _guess(str(node["type"]), list(NODE_TYPES))
    hint = f"did you mean {guess!r}?" if guess else f"use one of: {', '.join(NODE_TYPES)}"
    return ConfigIssue(file, pos.line, pos.col, f"node {name!r} has unknown type {node['type']!r}", hint)


# ---------------------------------------------------------------- graph


def graph_issues(flow: Flow, file: str = "<flow>", marks: Marks | None = None) -> list[ConfigIssue]:
    """Broken references, unreachable nodes, loops without caller input, loops a silent caller never leaves.

    A misspelt reference is followed to its did-you-mean guess, so the nodes it was meant to reach
    are not also reported as unreachable and the other checks still run.
    """
    marks = marks or {}
    known = list(flow.nodes)
    issues: list[ConfigIssue] = []
    fixes: dict[str, str] = {}
    for path, target in _references(flow):
        if target not in flow.nodes:
            issues.append(_ref_issue(file, where(marks, *path), target, known, "node"))
            fixes[target] = _guess(target, known) or target

    def resolve(names: list[str]) -> list[str]:
        return [name for name in (fixes.get(n, n) for n in names) if name in flow.nodes]

    entry = next(iter(resolve([flow.entry])), None)
    if entry is not None:
        seen = reachable(entry, lambda n: resolve(flow.targets(n)))
        issues += [_at_node(file, marks, name, f"node {name!r} can never be reached",
                            "point a next/choice/fallback at it, or delete it")
                   for name in flow.nodes if name not in seen]
    for cycle in cycles(list(flow.nodes), lambda n: resolve(flow.nodes[n].no_input_exits())):
        issues += [_at_node(file, marks, name, f"node {name!r} is on a loop that never waits for the caller",
                            "break the loop with a menu or collect, or end it with a hangup node")
                   for name in cycle]
    for cycle in cycles(list(flow.nodes), lambda n: resolve(flow.nodes[n].silent_exits())):
        issues += _silent_loop_issues(file, flow, marks, cycle)
    return issues + _question_issues(flow, file, marks, resolve)


def _question_issues(flow: Flow, file: str, marks: Marks,
                     resolve: Callable[[list[str]], list[str]]) -> list[ConfigIssue]:
    """Survey questions (rate nodes): each id once per flow, and each put at most once per call."""
    issues: list[ConfigIssue] = []
    seen: dict[str, str] = {}
    for name, node in flow.nodes.items():
        if not isinstance(node, RateNode):
            continue
        question = node.question_id(name)
        if question in seen:
            pos = where(marks, "nodes", name, "question" if node.question else "type")
            issues.append(ConfigIssue(file, pos.line, pos.col,
                                      f"survey question {question!r} is asked by nodes {seen[question]!r} and {name!r}",
                                      "give each rate node its own 'question' id (it is the answer's key)"))
        seen.setdefault(question, name)
        after = resolve(flow.targets(name))
        if any(name in reachable(start, lambda n: resolve(flow.targets(n))) for start in after):
            issues.append(_at_node(file, marks, name, f"rate node {name!r} can be reached again from itself",
                                   "put each survey question once per call: lead its next onwards, not back"))
    return issues


def flow_reference_issues(flows: dict[str, Flow], files: dict[str, str] | None = None) -> list[ConfigIssue]:
    """`goto` nodes naming a flow (or a node in it) that is not among `flows` (files: flow name -> path)."""
    issues = []
    for flow in flows.values():
        gotos = {name: node for name, node in flow.nodes.items() if isinstance(node, GotoNode) and node.flow}
        file = (files or {}).get(flow.name, f"<flow {flow.name}>")
        marks = load_yaml_with_marks(file)[1] if gotos and files and flow.name in files else {}
        for name, node in gotos.items():
            assert node.flow is not None
            other = flows.get(node.flow)
            if other is None:
                issues.append(_ref_issue(file, where(marks, "nodes", name, "flow"), node.flow, list(flows), "flow"))
            elif node.node and node.node not in other.nodes:
                issues.append(_ref_issue(file, where(marks, "nodes", name, "node"), node.node,
                                         list(other.nodes), f"in flow {other.name!r}, node"))
    return issues


def _guess(name: str, known: list[str]) -> str | None:
    found = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return found[0] if found else None


def where(marks: Marks, *path: Any) -> Position:
    """Where the value at `path` starts, or its nearest marked parent's (1:1 when nothing is marked)."""
    while path and path not in marks:
        path = path[:-1]
    return marks[path].value if path in marks else Position(1, 1)


def _at_node(file: str, marks: Marks, name: str, message: str, hint: str) -> ConfigIssue:
    at = marks.get(("nodes", name))
    pos = at.key if at else Position(1, 1)
    return ConfigIssue(file, pos.line, pos.col, message, hint)


def _ref_issue(file: str, pos: Position, name: str, known: list[str], what: str) -> ConfigIssue:
    guess = _guess(name, known)
    hint = f"did you mean {guess!r}?" if guess else f"use one of: {', '.join(sorted(known))}"
    return ConfigIssue(file, pos.line, pos.col, f"{what} {name!r} does not exist", hint)


def _references(flow: Flow) -> list[tuple[tuple[Any, ...], str]]:
    refs: list[tuple[tuple[Any, ...], str]] = [(("entry",), flow.entry)]
    for name, node in flow.nodes.items():
        refs += [(("nodes", name, *path), target) for path, target, _ in node.exits()]
    return refs


def _silent_loop_issues(file: str, flow: Flow, marks: Marks, cycle: list[str]) -> list[ConfigIssue]:
    asks = [name for name in cycle if isinstance(flow.nodes[name], (MenuNode, CollectNode))]
    if not asks:
        return []  # a loop without caller input, reported as such
    node = flow.nodes[asks[0]]
    assert isinstance(node, (MenuNode, CollectNode))
    pos = where(marks, "nodes", asks[0], "on_silence" if node.on_silence else "fallback")
    loop = " -> ".join([*cycle, cycle[0]])
    return [ConfigIssue(file, pos.line, pos.col, f"a caller who never presses a key goes round {loop} forever",
                        f"give {node.type} {asks[0]!r} an on_silence that ends the call (a goodbye prompt, then a "
                        f"hangup node)")]


# ---------------------------------------------------------------- prompts


def _prompt_refs(flow: Flow) -> list[tuple[tuple[Any, ...], str]]:
    return [(("nodes", name, *path), prompt) for name, node in flow.nodes.items()
            for path, prompt in node.prompt_refs()]


def _prompt_issues(file: str, flow: Flow, marks: Marks, sounds_dir: Path) -> list[ConfigIssue]:
    issues = []
    folder = sounds_dir / flow.language
    for path, prompt in _prompt_refs(flow):
        if not any((folder / f"{prompt}.{ext}").exists() for ext in ("wav", "gsm", "sln")):
            pos = where(marks, *path)
            issues.append(ConfigIssue(file, pos.line, pos.col,
                                      f"prompt {prompt!r} of node {path[1]!r} has no recording in {folder}",
                                      "add its text to sounds/prompts.yaml and run scripts/make_sounds.py"))
    return issues
