"""Hot reload of acd.yaml through the real loader and router (files in tmp, mtimes set explicitly)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from acd.config import load_acd
from cti.services.acd_reload import AcdConfigWatcher
from acd.router import Router
from cti.services.acd import AcdService
from tests.support.sinks import RecordingSink

SHIPPED = Path(__file__).resolve().parents[2] / "config/acd.yaml"


def _touch(path: Path, text: str, tick: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(tick * 10**9, tick * 10**9))


def _setup(tmp_path: Path) -> tuple[Path, AcdService, AcdConfigWatcher, list]:
    path = tmp_path / "acd.yaml"
    shutil.copy(SHIPPED, path)
    os.utime(path, ns=(10**9, 10**9))
    acd = AcdService(Router(*load_acd(path)), RecordingSink(), clock=lambda: 100.0)
    seen: list = []
    return path, acd, AcdConfigWatcher(path, acd, seen.append), seen


def test_valid_change_applies_and_keeps_logged_in_agents(tmp_path):
    path, acd, watcher, seen = _setup(tmp_path)
    first = acd.agents()[0].id
    acd.agent_command(first, "login")
    assert not any(acd.queue(q).wrapup_s == 25 for q in acd.queue_names())
    _touch(path, path.read_text().replace("wrapup_s: 10", "wrapup_s: 25", 1), 2)
    assert watcher.check() is True
    assert seen == [[]]
    assert any(acd.queue(q).wrapup_s == 25 for q in acd.queue_names())
    assert str(acd.agent(first).state) == "ready"


def test_invalid_change_is_rejected_with_issues_and_the_old_config_keeps_serving(tmp_path):
    path, acd, watcher, seen = _setup(tmp_path)
    queues_before = set(acd.queue_names())
    _touch(path, path.read_text().replace("queues:", "queuez:", 1), 3)
    assert watcher.check() is False
    assert seen and seen[0] and "queuez" in str(seen[0][0])
    assert set(acd.queue_names()) == queues_before
    assert watcher.check() is False  # unchanged file: not re-reported


def test_supervisors_reload_with_the_acd_and_a_bad_one_keeps_the_old_scopes(tmp_path):
    from acd.supervisor_config import to_supervisors

    path, acd, watcher, _ = _setup(tmp_path)
    scopes: list[dict] = []
    watcher.on_config.append(lambda config: scopes.append(to_supervisors(config.supervisors)))
    _touch(path, path.read_text().replace("queues: [billing, vip]", "queues: [billing]", 1), 2)
    assert watcher.check() is True
    assert scopes[-1]["sup1"].queues == ("billing",)
    _touch(path, path.read_text().replace("queues: [billing]", "queues: [biling]", 1), 3)
    assert watcher.check() is False and len(scopes) == 1  # rejected: nobody told, the old scopes stay


def test_an_agent_moved_to_an_unknown_asterisk_node_is_rejected_and_one_moved_to_a_known_node_applies(tmp_path):
    from cti.ami.nodes import Node, Topology
    from cti.app.asterisk_nodes import agent_node_issues

    path, acd, watcher, seen = _setup(tmp_path)
    topology = Topology([Node("pbx-a", "", "hotline-node-pbx-a"), Node("pbx-b", "pbx-b", "hotline-node-pbx-b")])
    watcher.checks.append(lambda config, file: agent_node_issues(config, file, topology))
    text = path.read_text()
    _touch(path, text.replace("    interface: PJSIP/1001\n", "    interface: PJSIP/1001\n    node: pbx-c\n", 1), 2)
    assert watcher.check() is False
    assert "unknown Asterisk node 'pbx-c'" in str(seen[0][0]) and acd.agent("1001").node == ""
    _touch(path, text.replace("    interface: PJSIP/1001\n", "    interface: PJSIP/1001\n    node: pbx-b\n", 1), 3)
    assert watcher.check() is True
    assert acd.agent("1001").node == "pbx-b"
