"""`hotline ivr graph`: Mermaid and dot name every node and label every edge; SVG needs Graphviz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cti.cli.main import main
from ivr import graph
from ivr.loader import load_flow
from ivr.models import Flow
from tests.support.flows import MAIN_FLOW



@pytest.fixture
def flows(tmp_path: Path) -> Path:
    (tmp_path / "main.yaml").write_text(MAIN_FLOW, encoding="utf-8")
    return tmp_path


@pytest.fixture
def main_flow(flows: Path) -> Flow:
    return load_flow(flows / "main.yaml")

EDGES = {("welcome", "menu", "next"), ("menu", "billing", "1"), ("menu", "fault", "2"),
         ("menu", "goodbye", "timeout/invalid"), ("menu", "cannot_hear", "silence"),
         ("billing", "goodbye", "next"), ("fault", "goodbye", "next"), ("goodbye", "done", "next"),
         ("cannot_hear", "hangup_silent", "next")}
EDGES_NODES = {node for a, b, _ in EDGES for node in (a, b)}


def draw(flows: Path, capsys: pytest.CaptureFixture[str], name: str) -> str:
    out = flows / name
    assert main(["ivr", "graph", "main", "--flows-dir", str(flows), "-o", str(out)]) == 0
    assert f"{out}: written" in capsys.readouterr().out
    return out.read_text(encoding="utf-8")


def test_mermaid_has_every_node_with_its_shape_and_every_labelled_edge(
        flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = draw(flows, capsys, "main.mmd")
    assert text.splitlines()[1] == "flowchart TD"
    ids = {m[1]: m[0] for m in re.findall(r"^\s+(n\d+)[\[{(]+\"(\w+)<br/>", text, re.M)}
    assert set(ids) == set(EDGES_NODES)
    assert f'{ids["menu"]}{{"menu' in text and f'{ids["done"]}(("done' in text and f'{ids["welcome"]}["welcome' in text
    edges = {(a, b, label) for a, label, b in re.findall(r'^\s+(n\d+) -->\|"([^"]+)"\| (n\d+)$', text, re.M)}
    assert edges == {(ids[a], ids[b], label) for a, b, label in EDGES}


def test_dot_has_every_node_with_its_shape_and_every_labelled_edge(
        flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = draw(flows, capsys, "main.dot")
    assert text.startswith('digraph "main" {')
    shapes = dict(re.findall(r'^\s+"(\w+)" \[shape=(\w+)', text, re.M))
    assert shapes.pop("__start") == "point"
    assert shapes == {"welcome": "box", "menu": "diamond", "billing": "box", "fault": "box", "goodbye": "box",
                      "cannot_hear": "box", "hangup_silent": "doublecircle", "done": "doublecircle"}
    edges = set(re.findall(r'^\s+"(\w+)" -> "(\w+)" \[label="([^"]+)"\];$', text, re.M))
    assert edges == EDGES
    assert '"__start" -> "welcome"' in text


def test_special_keys_are_escaped_for_mermaid(main_flow: Flow) -> None:
    flow = main_flow.model_copy(deep=True)
    flow.nodes["menu"].choices = {"#": "billing", "*": "fault"}  # type: ignore[union-attr]
    text = graph.to_mermaid(flow)
    assert '-->|"#35;"|' in text and '-->|"#42;"|' in text


def test_svg_without_graphviz_says_to_install_it_or_use_mmd_or_dot(
        flows: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    out = flows / "main.svg"
    assert main(["ivr", "graph", "main", "--flows-dir", str(flows), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "install graphviz" in err and ".mmd or .dot" in err
    assert not out.exists()


def test_svg_is_rendered_by_dot_when_present(
        main_flow: Flow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph.subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw["input"])))
    graph.render(main_flow, tmp_path / "main.svg")
    [(cmd, dot_text)] = calls
    assert cmd == ["/usr/bin/dot", "-Tsvg", "-o", str(tmp_path / "main.svg")]
    assert dot_text == graph.to_dot(main_flow)


def test_unknown_output_format_is_refused(flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "graph", "main", "--flows-dir", str(flows), "-o", str(flows / "x.png")]) == 1
    assert "name it .mmd, .dot or .svg" in capsys.readouterr().err


def test_branch_and_queue_nodes_get_their_own_shapes_and_outcome_labels(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("name: q\nentry: tier\nnodes:\n"
                    "  tier: {type: branch, variable: tier, cases: {gold: line}, default: line}\n"
                    "  line: {type: queue, queue: support, next: done, on_timeout: done, on_nobody: done}\n"
                    "  done: {type: hangup}\n", encoding="utf-8")
    flow = load_flow(path)
    dot = graph.to_dot(flow)
    assert '"tier" [shape=hexagon' in dot and '"line" [shape=box3d' in dot
    assert {label for _, _, label in graph.edges(flow)} == {"tier=gold", "default", "answered", "timeout", "nobody"}
    assert 'n1[["line' in graph.to_mermaid(flow) and 'n0{{"tier' in graph.to_mermaid(flow)


def test_new_node_kinds_get_shapes_captions_and_outcome_labels() -> None:
    flow = load_flow(Path(__file__).resolve().parents[2] / "config/ivr/selfservice.yaml")
    labels = {(a, b): label for a, b, label in graph.edges(flow)}
    assert labels[("find_caller", "ask_account")] == "not found"
    assert labels[("find_caller", "unavailable")] == "failure"
    assert labels[("ask_account", "find_account")] == "entered"
    dot = graph.to_dot(flow)
    assert '"find_caller" [shape=cylinder, label="find_caller\\nlookup phone={caller}"]' in dot
    assert '"ask_account" [shape=diamond' in dot and "say money {balance}" in dot
    assert "lookup phone={caller}" in graph.to_mermaid(flow)
