"""Several Asterisk nodes under one engine (cti.ami.nodes, docs/nodes.md): which node a call is on,
how a caller on one node dials an agent on another, where actions go, and the config's checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acd.config import load_acd_config
from cti.ami import AmiClient, AmiNotConnected
from cti.ami import events as ev
from cti.ami.nodes import AmiNodes, Node, Topology
from cti.ami.registry import CallRegistry
from cti.app.asterisk_nodes import agent_node_issues, make_nodes
from cti.app.config import load_config
from common.yamlconf import ConfigError

A, B = Node("pbx-a", "", "hotline-node-pbx-a"), Node("pbx-b", "pbx-b", "hotline-node-pbx-b")


def seen(uniqueid: str, channel: str) -> ev.ChannelSeen:
    return ev.ChannelSeen(uniqueid=uniqueid, linkedid=uniqueid, channel=channel, caller="", caller_name="",
                          exten="", context="", state="Up")


# ---------------------------------------------------------------- topology (pure)


def test_a_uniqueid_belongs_to_the_node_whose_systemname_starts_it() -> None:
    topology = Topology([A, B, Node("pbx", "pbx", "t")])
    assert topology.node_of("pbx-b-1764600000.12") == "pbx-b"  # longest systemname first
    assert topology.node_of("pbx-1764600000.12") == "pbx"
    assert topology.node_of("1764600000.12") == "pbx-a"  # the one node without a systemname


def test_without_a_plain_node_an_unknown_uniqueid_is_the_first_nodes() -> None:
    topology = Topology([Node("x", "x", "t"), Node("y", "y", "u")])
    assert topology.node_of("0b1c2d3e") == "x"


def test_an_agent_on_the_callers_node_is_dialled_directly_and_one_elsewhere_over_the_trunk() -> None:
    topology = Topology([A, B])
    assert topology.dial("Local/1001@agent-sim", "pbx-a", "pbx-a") == ("Local/1001@agent-sim", "")
    assert topology.dial("PJSIP/1001", "", "pbx-a") == ("PJSIP/1001", "")  # "": the first node
    assert topology.dial("PJSIP/1001", "pbx-a", "pbx-b") == (
        "PJSIP/hotline@hotline-node-pbx-a", "b(hotline-node-out^s^1(PJSIP/1001))")
    assert topology.dial("PJSIP/1002", "pbx-b", "") == (
        "PJSIP/hotline@hotline-node-pbx-b", "b(hotline-node-out^s^1(PJSIP/1002))")


def test_one_node_dials_every_agent_directly() -> None:
    topology = Topology([Node("", "", "")])
    assert not topology.several
    assert topology.dial("PJSIP/1001", "", "") == ("PJSIP/1001", "")


# ---------------------------------------------------------------- AmiNodes (no servers: routing only)


class Recorded(AmiClient):
    """An AmiClient whose actions are recorded instead of sent."""

    def __init__(self, name: str, up: bool = True) -> None:
        super().__init__("127.0.0.1", 1, "u", "s")
        self.name, self.sent = name, []
        if up:
            self.connected.set()

    async def action(self, fields, **kwargs):
        self.sent.append(dict(fields))
        return None


def two_nodes(a_up: bool = True) -> tuple[AmiNodes, Recorded, Recorded, CallRegistry]:
    registry = CallRegistry()
    a, b = Recorded("a", a_up), Recorded("b")
    return AmiNodes(Topology([A, B]), {"pbx-a": a, "pbx-b": b}, registry), a, b, registry


async def test_an_action_on_a_channel_goes_to_the_node_whose_events_announced_it() -> None:
    nodes, a, b, registry = two_nodes()
    registry.apply(seen("pbx-b-1.1", "PJSIP/caller-00000001"), "pbx-b")
    registry.apply(seen("1.2", "PJSIP/1001-00000002"), "pbx-a")
    await nodes.hangup("PJSIP/caller-00000001")
    await nodes.action({"Action": "MixMonitorMute", "Channel": "PJSIP/1001-00000002"})
    assert [m["Action"] for m in b.sent] == ["Hangup"] and [m["Action"] for m in a.sent] == ["MixMonitorMute"]
    assert nodes.node_of("pbx-b-1.1") == "pbx-b" and registry.get("1.2").node == "pbx-a"


async def test_a_channel_name_live_on_two_nodes_is_not_guessed() -> None:
    nodes, a, b, registry = two_nodes()
    registry.apply(seen("pbx-b-1.1", "PJSIP/1001-00000001"), "pbx-b")
    registry.apply(seen("1.1", "PJSIP/1001-00000001"), "pbx-a")
    with pytest.raises(Exception, match="live on nodes pbx-a, pbx-b"):
        await nodes.hangup("PJSIP/1001-00000001")
    assert a.sent == b.sent == []


async def test_an_originate_goes_to_the_node_asked_for_else_the_first_connected_and_is_remembered() -> None:
    nodes, a, b, _ = two_nodes(a_up=False)
    await nodes.originate("PJSIP/555@trunk", context="hotline-outbound", exten="s", channel_id="att1")
    assert [m["Action"] for m in b.sent] == ["Originate"] and a.sent == []  # pbx-a is down
    assert nodes.node_of("att1") == "pbx-b"  # the dialer's ChannelId has no systemname in it
    a.connected.set()
    await nodes.originate("PJSIP/2001", node="pbx-a", context="hotline-spy", exten="listen", channel_id="s1")
    assert [m["Action"] for m in a.sent] == ["Originate"]
    b.connected.clear()
    a.connected.clear()
    with pytest.raises(AmiNotConnected):
        await nodes.originate("PJSIP/555@trunk", context="c", exten="s")


def test_a_resync_closes_only_the_lost_channels_of_the_node_that_listed_its_own() -> None:
    registry = CallRegistry()
    registry.apply(seen("pbx-b-1.1", "PJSIP/caller-1"), "pbx-b")
    registry.apply(seen("1.1", "PJSIP/caller-1"), "pbx-a")
    registry.apply(ev.ChannelsListed(uniqueids=frozenset()), "pbx-b")  # pbx-b restarted: its call is gone
    assert registry.get("pbx-b-1.1").ended_at is not None
    assert registry.get("1.1").ended_at is None


async def test_a_nodes_link_going_down_and_up_is_reported_with_the_node() -> None:
    nodes, a, b, _ = two_nodes()
    changes: list[tuple[str, bool]] = []
    nodes.on_link.append(lambda node, up: changes.append((node, up)))
    b._announce(False)
    b._announce(True)
    assert changes == [("pbx-b", False), ("pbx-b", True)]


# ---------------------------------------------------------------- configuration


def task_names(nodes: AmiNodes) -> list[str]:
    out = []
    for name, coro in nodes.tasks():
        coro.close()  # not run here
        out.append(name)
    return out


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


NODES = [{"name": "pbx-a", "systemname": "", "host": "127.0.0.1"}, {"name": "pbx-b", "host": "127.0.0.3"}]


def test_nodes_from_hotline_yaml_get_the_ami_sections_user_and_their_own_address(tmp_path) -> None:
    config = load_config(write(tmp_path, "hotline.yaml", {"ami": {"secret": "x", "username": "eng"},
                                                          "asterisk": NODES}))
    nodes = make_nodes(config, CallRegistry())
    assert [(n.name, n.systemname, n.trunk) for n in nodes.topology.nodes] == [
        ("pbx-a", "", "hotline-node-pbx-a"), ("pbx-b", "pbx-b", "hotline-node-pbx-b")]
    b = nodes.clients["pbx-b"]
    assert (b.host, b.port, b.username, b.secret) == ("127.0.0.3", 5038, "eng", "x")
    assert task_names(nodes) == [
        "ami-link-pbx-a", "ami-events-pbx-a", "ami-link-pbx-b", "ami-events-pbx-b"]


def test_without_an_asterisk_list_the_engine_has_the_one_node_of_the_ami_section(tmp_path) -> None:
    config = load_config(write(tmp_path, "hotline.yaml", {"ami": {"secret": "x", "port": 5039}}))
    nodes = make_nodes(config, CallRegistry())
    assert not nodes.topology.several and nodes.default.port == 5039
    assert task_names(nodes) == ["ami-link", "ami-events"]


@pytest.mark.parametrize("second, what", [
    ({"name": "pbx-a", "host": "127.0.0.3"}, "name 'pbx-a'"),
    ({"name": "pbx-b", "systemname": "", "host": "127.0.0.3"}, "systemname ''"),
    ({"name": "pbx-b", "host": "127.0.0.1"}, "AMI address '127.0.0.1:5038'"),
])
def test_two_nodes_that_cannot_be_told_apart_are_a_config_error(tmp_path, second, what) -> None:
    path = write(tmp_path, "hotline.yaml", {"ami": {"secret": "x"}, "asterisk": [NODES[0], second]})
    with pytest.raises(ConfigError, match=f"same {what}"):
        load_config(path)


def test_an_agent_on_an_unknown_node_is_reported_with_its_line_and_a_suggestion(tmp_path) -> None:
    acd = tmp_path / "acd.yaml"
    acd.write_text("skills: [billing]\nagents:\n  - id: '1001'\n    name: A\n    interface: PJSIP/1001\n"
                   "    node: pbx-c\n  - id: '1002'\n    name: B\n    interface: PJSIP/1002\n    node: pbx-b\n")
    issues = agent_node_issues(load_acd_config(acd), acd, Topology([A, B]))
    assert [(i.line, i.message) for i in issues] == [(6, "agent 1001: unknown Asterisk node 'pbx-c'")]
    assert "did you mean 'pbx-a'" in issues[0].hint or "did you mean 'pbx-b'" in issues[0].hint
    one = agent_node_issues(load_acd_config(acd), acd, Topology([Node("", "", "")]))
    assert len(one) == 2 and "no asterisk: list" in one[0].hint


def test_the_metrics_show_each_nodes_link() -> None:
    from cti.services.metrics import EngineMetrics

    class NoAcd:
        def queue_names(self):
            return []

        def agents(self):
            return []
    nodes, a, b, _ = two_nodes()
    b.connected.clear()
    text = EngineMetrics(NoAcd(), ami=nodes).render()[0].decode()
    assert 'hotline_asterisk_node_up{node="pbx-a"} 1.0' in text
    assert 'hotline_asterisk_node_up{node="pbx-b"} 0.0' in text
