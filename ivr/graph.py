"""Draw a flow: Mermaid flowchart text, Graphviz dot text, or SVG through Graphviz's `dot`.

Shapes by node kind (play: box, menu: diamond, queue: subroutine, branch: hexagon, hangup: circle);
edges labelled with the key of a choice, 'timeout/invalid' for a fallback, 'silence' for on_silence,
'next' after a prompt, the queue outcome after a queue and `variable=value` after a branch.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ivr.models import BranchNode, Flow, HangupNode, MenuNode, PlayNode, QueueNode

FALLBACK, SILENCE, NEXT = "timeout/invalid", "silence", "next"


class GraphError(Exception):
    error_id = "ivr-graph"


def edges(flow: Flow) -> list[tuple[str, str, str]]:
    """(from, to, label) for every transition, in file order."""
    return [(name, target, label) for name in flow.nodes for target, label in _exits(flow, name)]


def _exits(flow: Flow, name: str) -> list[tuple[str, str]]:
    node = flow.nodes[name]
    if isinstance(node, PlayNode):
        return [(node.next, NEXT)]
    if isinstance(node, MenuNode):
        return [*((t, key) for key, t in node.choices.items()), (node.fallback, FALLBACK),
                *([(node.on_silence, SILENCE)] if node.on_silence else [])]
    if isinstance(node, BranchNode):
        return [*((t, f"{node.variable}={value}") for value, t in node.cases.items()), (node.default, "default")]
    if isinstance(node, QueueNode):
        outcomes = [(node.next, "answered"), (node.on_timeout, "timeout"), (node.on_nobody, "nobody"),
                    (node.on_callback, "callback")]
        return [(t, label) for t, label in outcomes if t]
    return [(target, "") for target in flow.targets(name)]  # a kind this module does not know yet


def _caption(node: object) -> str:
    if isinstance(node, PlayNode):
        return f"play {', '.join(node.prompts)}"
    if isinstance(node, MenuNode):
        return f"menu {node.prompt}"
    if isinstance(node, QueueNode):
        return f"queue {node.queue}"
    if isinstance(node, BranchNode):
        return f"branch on {node.variable}"
    if isinstance(node, HangupNode):
        return f"hangup {node.disposition}"
    return str(getattr(node, "type", "node"))


def to_mermaid(flow: Flow) -> str:
    # Ids are n0, n1...: a node called 'end' or 'a-b' would break Mermaid's parser.
    ids = {name: f"n{i}" for i, name in enumerate(flow.nodes)}
    shapes = {MenuNode: ('{"', '"}'), QueueNode: ('[["', '"]]'), BranchNode: ('{{"', '"}}'),
              HangupNode: ('(("', '"))')}
    lines = [f"%% IVR flow {flow.name}", "flowchart TD", '    start(["call"]) --> ' + ids[flow.entry]]
    for name, node in flow.nodes.items():
        left, right = shapes.get(type(node), ('["', '"]'))
        lines.append(f"    {ids[name]}{left}{name}<br/><i>{_caption(node)}</i>{right}")
    for source, target, label in edges(flow):
        text = "".join(f"#{ord(c)};" if c in '#*"' else c for c in label)
        arrow = f'-->|"{text}"|' if text else "-->"
        lines.append(f"    {ids[source]} {arrow} {ids[target]}")
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow) -> str:
    shapes = {MenuNode: "diamond", QueueNode: "box3d", BranchNode: "hexagon", HangupNode: "doublecircle"}
    lines = [f'digraph "{flow.name}" {{', "    rankdir=TB;", '    node [fontname="Helvetica"];',
             '    "__start" [shape=point, label=""];', f'    "__start" -> "{flow.entry}";']
    for name, node in flow.nodes.items():
        lines.append(f'    "{name}" [shape={shapes.get(type(node), "box")}, label="{name}\\n{_caption(node)}"];')
    for source, target, label in edges(flow):
        lines.append(f'    "{source}" -> "{target}" [label="{_dot_text(label)}"];')
    return "\n".join(lines + ["}"]) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render(flow: Flow, out: Path) -> None:
    """Write `out` in the format its suffix names (.mmd, .dot, .svg); GraphError if that cannot be done."""
    suffix = out.suffix.lower()
    if suffix in (".mmd", ".mermaid"):
        out.write_text(to_mermaid(flow), encoding="utf-8")
    elif suffix in (".dot", ".gv"):
        out.write_text(to_dot(flow), encoding="utf-8")
    elif suffix == ".svg":
        _svg(to_dot(flow), out)
    else:
        raise GraphError(f"cannot write {out}: unknown format {out.suffix or '(none)'!r}; name it .mmd, .dot or .svg")


def _svg(dot_text: str, out: Path) -> None:
    dot = shutil.which("dot")
    if dot is None:
        raise GraphError("writing .svg needs the 'dot' program of Graphviz, which is not installed; "
                         "install graphviz (e.g. apt-get install graphviz) or write .mmd or .dot instead")
    try:
        subprocess.run([dot, "-Tsvg", "-o", str(out)], input=dot_text, text=True, check=True,
                       capture_output=True, timeout=30)
    except subprocess.CalledProcessError as exc:
        raise GraphError(f"dot failed ({exc.returncode}): {exc.stderr.strip()}") from exc
    except subprocess.TimeoutExpired as exc:
        raise GraphError("dot did not finish within 30 s") from exc
