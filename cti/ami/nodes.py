"""Several Asterisk servers under one engine (docs/nodes.md).

Theory of operation: every node is an Asterisk of its own with its own AMI link (`AmiClient`) and
its own dialplan calling the engine's one FastAGI server. Asterisk's ``systemname`` (asterisk.conf)
starts every uniqueid it makes (``pbx-b-1764600000.12``), so uniqueids never collide across nodes
and the node of a FastAGI call is read off its uniqueid; a call the engine originated (a dialer's
ChannelId, which Asterisk takes as is) is remembered with the node it was originated on. At most
one node may go without a systemname: plain uniqueids are its.

`Topology` is the pure part: which node a uniqueid belongs to, and how a caller on one node dials
an agent whose phone is on another. That goes over the trunk between them: the caller's node
dials ``PJSIP/hotline@<trunk to the agent's node>`` with a pre-dial handler
(``b(hotline-node-out^s^1(<interface>))``) that names the agent's own interface in an
``X-Hotline-Dial`` header; the agent's node rings that interface from ``[hotline-node-in]``
(asterisk-conf/extensions.conf). Answer, busy and no-answer come back through the trunk, so the
caller's Dial, the ACD and the CDR see them as on one node.

`AmiNodes` is the I/O shell the services talk to instead of one `AmiClient`: an action on an
existing channel goes to the node that has that channel (the registry knows, from which node's
events announced it); an Originate goes to the node asked for, else the first connected node in
config order (a dialer keeps dialling when one node is lost). The registry consumes each node's
events tagged with the node's name, and each node's link going down or up is reported to
listeners (the ACD stops offering calls to agents of a lost node).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cti.ami.client import AmiClient, AmiError, AmiNotConnected
from cti.ami.registry import CallRegistry

log = logging.getLogger("hotline.ami")
ORIGINATED_KEEP = 5000  # originated channel ids remembered with their node
TRUNK_EXTEN = "hotline"  # what the caller's node dials on the trunk ([hotline-node-in] answers it)


@dataclass(frozen=True)
class Node:
    name: str  # the engine's name for it (acd.yaml agents' `node:`, CDR asterisk_node)
    systemname: str  # asterisk.conf systemname; "" for the one node that has none
    trunk: str  # the PJSIP endpoint on the other nodes that reaches this one


class Topology:
    """The nodes, in config order; the first is the default (agents and calls without a node)."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        if not nodes:
            raise ValueError("at least one Asterisk node")
        self.nodes = tuple(nodes)
        self.by_name = {n.name: n for n in self.nodes}
        self.default = self.nodes[0].name
        self._prefixes = sorted(((n.systemname + "-", n.name) for n in self.nodes if n.systemname),
                                key=lambda p: len(p[0]), reverse=True)
        self._plain = next((n.name for n in self.nodes if not n.systemname), None)

    @property
    def several(self) -> bool:
        return len(self.nodes) > 1

    def node_of(self, uniqueid: str) -> str:
        """The node whose Asterisk made ``uniqueid`` (its systemname starts it)."""
        for prefix, name in self._prefixes:
            if uniqueid.startswith(prefix):
                return name
        return self._plain or self.default

    def normal(self, node: str) -> str:
        return node or self.default

    def dial(self, interface: str, agent_node: str, caller_node: str) -> tuple[str, str]:
        """(what the caller's Dial takes, Dial options to add) to ring ``interface`` on the agent's node."""
        agent_node, caller_node = self.normal(agent_node), self.normal(caller_node)
        if agent_node == caller_node or agent_node not in self.by_name:
            return interface, ""
        trunk = self.by_name[agent_node].trunk
        return f"PJSIP/{TRUNK_EXTEN}@{trunk}", f"b(hotline-node-out^s^1({interface}))"


