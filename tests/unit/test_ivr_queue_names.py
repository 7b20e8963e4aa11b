"""Queue nodes are checked against the ACD's queue names, with the line and a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.cli.main import main
from common.yamlconf import ConfigError
from cti.services.flows import FlowLibrary
from ivr.loader import load_flow

REPO = Path(__file__).resolve().parents[2]


def _bad_copy(tmp_path: Path) -> Path:
    path = tmp_path / "main.yaml"
    path.write_text((REPO / "config/ivr/main.yaml").read_text().replace("queue: billing", "queue: biling"))
    return path


def test_unknown_queue_is_reported_at_its_line_with_did_you_mean(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_flow(_bad_copy(tmp_path), queues={"billing", "faults", "complaints", "vip"})
    [issue] = caught.value.issues
    assert "ACD queue 'biling' does not exist" in issue.message and "did you mean 'billing'" in issue.hint
    lines = _bad_copy(tmp_path).read_text().splitlines()
    assert "queue: biling" in lines[issue.line - 1]


def test_without_queue_names_the_check_is_skipped(tmp_path):
    assert load_flow(_bad_copy(tmp_path)).name == "main"


def test_engine_library_rejects_a_flow_naming_an_unknown_queue(tmp_path):
    _bad_copy(tmp_path)
    seen = []
    library = FlowLibrary(tmp_path, queues=lambda: {"billing", "complaints", "vip"}, on_change=lambda name, issues: seen.append(issues))
    library.scan()
    assert library.flows == {} and seen and "biling" in str(seen[0][0])


def test_cli_validate_checks_queue_names_against_acd_yaml(tmp_path, capsys):
    assert main(["ivr", "validate", str(_bad_copy(tmp_path)), "--acd", str(REPO / "config/acd.yaml"),
                 "--sounds", str(REPO / "sounds")]) == 1
    assert "did you mean 'billing'" in capsys.readouterr().out
