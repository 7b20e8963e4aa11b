"""config/acd.yaml: operator mistakes come back with file:line:col and a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd import Router
from acd.config import load_acd
from common.yamlconf import ConfigError, ConfigIssue

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
skills: [billing, faults, vip]
agents:
  - {id: "1001", name: Alice, interface: PJSIP/1001, skills: {billing: 8, vip: 6}}
  - {id: "1002", name: Bob, interface: PJSIP/1002, skills: {faults: 5}, languages: [en, zh]}
queues:
  billing:
    skills: {billing: 5}
  vip:
    skills: {vip: 5}
    strategy: round_robin
    escalation:
      - after_s: 30
        add_queues: [billing]
"""


def issues_of(tmp_path: Path, text: str) -> list[ConfigIssue]:
    path = tmp_path / "acd.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_acd(path)
    return info.value.issues


def test_shipped_config_loads_and_drives_a_router() -> None:
    queues, agents = load_acd(REPO / "config" / "acd.yaml")
    assert set(queues) == {"billing", "faults", "complaints", "vip"}
    assert [a.interface for a in agents.values()] == [f"PJSIP/100{i}" for i in range(1, 7)]
    vip = queues["vip"]
    assert vip.skills == {"vip": 5} and vip.escalation[0].after_s == 30
    assert vip.escalation[0].add_queues == ("billing",)
    router = Router(queues, agents)
    assert router.queues.keys() == queues.keys()


def test_small_valid_file_becomes_queue_specs_and_agents(tmp_path: Path) -> None:
    path = tmp_path / "acd.yaml"
    path.write_text(GOOD, encoding="utf-8")
    queues, agents = load_acd(path)
    assert queues["billing"].strategy == "longest_idle" and queues["billing"].sl_seconds == 20
    assert agents["1002"].languages == ("en", "zh") and agents["1001"].skills == {"billing": 8, "vip": 6}


def test_unknown_skill_in_an_agent_points_at_it_and_suggests_the_declared_one(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("skills: {faults: 5}", "skills: {fualts: 5}"))
    assert issue.line == 4 and "unknown skill 'fualts'" in issue.message
    assert "did you mean 'faults'" in issue.hint


def test_unknown_skill_in_a_queue_is_reported_at_its_line(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("skills: {billing: 5}", "skills: {biling: 5}"))
    assert (issue.line, issue.col) == (7, 14)  # the key itself
    assert "queue 'billing'" in issue.message and "did you mean 'billing'" in issue.hint


def test_unknown_queue_in_escalation_suggests_the_closest_queue(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("add_queues: [billing]", "add_queues: [bilings]"))
    assert issue.line == 13 and "unknown queue 'bilings'" in issue.message
    assert "did you mean 'billing'" in issue.hint


def test_duplicate_agent_id_and_interface_name_the_first_line(tmp_path: Path) -> None:
    text = GOOD.replace('id: "1002", name: Bob, interface: PJSIP/1002', 'id: "1001", name: Bob, interface: PJSIP/1001')
    issues = issues_of(tmp_path, text)
    assert [(i.line, "first on line 3" in i.message) for i in issues] == [(4, True), (4, True)]
    assert {m for i in issues for m in ("id", "interface") if f"agent {m} " in i.message} == {"id", "interface"}


def test_schema_errors_and_escalation_order_are_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("strategy: round_robin", "strategy: round_robbin").replace(
        "interface: PJSIP/1001", "interface: 'PJSIP/1001\\nApplication: System'")
    issues = issues_of(tmp_path, text)
    assert [i.line for i in issues] == [3, 10]
    assert "did you mean 'round_robin'" in issues[1].hint


def test_escalation_steps_must_come_in_increasing_time(tmp_path: Path) -> None:
    text = GOOD.replace("        add_queues: [billing]\n",
                        "        add_queues: [billing]\n      - after_s: 10\n        relax_levels: 1\n")
    [issue] = issues_of(tmp_path, text)
    assert issue.line == 14 and "increasing after_s" in issue.hint


def test_skill_level_out_of_range_names_the_limit(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("billing: 8", "billing: 11"))
    assert issue.line == 3 and "at most 10" in issue.hint