class AmiNodes:
    """One AMI link per node behind the `AmiClient` action interface the services use."""

    def __init__(self, topology: Topology, clients: Mapping[str, AmiClient], registry: CallRegistry) -> None:
        self.topology, self.clients, self.registry = topology, dict(clients), registry
        self._originated: OrderedDict[str, str] = OrderedDict()  # channel id -> node
        self.on_link: list[Callable[[str, bool], None]] = []  # (node, up): a node's link changed
        for name, client in self.clients.items():
            client.on_link.append(lambda up, name=name: self._link(name, up))

    @property
    def default(self) -> AmiClient:
        return self.clients[self.topology.default]

    @property
    def connected(self) -> asyncio.Event:
        """The default node's link (the metrics and call records of a one-node engine read it)."""
        return self.default.connected

    def describe(self) -> str:
        """For the start-up log line: ``127.0.0.1:5038`` or ``pbx-a=127.0.0.1:5038, pbx-b=...``."""
        return ", ".join(f"{name}={c.host}:{c.port}" if name else f"{c.host}:{c.port}"
                         for name, c in self.clients.items())

    def links(self) -> dict[str, bool]:
        """Each node's AMI link: up or not (the metrics' hotline_asterisk_node_up)."""
        return {name: client.connected.is_set() for name, client in self.clients.items()}

    def up(self, node: str) -> bool:
        client = self.clients.get(self.topology.normal(node))
        return client is not None and client.connected.is_set()

    def node_of(self, uniqueid: str) -> str:
        """The node of a call: the registry's (which node announced it), the node the engine
        originated it on, else its uniqueid's systemname."""
        info = self.registry.get(uniqueid)
        if info is not None and info.node:
            return info.node
        return self._originated.get(uniqueid) or self.topology.node_of(uniqueid)

    def tasks(self) -> list[tuple[str, Any]]:
        """(task name, coroutine) pairs the engine runs: each link and each node's event consumer."""
        out = []
        for name, client in self.clients.items():
            suffix = "" if not self.topology.several else f"-{name}"
            out.append((f"ami-link{suffix}", client.run()))
            out.append((f"ami-events{suffix}", self.registry.consume(client.events, name)))
        return out

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.gather(*(c.wait_connected(timeout) for c in self.clients.values()))

    # -- actions -------------------------------------------------------------------------
    def client_for(self, channel: str) -> AmiClient:
        """The link of the node that has ``channel`` live (a one-node engine: its only link)."""
        if not self.topology.several:
            return self.default
        nodes = self.registry.nodes_of_channel(channel)
        if len(nodes) > 1:
            raise AmiError(f"channel {channel} is live on nodes {', '.join(sorted(nodes))}; not acting on it")
        node = next(iter(nodes), "") or self.topology.default
        return self.clients[node]

    async def action(self, fields: Mapping[str, Any], **kwargs):
        channel = fields.get("Channel")
        client = self.client_for(str(channel)) if channel and fields.get("Action") != "Originate" else self.default
        return await client.action(fields, **kwargs)

    async def originate(self, channel: str, *, node: str | None = None, **kwargs) -> str:
        """Originate on ``node``, else on the first connected node (config order)."""
        name = self.topology.normal(node or "") if node else self._first_up()
        client = self.clients[name]
        if kwargs.get("channel_id"):
            self._remember(kwargs["channel_id"], name)
        channel_id = await client.originate(channel, **kwargs)
        self._remember(channel_id, name)
        return channel_id

    async def hangup(self, channel: str, cause: int = 16) -> None:
        await self.client_for(channel).hangup(channel, cause)

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1) -> None:
        await self.client_for(channel).redirect(channel, context, exten, priority)

    async def setvar(self, channel: str, name: str, value: str) -> None:
        await self.client_for(channel).setvar(channel, name, value)

    async def atxfer(self, channel: str, context: str, exten: str) -> None:
        await self.client_for(channel).atxfer(channel, context, exten)

    # -- internals -----------------------------------------------------------------------
    def _first_up(self) -> str:
        for node in self.topology.nodes:
            if self.clients[node.name].connected.is_set():
                return node.name
        raise AmiNotConnected("no Asterisk node is connected")

    def _remember(self, channel_id: str, node: str) -> None:
        self._originated[channel_id] = node
        while len(self._originated) > ORIGINATED_KEEP:
            self._originated.popitem(last=False)

    def _link(self, node: str, up: bool) -> None:
        if self.topology.several:
            log.log(logging.INFO if up else logging.WARNING, "Asterisk node %s %s", node,
                    "connected" if up else "lost: its agents are offered no calls until it is back")
        for listener in self.on_link:
            listener(node, up)
