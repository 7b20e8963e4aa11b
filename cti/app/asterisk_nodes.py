"""The engine's Asterisk nodes from ``hotline.yaml`` (docs/nodes.md): one AMI link per node of
``asterisk:``, or the single node of ``ami:`` when that list is empty; and the check that every
agent's ``node:`` in acd.yaml names one of them."""

from __future__ import annotations

from pathlib import Path

from acd.config import AcdConfig
from cti.ami import AmiClient
from cti.ami.nodes import AmiNodes, Node, Topology
from cti.ami.registry import CallRegistry
from cti.app.config import HotlineConfig
from common.configissues import did_you_mean
from common.yamlconf import ConfigIssue, Position, load_yaml_with_marks


def make_nodes(config: HotlineConfig, registry: CallRegistry) -> AmiNodes:
    a = config.ami

    def client(host: str, port: int, username: str | None = None, secret: str | None = None) -> AmiClient:
        return AmiClient(host, port, username or a.username, secret or a.secret, connect_timeout=a.connect_timeout,
                         action_timeout=a.action_timeout, ping_interval=a.ping_interval,
                         reconnect_min=a.reconnect_min, reconnect_max=a.reconnect_max)
    if not config.asterisk:
        return AmiNodes(Topology([Node("", "", "")]), {"": client(a.host, a.port)}, registry)
    nodes = [Node(n.name, n.system_name(), n.trunk_endpoint()) for n in config.asterisk]
    clients = {n.name: client(n.host, n.port, n.username, n.secret) for n in config.asterisk}
    return AmiNodes(Topology(nodes), clients, registry)


def agent_node_issues(acd: AcdConfig, path: Path, topology: Topology) -> list[ConfigIssue]:
    """An agent whose ``node:`` is not a node of hotline.yaml ``asterisk:`` (file:line, did-you-mean)."""
    known = [n.name for n in topology.nodes if n.name]
    wrong = [(i, a) for i, a in enumerate(acd.agents) if a.node and a.node not in known]
    if not wrong:
        return []
    _, marks = load_yaml_with_marks(path)
    issues = []
    for i, agent in wrong:
        mark = marks.get(("agents", i, "node"))
        pos = mark.value if mark else Position(1, 1)
        near = did_you_mean(agent.node, known)
        hint = (f"did you mean {near!r}? " if near else "") + (
            f"the nodes are {', '.join(known)} (hotline.yaml asterisk:)" if known else
            "hotline.yaml has no asterisk: list of nodes; remove node: or add the nodes (docs/nodes.md)")
        issues.append(ConfigIssue(str(path), pos.line, pos.col, f"agent {agent.id}: unknown Asterisk node "
                                  f"{agent.node!r}", hint))
    return issues
