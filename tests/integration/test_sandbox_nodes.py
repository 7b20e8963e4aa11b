"""Two sandbox Asterisk nodes and the trunk between them (docs/nodes.md), with no engine running.

Node A is the usual sandbox (127.0.0.1, plain uniqueids); node B runs from the same chroot on
127.0.0.3 with systemname pbx-b. A call crosses the trunk the way the engine will place it: Dial
of PJSIP/hotline@hotline-node-<peer> with the pre-dial handler hotline-node-out naming the far
node's local interface; the far node's hotline-node-in rings that interface. Each node's own AMI
shows what happened on it.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest

from cti.ami import AmiClient
from cti.ami import events as ev
from cti.ops.sandbox import AMI_SECRET
from tests.support.until import until

NODE_HOST = {"a": "127.0.0.1", "b": "127.0.0.3"}
PEER = {"a": "pbx-b", "b": "pbx-a"}


class Watch:
    """Every event one node's AMI sends, kept in order while the test runs."""

    def __init__(self, client: AmiClient) -> None:
        self.client, self.seen = client, []

    async def consume(self) -> None:
        while True:
            self.seen.append(await self.client.events.get())

    def of(self, kind: type, channel_prefix: str = "", **fields) -> list:
        return [e for e in self.seen if isinstance(e, kind)
                and getattr(e, "dest_channel" if kind is ev.DialEnd else "channel").startswith(channel_prefix)
                and all(getattr(e, k) == v for k, v in fields.items())]


@asynccontextmanager
async def watching(node: str):
    client = AmiClient(NODE_HOST[node], 5038, "hotline", AMI_SECRET, reconnect_max=2.0)
    run = asyncio.create_task(client.run(), name=f"ami-node-{node}")
    await client.wait_connected(20)
    watch = Watch(client)
    consume = asyncio.create_task(watch.consume(), name=f"ami-node-{node}-events")
    try:
        yield watch
    finally:
        consume.cancel()
        await client.close()
        await asyncio.wait_for(run, 10)


async def dial_over_trunk(watch: Watch, node: str, interface: str) -> str:
    """On `node`, a caller (a Local channel into agent-talk, answered) runs Dial over the trunk to
    the peer node asking it to ring `interface`, as the engine's EXEC Dial will. Returns the
    caller's ChannelId."""
    dial = f"PJSIP/hotline@hotline-node-{PEER[node]},20,b(hotline-node-out^s^1({interface}))"
    return await watch.client.originate("Local/1098@agent-talk", application="Dial", data=dial)


@pytest.fixture
async def nodes(node_b):
    async with watching("a") as a, watching("b") as b:
        yield a, b


async def test_node_b_has_its_own_ami_systemname_and_prefixed_uniqueids(nodes, node_b):
    _, b = nodes
    settings = await b.client.action({"Action": "CoreSettings"})
    assert settings.get("SystemName") == "pbx-b"
    await b.client.action({"Action": "Originate", "Channel": "Local/1091@agent-sim", "Application": "Wait",
                           "Data": "1", "Async": "true"}, as_list=False)
    await until(lambda: len(b.of(ev.Newchannel, "Local/1091@agent-sim")) == 2, 10, message="both Local halves on B")
    assert all(e.uniqueid.startswith("pbx-b-") for e in b.of(ev.Newchannel, "Local/1091@agent-sim"))
    assert "127.0.0.3:5060" in node_b.cli("pjsip show transports")


@pytest.mark.parametrize("caller_node, agent_node", [("b", "a"), ("a", "b")])
async def test_a_call_crosses_the_trunk_and_rings_the_named_agent_on_the_other_node(nodes, caller_node, agent_node):
    watch = dict(zip("ab", nodes))
    caller, far = watch[caller_node], watch[agent_node]
    await dial_over_trunk(caller, caller_node, "Local/1092@agent-sim")
    trunk = f"PJSIP/hotline-node-{PEER[caller_node]}"
    await until(lambda: caller.of(ev.DialEnd, trunk, status="ANSWER"), 15, message=f"{caller_node}: trunk answered")
    await until(lambda: far.of(ev.DialEnd, "Local/1092@agent-sim", status="ANSWER"), 15,
                message=f"{agent_node}: agent-sim answered")
    incoming = far.of(ev.Newchannel, f"PJSIP/hotline-node-{PEER[agent_node]}")
    assert [(e.context, e.exten) for e in incoming] == [("hotline-node-in", "hotline")]
    assert far.of(ev.Newchannel, "Local/1092@agent-sim", context="agent-sim")
    prefix = {"a": "1", "b": "pbx-b-"}  # node A's uniqueids stay plain ("1764600000.12")
    assert all(e.uniqueid.startswith(prefix[agent_node]) for e in far.of(ev.Newchannel))
    # agent-sim hangs up after 4 s of talk: the whole call ends on both nodes, cleanly
    await until(lambda: far.of(ev.Hangup, f"PJSIP/hotline-node-{PEER[agent_node]}"), 15, message="far trunk leg ends")
    await until(lambda: caller.of(ev.Hangup, trunk), 15, message="near trunk leg ends")


async def test_a_header_that_is_no_plain_interface_is_refused_and_nobody_rings(nodes):
    a, b = nodes
    await dial_over_trunk(b, "b", "Local/1093@agent-sim&Local/1094@agent-sim")
    await until(lambda: a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b"), 15, message="A refuses the trunk call")
    assert [e.cause for e in a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b")] == [21]
    await until(lambda: b.of(ev.DialEnd, "PJSIP/hotline-node-pbx-a"), 15, message="B's Dial over the trunk ends")
    assert [e.status for e in b.of(ev.DialEnd, "PJSIP/hotline-node-pbx-a")] != ["ANSWER"]
    assert not a.of(ev.Newchannel, "Local/1093@agent-sim") and not a.of(ev.Newchannel, "Local/1094@agent-sim")


async def test_a_killed_node_b_comes_back_with_up(node_b):
    before = node_b.pid
    await asyncio.to_thread(node_b.kill)
    assert node_b.pid is None and not node_b.status().running
    status = await asyncio.to_thread(node_b.up)
    assert status.running and node_b.pid not in (None, before)
    async with watching("b") as b:
        settings = await b.client.action({"Action": "CoreSettings"})
    assert settings.get("SystemName") == "pbx-b"
