"""The `record:` keys (acd.yaml queues, campaign files) and hotline.yaml's `recordings:` section:
defaults that keep old files loading, and mistakes reported as file:line:col with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.config import load_acd
from common.yamlconf import ConfigError
from cti.app.config import load_config
from dialer.campaign import load_campaign

ACD = """\
skills: [billing]
queues:
  billing:
    skills: {billing: 1}
    record: always
  sales:
    skills: {billing: 1}
"""
CAMPAIGN = "name: c\nkind: survey\nqueue: q\ncaller_id: '+861000'\nsafe_harbor_prompt: dialer/safe-harbor\n"
HOTLINE = "ami: {secret: s}\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def only_issue(load, path: Path):
    with pytest.raises(ConfigError) as info:
        load(path)
    [issue] = info.value.issues
    return issue


def test_a_queue_records_as_it_says_and_never_by_default(tmp_path: Path) -> None:
    queues, _ = load_acd(write(tmp_path, "acd.yaml", ACD))
    assert (queues["billing"].record, queues["sales"].record) == ("always", "never")


def test_a_misspelt_record_mode_points_at_its_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "acd.yaml", ACD.replace("record: always", "record: allways"))
    issue = only_issue(load_acd, path)
    assert (issue.file, issue.line, issue.col) == (str(path), 5, 13)
    assert "never" in str(issue) and "on_demand" in str(issue) and "always" in str(issue)
    assert str(issue).startswith(f"{path}:5:13: ")


def test_a_campaign_records_never_by_default_and_checks_its_mode(tmp_path: Path) -> None:
    assert load_campaign(write(tmp_path, "c.yaml", CAMPAIGN)).record == "never"
    assert load_campaign(write(tmp_path, "c.yaml", CAMPAIGN + "record: on_demand\n")).record == "on_demand"
    path = write(tmp_path, "c.yaml", CAMPAIGN + "record: yes\n")
    issue = only_issue(load_campaign, path)
    assert (issue.line, issue.col) == (6, 9)


def test_recordings_default_to_asterisks_monitor_folder_on_the_same_filesystem(tmp_path: Path) -> None:
    r = load_config(write(tmp_path, "hotline.yaml", HOTLINE)).recordings
    assert (r.asterisk_dir, r.asterisk_root, r.format, r.retention_days) == (
        "/var/spool/asterisk/monitor/hotline", "", "wav", 90)
    assert r.engine_dir() == Path("/var/spool/asterisk/monitor/hotline")


def test_asterisk_in_a_chroot_writes_under_its_root_where_the_engine_reads(tmp_path: Path, monkeypatch) -> None:
    text = HOTLINE + "recordings: {asterisk_root: /srv/ast, asterisk_dir: /rec}\n"
    assert load_config(write(tmp_path, "hotline.yaml", text)).recordings.engine_dir() == Path("/srv/ast/rec")
    monkeypatch.setenv("HOTLINE_SANDBOX_DIR", "/tmp/box")
    text = HOTLINE + "recordings: {asterisk_root: sandbox}\n"
    assert load_config(write(tmp_path, "hotline.yaml", text)).recordings.engine_dir() == Path(
        "/tmp/box/var/spool/asterisk/monitor/hotline")
    text = HOTLINE + "recordings: {dir: /mnt/rec, asterisk_root: sandbox}\n"  # an explicit dir wins
    assert load_config(write(tmp_path, "hotline.yaml", text)).recordings.engine_dir() == Path("/mnt/rec")


def test_a_relative_asterisk_dir_is_refused_with_its_position(tmp_path: Path) -> None:
    path = write(tmp_path, "hotline.yaml", HOTLINE + "recordings:\n  asterisk_dir: var/rec\n")
    issue = only_issue(load_config, path)
    assert (issue.line, issue.col) == (3, 17) and "absolute" in str(issue)


def test_the_shipped_hotline_yaml_records_into_the_sandbox() -> None:
    r = load_config(Path(__file__).resolve().parents[2] / "config/hotline.yaml").recordings
    assert r.asterisk_root == "sandbox" and r.retention_days == 90
