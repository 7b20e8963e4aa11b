"""The YAML loader must turn every operator mistake into file:line:col messages, all at once."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from cti.app.config import HotlineConfig, load_config
from common.yamlconf import ConfigError, ConfigIssue, load_yaml_with_marks, validate

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "hotline.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(path: Path) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.issues


def test_shipped_example_equals_builtin_defaults() -> None:
    assert load_config(REPO / "config" / "hotline.yaml") == HotlineConfig.default()


def test_misspelt_port_points_at_the_key_and_suggests_port(tmp_path: Path) -> None:
    path = write(tmp_path, "ami:\n  secret: s\n  prot: 5038\n")
    [issue] = issues_of(path)
    assert (issue.line, issue.col) == (3, 3)
    assert "did you mean 'port'" in issue.hint
    assert str(issue).startswith(f"{path}:3:3: unknown key 'prot'")


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, "ami:\n  secret: s\n  connect_timeout: soon\n"))
    assert (issue.line, issue.col) == (3, 20)
    assert "number" in issue.hint


def test_out_of_range_port_names_the_limit(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, "ami:\n  secret: s\nagi:\n  port: 70000\n"))
    assert (issue.line, issue.col) == (4, 9)
    assert "agi.port" in issue.message and "65535" in issue.hint


def test_literal_value_gets_case_insensitive_suggestion(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, "engine:\n  log_level: debug\nami: {secret: s}\n"))
    assert (issue.line, issue.col) == (2, 14)
    assert "did you mean 'DEBUG'" in issue.hint


def test_missing_key_points_at_its_parent_mapping(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, "engine: {}\nami:\n  host: localhost\n"))
    assert (issue.line, issue.col) == (2, 1)
    assert "secret" in issue.message and "under 'ami'" in issue.hint


def test_several_errors_are_reported_together_in_file_order(tmp_path: Path) -> None:
    text = (
        "engine:\n  log_format: xml\n"
        "ami:\n  secret: s\n  prot: 1\n  port: 0\n"
        "mqtt:\n  enabled: maybe\n"
        "shutdown:\n  drain_timeout: -1\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    lines = [issue.line for issue in info.value.issues]
    assert lines == [2, 5, 6, 8, 10]
    assert len(str(info.value).splitlines()) == 5


def test_yaml_syntax_error_reports_its_line(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, "ami:\n  secret: s\n  port: [5038\nagi: {}\n"))
    assert issue.line in (3, 4)
    assert "syntax" in issue.message


def test_duplicate_keys_are_all_reported(tmp_path: Path) -> None:
    text = "ami:\n  secret: a\n  port: 1\n  secret: b\nagi: {}\nagi: {}\n"
    issues = issues_of(write(tmp_path, text))
    assert [(i.line, i.col) for i in issues] == [(4, 3), (6, 1)]
    assert all("duplicate key" in i.message for i in issues)
    assert "first on line 2" in issues[0].message


def test_empty_value_points_at_its_key_not_the_next_line(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, "ami:\n  secret: s\nagi:\n  host:\nmqtt: {}\n"))
    assert (issue.line, issue.col) == (4, 3)


def test_cross_field_rule_points_at_its_section(tmp_path: Path) -> None:
    text = "engine: {}\nami:\n  secret: s\n  reconnect_min: 5\n  reconnect_max: 1\n"
    [issue] = issues_of(write(tmp_path, text))
    assert (issue.line, issue.col) == (2, 1) and "reconnect_max" in issue.message


def test_empty_file_asks_for_the_required_section(tmp_path: Path) -> None:
    [issue] = issues_of(write(tmp_path, ""))
    assert "missing required key 'ami'" in issue.message


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"ami: \xff\xfe\n")
    with pytest.raises(ConfigError):
        load_config(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError):
        load_config(tmp_path / "absent.yaml")


def test_loader_returns_plain_python_and_marks(tmp_path: Path) -> None:
    data, marks = load_yaml_with_marks(write(tmp_path, "a:\n  - x: 1.5\n    y: true\n"))
    assert data == {"a": [{"x": 1.5, "y": True}]}
    assert type(data) is dict and type(data["a"]) is list and type(data["a"][0]["x"]) is float
    assert marks[("a", 0, "y")].key.line == 3 and marks[("a", 0, "y")].value.col == 8


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    steps: list["Step"] = []


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["play", "menu", "hangup"]
    timeout: float = 5.0


def test_nested_lists_of_models_are_located_and_suggested(tmp_path: Path) -> None:
    text = "name: main\nsteps:\n  - action: play\n  - action: hangpu\n    timout: 3\n"
    with pytest.raises(ConfigError) as info:
        validate(write(tmp_path, text), Flow)
    first, second = info.value.issues
    assert (first.line, first.col) == (4, 13) and "did you mean 'hangup'" in first.hint
    assert (second.line, second.col) == (5, 5) and "did you mean 'timeout'" in second.hint


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
    st.sampled_from(["ami", "port", "secret", "INFO", "engine", "host", "5038", "-1"]),
)
KEYS = st.one_of(
    st.sampled_from(["engine", "ami", "agi", "port", "secret", "log_level", "mqtt", "enabled"]),
    st.text(min_size=1, max_size=6),
)
TREES = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=5),
    max_leaves=20,
)


def _validate_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            validate(path, HotlineConfig)
        except ConfigError as exc:
            assert exc.issues and all(i.line >= 1 and i.col >= 1 for i in exc.issues)
            assert len(str(exc).splitlines()) == len(exc.issues)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_only_ever_raises_config_error(text: str) -> None:
    _validate_text(text)


def _dump(tree: object, indent: int = 0) -> str:
    """Block-style YAML by hand, so quoting and indentation mistakes are fuzzed too."""
    pad = " " * indent
    if isinstance(tree, dict) and tree:
        return "".join(f"\n{pad}{k}:{_dump(v, indent + 2)}" for k, v in tree.items())
    if isinstance(tree, list) and tree:
        return "".join(f"\n{pad}-{_dump(v, indent + 2)}" for v in tree)
    return f" {tree}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, st.booleans())
def test_random_yaml_structures_only_ever_raise_config_error(tree: object, flow: bool) -> None:
    import json

    _validate_text(json.dumps(tree) if flow else _dump(tree).lstrip("\n"))


def test_a_file_loaded_again_after_an_edit_gives_the_new_text_and_callers_cannot_change_a_kept_parse(
        tmp_path: Path) -> None:
    path = write(tmp_path, "a:\n  b: [1, 2]\n", "kept.yaml")
    data, marks = load_yaml_with_marks(path)
    data["a"]["b"].append(3)
    marks.clear()
    again, marks_again = load_yaml_with_marks(path)
    assert again == {"a": {"b": [1, 2]}} and marks_again[("a", "b")].value.line == 2
    write(tmp_path, "a:\n  b: [1, 2]\n  c: x\n", "kept.yaml")
    edited, marks_edited = load_yaml_with_marks(path)
    assert edited == {"a": {"b": [1, 2], "c": "x"}} and marks_edited[("a", "c")].key.line == 3
