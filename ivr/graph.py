"""Draw a flow: Mermaid flowchart text, Graphviz dot text, or SVG through Graphviz's `dot`.

Shapes by node kind (play: box, menu: diamond, hangup: circle); edges labelled with the key of a
choice, 'timeout/invalid' for a fallback, 'silence' for on_silence and 'next' after a prompt.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ivr.models import Flow, HangupNode, MenuNode, PlayNode

FALLBACK, SILENCE, NEXT = "timeout/invalid", "silence", "next"


class GraphError(Exception):
    error_id = "ivr-graph"


def edges(flow: Flow) -> list[tuple[str, str, str]]:
    """(from, to, label) for every transition, in file order."""
    out: list[tuple[str, str, str]] = []
    for name, node in flow.nodes.items():
        if isinstance(node, PlayNode):
            out.append((name, node.next, NEXT))
        elif isinstance(node, MenuNode):
            out += [(name, target, key) for key, target in node.choices.items()]
            out.append((name, node.fallback, FALLBACK))
            if node.on_silence:
                out.append((name, node.on_silence, SILENCE))
    return out


def _caption(node: PlayNode | MenuNode | HangupNode) -> str:
    if isinstance(node, PlayNode):
        return f"play {', '.join(node.prompts)}"
    if isinstance(node, MenuNode):
        return f"menu {node.prompt}"
    return f"hangup {node.disposition}"


def to_mermaid(flow: Flow) -> str:
    # Ids are n0, n1...: a node called 'end' or 'a-b' would break Mermaid's parser.
    ids = {name: f"n{i}" for i, name in enumerate(flow.nodes)}
    shapes = {PlayNode: ('["', '"]'), MenuNode: ('{"', '"}'), HangupNode: ('(("', '"))')}
    lines = [f"%% IVR flow {flow.name}", "flowchart TD", '    start(["call"]) --> ' + ids[flow.entry]]
    for name, node in flow.nodes.items():
        left, right = shapes[type(node)]
        lines.append(f"    {ids[name]}{left}{name}<br/><i>{_caption(node)}</i>{right}")
    for source, target, label in edges(flow):
        text = "".join(f"#{ord(c)};" if c in "#*" else c for c in label)
        lines.append(f'    {ids[source]} -->|"{text}"| {ids[target]}')
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow) -> str:
    shapes = {PlayNode: "box", MenuNode: "diamond", HangupNode: "doublecircle"}
    lines = [f'digraph "{flow.name}" {{', "    rankdir=TB;", '    node [fontname="Helvetica"];',
             '    "__start" [shape=point, label=""];', f'    "__start" -> "{flow.entry}";']
    for name, node in flow.nodes.items():
        lines.append(f'    "{name}" [shape={shapes[type(node)]}, label="{name}\\n{_caption(node)}"];')
    for source, target, label in edges(flow):
        lines.append(f'    "{source}" -> "{target}" [label="{label}"];')
    return "\n".join(lines + ["}"]) + "\n"


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
