"""`hotline asterisk check` against the sandbox's real config files, and a broken copy of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cti.ops.asterisk_check import check
from cti.cli.main import main
from cti.app.config import HotlineConfig

pytestmark = pytest.mark.integration


def test_sandbox_configs_pass_every_check(sandbox):
    findings = check(sandbox.root / "etc/asterisk", HotlineConfig.default())
    assert [str(f) for f in findings if not f.ok] == []
    assert len(findings) == 11


def test_overprivileged_user_and_missing_fallback_are_reported(sandbox, tmp_path, capsys):
    etc = tmp_path / "etc"
    shutil.copytree(sandbox.root / "etc/asterisk", etc, ignore=shutil.ignore_patterns("*.d"))
    manager = (etc / "manager.conf").read_text().replace("write = call,originate,reporting", "write = call,originate,system")
    (etc / "manager.conf").write_text(manager)
    dialplan = (etc / "extensions.conf").read_text().replace("HOTLINE_DONE", "SOMETHING_ELSE")
    dialplan = dialplan.replace("[hotline-spy]", "[renamed-spy]")
    (etc / "extensions.conf").write_text(dialplan.replace("[hotline-consult]", "[renamed-consult]"))
    (etc / "features.conf").write_text("[featuremap]\nblindxfer => #\n")

    code = main(["asterisk", "check", "--etc", str(etc), "-c", str(Path(__file__).parents[2] / "config/hotline.yaml")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "remove system from write" in out
    assert "falls back unless the engine set HOTLINE_DONE" in out
    assert "FAIL" in out.split("[hotline-consult]")[0].splitlines()[-1]
    assert "FAIL" in out.split("[hotline-spy] runs ChanSpy")[0].splitlines()[-1]
    assert "attended transfer feature code: none; set atxfer => *2" in out
