"""``supervisors:`` in config/acd.yaml: loaded with the rest, every mistake at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.config import load_acd, load_supervisors
from acd.supervision import Supervisor
from common.yamlconf import ConfigError, ConfigIssue

REPO = Path(__file__).resolve().parents[2]
BASE = """\
skills: [billing, faults]
agents:
  - {id: "1001", name: Alice, interface: PJSIP/1001, skills: {billing: 8}}
  - {id: "1002", name: Bob, interface: PJSIP/1002, skills: {faults: 5}}
queues:
  billing: {skills: {billing: 5}}
  faults: {skills: {faults: 5}}
"""


def write(tmp_path: Path, supervisors: str) -> Path:
    path = tmp_path / "acd.yaml"
    path.write_text(BASE + supervisors, encoding="utf-8")
    return path


def issues_of(tmp_path: Path, supervisors: str) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as info:
        load_acd(write(tmp_path, supervisors))
    return info.value.issues


def test_shipped_config_has_supervisors():
    sups = load_supervisors(REPO / "config/acd.yaml")
    assert sups and all(s.interface.startswith("PJSIP/") for s in sups.values())


def test_file_without_supervisors_still_loads(tmp_path):
    assert load_supervisors(write(tmp_path, "")) == {}


def test_supervisors_load_as_frozen_scopes(tmp_path):
    path = write(tmp_path, """\
supervisors:
  - id: sup1
    name: Sam
    interface: PJSIP/2001
    queues: [billing]
    agents: ["1002"]
    notify_agent: true
""")
    assert load_supervisors(path) == {"sup1": Supervisor("sup1", "Sam", "PJSIP/2001", ("billing",), ("1002",), True)}


def test_unknown_agent_and_queue_point_at_their_lines_with_a_guess(tmp_path):
    issues = issues_of(tmp_path, """\
supervisors:
  - id: sup1
    name: Sam
    interface: PJSIP/2001
    queues: [biling]
    agents: ["1003"]
""")
    assert [(i.line, i.col) for i in issues] == [(12, 14), (13, 14)]
    assert "unknown queue 'biling'" in issues[0].message and issues[0].hint == "did you mean 'billing'?"
    assert "unknown agent '1003'" in issues[1].message and issues[1].hint == "use one of: 1001, 1002"
    assert str(issues[0]).startswith(f"{tmp_path / 'acd.yaml'}:12:14: supervisor 'sup1' names unknown queue")


def test_supervisor_with_nobody_to_monitor_is_refused(tmp_path):
    [issue] = issues_of(tmp_path, """\
supervisors:
  - {id: sup1, name: Sam, interface: PJSIP/2001}
""")
    assert issue.line == 9 and "can monitor nobody" in issue.message and "queues" in issue.hint


def test_duplicate_ids_and_interfaces_and_an_agents_phone(tmp_path):
    issues = issues_of(tmp_path, """\
supervisors:
  - {id: sup1, name: Sam, interface: PJSIP/2001, queues: [billing]}
  - {id: sup1, name: Tess, interface: PJSIP/2001, queues: [faults]}
  - {id: sup3, name: Uma, interface: PJSIP/1001, queues: [faults]}
""")
    messages = [(i.line, i.message) for i in issues]
    assert (10, "supervisor id 'sup1' is used twice (first on line 9)") in messages
    assert (10, "supervisor interface 'PJSIP/2001' is used twice (first on line 9)") in messages
    assert (11, "supervisor 'sup3' has agent '1001''s phone 'PJSIP/1001'") in messages


def test_schema_errors_have_line_and_column(tmp_path):
    issues = issues_of(tmp_path, """\
supervisors:
  - id: sup1
    name: Sam
    interface: "2001; Application: System"
    queues: [billing]
    phone: 2001
""")
    assert sorted(i.line for i in issues) == [11, 13]
    assert all(i.col > 1 for i in issues)


def test_supervisor_id_must_not_be_an_agents(tmp_path):
    [issue] = issues_of(tmp_path, """\
supervisors:
  - {id: "1001", name: Sam, interface: PJSIP/2001, queues: [billing]}
""")
    assert issue.line == 9 and "also an agent's id" in issue.message
