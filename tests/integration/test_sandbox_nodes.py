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
from tests.support import sipp
from tests.support.sipp import HangUp, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration

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


async def dial_over_trunk(watch: Watch, node: str, interface: str, caller: str) -> str:
    """On `node`, a caller (a Local channel into agent-talk, answered; its number, `caller`, tells
    this test's trunk legs from any other) runs Dial over the trunk to the peer node asking it to
    ring `interface`, as the engine's EXEC Dial will. Returns the caller's ChannelId."""
    dial = f"PJSIP/hotline@hotline-node-{PEER[node]},20,b(hotline-node-out^s^1({interface}))"
    return await watch.client.originate(f"Local/{caller}@agent-talk", application="Dial", data=dial, caller_id=caller)


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


async def test_a_sip_caller_from_127_0_0_2_lands_in_node_bs_hotline_context(nodes, tmp_path):
    """No engine runs here: node B hands the call to FastAGI, finds nobody, and falls back, as node A does."""
    _, b = nodes
    result = await sipp.call(tmp_path, [Pause(2500), HangUp()], caller="5551077", target="127.0.0.3:5060")
    assert result.ok, result.stderr
    arrived = b.of(ev.Newchannel, "PJSIP/caller-")
    assert [(e.context, e.exten) for e in arrived if e.uniqueid.startswith("pbx-b-")] == [("hotline", "10000")]
    await until(lambda: [e for e in b.seen if isinstance(e, ev.UserEvent) and e.name == "HotlineFallback"], 10,
                message="node B's fallback user event")


@pytest.mark.parametrize("caller_node, agent_node", [("b", "a"), ("a", "b")])
async def test_a_call_crosses_the_trunk_and_rings_the_named_agent_on_the_other_node(nodes, caller_node, agent_node):
    watch = dict(zip("ab", nodes))
    caller, far = watch[caller_node], watch[agent_node]
    number, agent = {"b": ("1097", "Local/1081@agent-sim"), "a": ("1099", "Local/1082@agent-sim")}[caller_node]
    chan = await dial_over_trunk(caller, caller_node, agent, number)
    trunk, trunk_in = f"PJSIP/hotline-node-{PEER[caller_node]}", f"PJSIP/hotline-node-{PEER[agent_node]}"
    await until(lambda: caller.of(ev.DialEnd, trunk, status="ANSWER", uniqueid=chan), 15,
                message=f"{caller_node}: trunk answered")
    await until(lambda: far.of(ev.DialEnd, agent, status="ANSWER"), 15, message=f"{agent_node}: agent-sim answered")
    trunk_in_id = far.of(ev.DialEnd, agent)[0].uniqueid
    incoming = far.of(ev.Newchannel, trunk_in, uniqueid=trunk_in_id)
    assert [(e.context, e.exten) for e in incoming] == [("hotline-node-in", "hotline")]
    assert far.of(ev.Newchannel, agent, context="agent-sim")
    prefix = {"a": "1", "b": "pbx-b-"}  # node A's uniqueids stay plain ("1764600000.12")
    assert all(e.uniqueid.startswith(prefix[agent_node]) for e in far.of(ev.Newchannel))
    # agent-sim hangs up after 4 s of talk: the whole call ends on both nodes, cleanly
    await until(lambda: far.of(ev.Hangup, trunk_in, uniqueid=trunk_in_id), 15, message="far trunk leg ends")
    await until(lambda: caller.of(ev.Hangup, trunk, uniqueid=caller.of(ev.DialEnd, trunk, uniqueid=chan)[0].dest_uniqueid), 15,
                message="near trunk leg ends")


async def test_a_header_that_is_no_plain_interface_is_refused_and_nobody_rings(nodes):
    a, b = nodes
    chan = await dial_over_trunk(b, "b", "Local/1093@agent-sim&Local/1094@agent-sim", "1095")
    await until(lambda: a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b", caller="1095"), 15, message="A refuses the call")
    assert [e.cause for e in a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b", caller="1095")] == [21]
    await until(lambda: b.of(ev.DialEnd, "PJSIP/hotline-node-pbx-a", uniqueid=chan), 15,
                message="B's Dial over the trunk ends")
    assert [e.status for e in b.of(ev.DialEnd, "PJSIP/hotline-node-pbx-a", uniqueid=chan)] == ["NOANSWER"]
    assert not a.of(ev.Newchannel, "Local/1093@agent-sim") and not a.of(ev.Newchannel, "Local/1094@agent-sim")


async def test_a_silent_trunk_call_outlives_rtp_timeout_and_a_killed_node_ends_it_then_comes_back(nodes, node_b):
    """rtp_timeout = 10 ends a leg to a dead peer; rtp_keepalive keeps a healthy silent one (both
    sides here are Local channels in Wait(), which send no audio) alive past those 10 s."""
    a, b = nodes
    loop = asyncio.get_running_loop()
    await dial_over_trunk(b, "b", "Local/1096@agent-talk", "1094")  # agent-talk stays 60 s on the line
    await until(lambda: a.of(ev.DialEnd, "Local/1096@agent-talk", status="ANSWER"), 15, message="A: agent answered")
    answered = loop.time()
    await until(lambda: loop.time() - answered > 13 or a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b", caller="1094"),
                20, message="13 s of a silent call")
    assert not a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b", caller="1094"), "a healthy silent trunk call was cut"
    before = node_b.pid
    await asyncio.to_thread(node_b.kill)
    killed = loop.time()
    assert node_b.pid is None and not node_b.status().running
    await until(lambda: a.of(ev.Hangup, "PJSIP/hotline-node-pbx-b", caller="1094"), 20,
                message="A ends the leg to the dead node")
    lost_after = loop.time() - killed
    assert 6 < lost_after < 15, f"the dead peer's leg ended {lost_after:.1f} s after the kill (rtp_timeout 10 s)"
    await until(lambda: a.of(ev.Hangup, "Local/1096@agent-talk"), 5, message="A hangs up the agent's leg too")
    status = await asyncio.to_thread(node_b.up)
    assert status.running and node_b.pid not in (None, before)
    async with watching("b") as back:
        settings = await back.client.action({"Action": "CoreSettings"})
    assert settings.get("SystemName") == "pbx-b"
