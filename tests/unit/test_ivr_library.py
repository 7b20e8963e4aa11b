"""Hot reload: a good edit replaces the flow for new calls only; a bad edit keeps the old flow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.yamlconf import ConfigIssue
from cti.services.flows import FlowLibrary
from ivr.stepper import Finish, Walk

FLOW = """\
name: {name}
entry: hello
nodes:
  hello:
    type: play
    prompts: [{prompt}]
    next: bye
  bye:
    type: hangup
"""


class Changes:
    def __init__(self) -> None:
        self.seen: list[tuple[str, list[ConfigIssue]]] = []

    def __call__(self, name: str, issues: list[ConfigIssue]) -> None:
        self.seen.append((name, issues))


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def library(tmp_path: Path, changes: Changes) -> FlowLibrary:
    return FlowLibrary(tmp_path, on_change=changes)


def write(path: Path, text: str, stamp: int) -> None:
    """Write and set an explicit mtime: no waiting for the file system's clock to tick."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))


def test_new_file_is_loaded_and_reported(tmp_path: Path, library: FlowLibrary, changes: Changes) -> None:
    write(tmp_path / "a.yaml", FLOW.format(name="alpha", prompt="welcome"), 1_000)
    library.scan()
    assert list(library.current()) == ["alpha"]
    assert changes.seen == [("alpha", [])]


def test_valid_edit_replaces_the_flow_but_not_the_one_a_call_holds(tmp_path: Path, library: FlowLibrary) -> None:
    path = tmp_path / "a.yaml"
    write(path, FLOW.format(name="alpha", prompt="welcome"), 1_000)
    library.scan()
    in_call = library.current()["alpha"]
    walk = Walk(in_call)
    walk.start()
    write(path, FLOW.format(name="alpha", prompt="goodbye"), 2_000)
    library.scan()
    fresh = library.current()["alpha"]
    assert fresh is not in_call
    assert fresh.nodes["hello"].prompts == ["goodbye"]  # type: ignore[union-attr]
    assert in_call.nodes["hello"].prompts == ["welcome"]  # type: ignore[union-attr]
    assert walk.feed("") == Finish("completed")  # the call finishes on the flow it started with


def test_unchanged_file_is_not_reloaded(tmp_path: Path, library: FlowLibrary, changes: Changes) -> None:
    write(tmp_path / "a.yaml", FLOW.format(name="alpha", prompt="welcome"), 1_000)
    library.scan()
    first = library.current()["alpha"]
    library.scan()
    assert library.current()["alpha"] is first and len(changes.seen) == 1


def test_invalid_edit_keeps_the_old_flow_and_reports_its_issues(
        tmp_path: Path, library: FlowLibrary, changes: Changes) -> None:
    path = tmp_path / "a.yaml"
    write(path, FLOW.format(name="alpha", prompt="welcome"), 1_000)
    library.scan()
    serving = library.current()["alpha"]
    write(path, FLOW.format(name="alpha", prompt="welcome").replace("next: bye", "next: by"), 2_000)
    library.scan()
    assert library.current()["alpha"] is serving
    name, [issue] = changes.seen[-1]
    assert name == "alpha"
    assert (issue.file, issue.line) == (str(path), 7)
    assert "did you mean 'bye'?" in issue.hint


def test_fixing_a_rejected_file_loads_it(tmp_path: Path, library: FlowLibrary, changes: Changes) -> None:
    path = tmp_path / "a.yaml"
    write(path, "name: alpha\nentry: [\n", 1_000)
    library.scan()
    assert library.current() == {} and changes.seen[-1][0] == "a" and changes.seen[-1][1]
    write(path, FLOW.format(name="alpha", prompt="welcome"), 2_000)
    library.scan()
    assert "alpha" in library.current() and changes.seen[-1] == ("alpha", [])


def test_removed_file_removes_its_flow(tmp_path: Path, library: FlowLibrary) -> None:
    write(tmp_path / "a.yaml", FLOW.format(name="alpha", prompt="welcome"), 1_000)
    write(tmp_path / "b.yaml", FLOW.format(name="beta", prompt="welcome"), 1_000)
    library.scan()
    (tmp_path / "a.yaml").unlink()
    library.scan()
    assert list(library.current()) == ["beta"]


def test_flow_renamed_inside_its_file_drops_the_old_name(tmp_path: Path, library: FlowLibrary) -> None:
    path = tmp_path / "a.yaml"
    write(path, FLOW.format(name="alpha", prompt="welcome"), 1_000)
    library.scan()
    write(path, FLOW.format(name="gamma", prompt="welcome"), 2_000)
    library.scan()
    assert list(library.current()) == ["gamma"]
