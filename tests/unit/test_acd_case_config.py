"""config/cases.yaml: the shipped file loads; operator mistakes come back as file:line:col: what; fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from acd.case_config import load_cases
from acd.config import load_acd
from common.yamlconf import ConfigError, ConfigIssue

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
calendar:
  timezone: Asia/Shanghai
  weekly: {mon: ["09:00-18:00"]}
levels:
  - {name: first, queue: complaints}
  - {name: second, queue: vip}
priorities:
  normal: {first_response_min: 60, resolution_min: 480}
default_priority: normal
categories:
  billing: {level: 1}
dispositions:
  complaint: {category: billing}
follow_up: {campaign: follow_up, delay_min: 60}
"""


def issues_of(tmp_path: Path, text: str, queues=None) -> list[str]:
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_cases(path, queues)
    return [str(i).replace(str(path), "cases.yaml") for i in info.value.issues]


def test_shipped_config_loads_with_the_shipped_acd_queues() -> None:
    queues, _ = load_acd(REPO / "config/acd.yaml")
    policy = load_cases(REPO / "config/cases.yaml", queues)
    assert policy.levels == ("complaints", "vip") and policy.follow_up is not None
    assert policy.dispositions["complaint"].category == "service"
    assert policy.calendar.state(datetime(2026, 10, 1, 3, 0, tzinfo=UTC)) == "holiday"


def test_good_config_gives_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(GOOD)
    policy = load_cases(path, ["complaints", "vip"])
    assert (policy.categories, policy.default_priority, policy.warn_share) == ({"billing": 1}, "normal", 0.8)
    assert policy.follow_up.dissatisfied_below == 3


def test_unknown_default_priority_names_the_line_and_a_guess(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("default_priority: normal", "default_priority: norml"))
    assert issue == "cases.yaml:9:19: unknown priority 'norml'; did you mean 'normal'?"


def test_category_level_beyond_the_levels(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("billing: {level: 1}", "billing: {level: 3}"))
    assert issue.startswith("cases.yaml:11:20: category 'billing' starts at level 3 but only 2 levels")
    assert issue.endswith("use a level from 1 to 2 or add levels")


def test_disposition_with_an_unknown_category(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("{category: billing}", "{category: biling}"))
    assert issue == "cases.yaml:13:25: unknown category 'biling'; did you mean 'billing'?"


def test_level_queue_the_acd_does_not_have(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD, queues=["complaints", "billing"])
    assert issue.startswith("cases.yaml:6:27: unknown queue 'vip' (not in config/acd.yaml)")


def test_schema_errors_all_come_back_with_their_lines(tmp_path: Path) -> None:
    text = GOOD.replace("Asia/Shanghai", "Mars/Base").replace('"09:00-18:00"', '"18:00-09:00"') \
        .replace("first_response_min: 60", "first_response_min: -5").replace("delay_min: 60", "delay: 60")
    found = issues_of(tmp_path, text)
    assert len(found) == 4, found
    assert found[0].startswith("cases.yaml:2:13: ") and "unknown time zone 'Mars/Base'" in found[0]
    assert found[1].startswith("cases.yaml:3:3: ") and "not an opening range" in found[1]
    assert found[2].startswith("cases.yaml:8:32: ")
    assert found[3].startswith("cases.yaml:14:34: ") and "delay" in found[3]


def test_a_bar_above_the_scale_would_reopen_every_case(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("delay_min: 60}", "delay_min: 60, scale_max: 5, dissatisfied_below: 6}"))
    assert "above the scale's top (5)" in issue and issue.startswith("cases.yaml:14:")
