"""Draw a flow: Mermaid flowchart text, Graphviz dot text, or SVG through Graphviz's `dot`.

Shapes by node kind (play, say, set, language, callback: box; menu, collect: diamond; queue,
transfer: subroutine; branch, hours: hexagon; lookup: cylinder; goto: flag; hangup: circle);
edges labelled with the key of a choice, 'timeout/invalid' for a fallback, 'silence' for on_silence,
'next' after a prompt, the queue outcome after a queue, `variable=value` after a branch,
open/closed/holiday after hours, found/not found/failure after a lookup.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ivr.models import VoicemailNode
from ivr.models import (BranchNode, CallbackNode, CollectNode, Flow, GotoNode, HangupNode, HoursNode, LanguageNode,
                        LookupNode, MenuNode, PlayNode, QueueNode, RateNode, SayNode, SetNode, TransferNode)

FALLBACK, SILENCE, NEXT = "timeout/invalid", "silence", "next"


class GraphError(Exception):
    error_id = "ivr-graph"


def edges(flow: Flow) -> list[tuple[str, str, str]]:
    """(from, to, label) for every transition, in file order."""
    return [(name, target, label) for name in flow.nodes for target, label in _exits(flow, name)]


def _exits(flow: Flow, name: str) -> list[tuple[str, str]]:
    return [(target, label) for _, target, label in flow.nodes[name].exits()]


def _caption(node: object) -> str:
    if isinstance(node, PlayNode):
        return f"play {', '.join(node.prompts)}"
    if isinstance(node, MenuNode):
        return f"menu {node.prompt}"
    if isinstance(node, CollectNode):
        return f"collect {node.variable} ({node.min_length}-{node.max_length} keys{', confirm' if node.confirm else ''})"
    if isinstance(node, RateNode):
        return f"rate {node.prompt} (1-{node.scale})"
    if isinstance(node, SayNode):
        return f"say {node.kind} {node.value}"
    if isinstance(node, SetNode):
        return "set " + ", ".join(f"{k}={v}" for k, v in node.values.items())
    if isinstance(node, LanguageNode):
        return f"language {node.language or '{' + str(node.variable) + '}'}"
    if isinstance(node, HoursNode):
        return f"hours {node.timezone}"
    if isinstance(node, LookupNode):
        return f"lookup {node.url}" if node.source == "http" else f"lookup {node.field}={node.key}"
    if isinstance(node, QueueNode):
        return f"queue {node.queue}"
    if isinstance(node, TransferNode):
        return f"transfer {node.mode} {node.target}"
    if isinstance(node, CallbackNode):
        return f"callback {{{node.number_variable}}}"
    if isinstance(node, VoicemailNode):
        return f"voicemail {node.mailbox}@{node.context}"
    if isinstance(node, GotoNode):
        return f"goto {node.flow + ':' if node.flow else ''}{node.node or 'entry'}"
    if isinstance(node, BranchNode):
        return f"branch on {node.variable}"
    if isinstance(node, HangupNode):
        return f"hangup {node.disposition}"
    return str(getattr(node, "type", "node"))


def to_mermaid(flow: Flow) -> str:
    # Ids are n0, n1...: a node called 'end' or 'a-b' would break Mermaid's parser.
    ids = {name: f"n{i}" for i, name in enumerate(flow.nodes)}
    shapes = {MenuNode: ('{"', '"}'), CollectNode: ('{"', '"}'), RateNode: ('{"', '"}'),
              QueueNode: ('[["', '"]]'), TransferNode: ('[["', '"]]'), BranchNode: ('{{"', '"}}'),
              HoursNode: ('{{"', '"}}'), LookupNode: ('[("', '")]'), GotoNode: ('>"', '"]'), HangupNode: ('(("', '"))')}
    lines = [f"%% IVR flow {flow.name}", "flowchart TD", '    start(["call"]) --> ' + ids[flow.entry]]
    for name, node in flow.nodes.items():
        left, right = shapes.get(type(node), ('["', '"]'))
        caption = _caption(node).replace('"', "#quot;")
        lines.append(f"    {ids[name]}{left}{name}<br/><i>{caption}</i>{right}")
    for source, target, label in edges(flow):
        text = "".join(f"#{ord(c)};" if c in '#*"' else c for c in label)
        arrow = f'-->|"{text}"|' if text else "-->"
        lines.append(f"    {ids[source]} {arrow} {ids[target]}")
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow) -> str:
    shapes = {MenuNode: "diamond", CollectNode: "diamond", RateNode: "diamond", QueueNode: "box3d",
              TransferNode: "box3d", BranchNode: "hexagon", HoursNode: "hexagon", LookupNode: "cylinder",
              GotoNode: "cds", HangupNode: "doublecircle"}
    lines = [f'digraph "{flow.name}" {{', "    rankdir=TB;", '    node [fontname="Helvetica"];',
             '    "__start" [shape=point, label=""];', f'    "__start" -> "{flow.entry}";']
    for name, node in flow.nodes.items():
        lines.append(f'    "{name}" [shape={shapes.get(type(node), "box")}, label="{name}\\n{_dot_text(_caption(node))}"];')
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
