"""The alerts: sections of config/acd.yaml: defaults, per-queue overrides, file:line:col errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.alerts import AlertKind, Rule
from acd.config import load_acd
from common.yamlconf import ConfigError

REPO = Path(__file__).resolve().parents[2]
K = AlertKind

BASE = """\
skills: [billing, vip]
alerts:
  waiting_calls: {raise: 6, clear: 3}
  ready_agents: {raise: 0, clear: 1, enabled: false}
queues:
  billing:
    skills: {billing: 5}
  vip:
    skills: {vip: 5}
    alerts:
      waiting_calls: {raise: 2, clear: 0, severity: critical}
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "acd.yaml"
    path.write_text(text, encoding="utf-8")
    return load_acd(path)


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return [str(i).replace(str(tmp_path) + "/", "") for i in info.value.issues]


def test_a_queue_override_replaces_that_kind_whole_and_defaults_fill_the_rest(tmp_path: Path) -> None:
    queues, _ = load(tmp_path, BASE)
    billing = {r.kind: r for r in queues["billing"].alerts}
    vip = {r.kind: r for r in queues["vip"].alerts}
    assert set(billing) == {K.WAITING_CALLS, K.LONGEST_WAIT, K.SERVICE_LEVEL}  # ready_agents switched off
    assert billing[K.WAITING_CALLS] == Rule(K.WAITING_CALLS, 6, 3, 0, 30, "warning")
    assert vip[K.WAITING_CALLS] == Rule(K.WAITING_CALLS, 2, 0, 0, 30, "critical")
    assert billing[K.SERVICE_LEVEL] == Rule(K.SERVICE_LEVEL, 70, 78, 0, 60, "warning", 15, 10)  # built-in default


def test_shipped_sample_centre_has_alerts_on_every_queue_with_stricter_vip() -> None:
    queues, _ = load_acd(REPO / "config/acd.yaml")
    assert all(len(spec.alerts) == 4 for spec in queues.values())
    vip = {r.kind: r for r in queues["vip"].alerts}
    assert (vip[K.WAITING_CALLS].raise_at, vip[K.WAITING_CALLS].severity) == (2, "critical")
    assert vip[K.SERVICE_LEVEL].window_min == 30


def test_a_clear_level_on_the_wrong_side_of_raise_is_reported_where_it_is_written(tmp_path: Path) -> None:
    text = BASE.replace("waiting_calls: {raise: 6, clear: 3}", "waiting_calls: {raise: 6, clear: 6}")
    text = text.replace("    skills: {vip: 5}\n", "    skills: {vip: 5}\n    alerts:\n"
                        "      service_level: {raise: 80, clear: 75, window_min: 90}\n").replace(
        "    alerts:\n      waiting_calls: {raise: 2, clear: 0, severity: critical}\n", "")
    assert errors(tmp_path, text) == [
        "acd.yaml:3:36: waiting_calls: clear level 6 is not below the raise level 6, so the alert would flap; "
        "set clear below 6 (e.g. 5)",
        "acd.yaml:11:41: service_level: clear level 75 is not above the raise level 80, so the alert would "
        "flap; set clear above 80 (e.g. 81)",
        "acd.yaml:11:57: service_level window of 90 min is longer than the 60 min the ACD keeps; use at most 60"]


def test_schema_mistakes_in_an_alert_rule_point_at_the_key(tmp_path: Path) -> None:
    text = BASE.replace("{raise: 2, clear: 0, severity: critical}", "{raise: 2, clear: 0, severity: loud, hold: 3}")
    found = errors(tmp_path, text)
    assert len(found) == 2
    assert found[0].startswith("acd.yaml:11:53: ") and "severity" in found[0] and "warning" in found[0]
    assert found[1].startswith("acd.yaml:11:59: ") and "hold" in found[1]
