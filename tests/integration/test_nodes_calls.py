"""Two Asterisk servers under one engine (docs/nodes.md), with real calls: the sandbox's node A
(127.0.0.1, no systemname) and node B (127.0.0.3, systemname pbx-b), joined by a PJSIP trunk.
SIPp callers press 0 for an agent; agents are Local channels into a node's simulated-agent contexts
(agent-sim talks 4 s and hangs up; agent-talk stays on until the caller leaves)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from cti.ami import AmiClient
from cti.ami import events as ev
from cti.ops.sandbox import AMI_SECRET
from cti.store import fetch_cdrs, fetch_queue_log
from tests.integration.conftest import engine_config, start_engine, stop_engine
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, HangUp, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
NODE_A, NODE_B = "127.0.0.1", "127.0.0.3"
PRESS_0 = [Pause(1500), Dtmf("0")]
ACD = """
skills: [billing, complaints, vip]
agents:
  - {id: "1001", name: Alice on A, interface: Local/1001@AGENTS_A, node: pbx-a, skills: {billing: 5}}
  - {id: "1003", name: Carol on B, interface: Local/1003@AGENTS_B, node: pbx-b, skills: {billing: 5}}
  - {id: "1004", name: Dana on A, interface: Local/1004@agent-sim, node: pbx-a, skills: {billing: 5}}
queues:
  billing: {skills: {billing: 1}, ring_timeout_s: 8, wrapup_s: 1, max_wait_s: 120, when_nobody: wait,
            announce: {every_s: 60}}
  complaints: {skills: {complaints: 1}}  # named by the main flow; nobody staffs them here
  vip: {skills: {vip: 1}}
"""


async def two_node_engine(tmp_path, agents_a: str = "agent-sim", agents_b: str = "agent-sim"):
    acd = tmp_path / "acd.yaml"
    acd.write_text(ACD.replace("AGENTS_A", agents_a).replace("AGENTS_B", agents_b))
    path = engine_config(tmp_path, acd=str(acd))
    config = json.loads(path.read_text())
    config["asterisk"] = [{"name": "pbx-a", "systemname": "", "host": NODE_A},
                          {"name": "pbx-b", "host": NODE_B}]
    path.write_text(json.dumps(config, indent=2))
    running = await start_engine(path)
    await running.engine.nodes.wait_connected(20)
    return running


def agent(running, agent_id: str, *commands: str) -> None:
    for command in commands:
        reply = running.engine.commands.execute({"cmd": f"agent.{command}", "agent": agent_id,
                                                 "reason": "break" if command == "pause" else ""})
        assert reply["ok"], reply


class Observer:
    """Our own AMI link to one node: which agent-simulator channels Asterisk created there."""

    def __init__(self, host: str) -> None:
        self.client = AmiClient(host, 5038, "hotline", AMI_SECRET, reconnect_max=2.0)
        self.channels: list[str] = []
        self.hangups: dict[str, float] = {}  # channel -> when (monotonic) Asterisk hung it up

    async def __aenter__(self) -> Observer:
        self._tasks = [asyncio.create_task(self.client.run()), asyncio.create_task(self._watch())]
        await self.client.wait_connected(20)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.close()
        for task in self._tasks:
            task.cancel()

    async def _watch(self) -> None:
        while True:
            event = await self.client.events.get()
            if isinstance(event, ev.Newchannel):
                self.channels.append(event.channel)
            elif isinstance(event, ev.Hangup):
                self.hangups.setdefault(event.channel, time.monotonic())

    def rang(self, agent_id: str) -> bool:
        return any(c.startswith(f"Local/{agent_id}@") for c in self.channels)


async def test_a_caller_on_node_b_is_answered_by_an_agent_on_node_a_when_none_is_free_on_his_own(
        node_b, tmp_path) -> None:
    running = await two_node_engine(tmp_path)
    try:
        agent(running, "1001", "login", "ready")  # longest idle: the pick on one node
        agent(running, "1003", "login", "ready")
        async with Observer(NODE_A) as on_a, Observer(NODE_B) as on_b:
            # 1. both ready: the caller on B gets Carol, on B, though Alice has waited longer
            first = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(40000)], caller="5552001", target=f"{NODE_B}:5060")
            assert first.ok, first.stderr
            row = await running.cdr(caller="5552001")
            assert (row.asterisk_node, row.agent, row.disposition) == ("pbx-b", "1003", "completed")
            assert row.call_id.startswith("pbx-b-")
            assert on_b.rang("1003") and not on_a.rang("1001")

            # 2. Carol paused: the caller on B gets Alice on A, over the trunk
            await until(lambda: str(running.engine.acd.router.agent("1003").state) == "ready", 15,
                        message="Carol back from wrap-up")
            agent(running, "1003", "pause")
            second = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(40000)], caller="5552002",
                                     target=f"{NODE_B}:5060")
            assert second.ok, second.stderr
            row = await running.cdr(caller="5552002")
            assert (row.asterisk_node, row.queue, row.agent, row.disposition) == ("pbx-b", "billing", "1001",
                                                                                 "completed")
            assert 3.0 <= row.talk_s <= 8.0  # agent-sim on A talks 4 s; its hang-up came back over the trunk
            assert on_a.rang("1001")  # Alice's phone rang on node A...
            assert any(c.startswith("PJSIP/hotline-node-pbx-a-") for c in on_b.channels)  # ...reached over the trunk
        await running.engine.cdrs.flush(5)
        log = await fetch_queue_log(running.engine.db, call_id=row.call_id)
        assert [(r.event, r.agent_id) for r in log] == [("enqueue", None), ("offer", "1001"), ("answer", "1001")]
    finally:
        await stop_engine(running)


async def test_losing_node_b_mid_call_loses_only_its_calls_while_node_a_goes_on(node_b, tmp_path) -> None:
    running = await two_node_engine(tmp_path, agents_a="agent-talk", agents_b="agent-talk")
    engine = running.engine
    try:
        agent(running, "1001", "login", "ready")
        agent(running, "1003", "login", "ready")
        async with Observer(NODE_A) as on_a:
            # caller X on A talks to Alice on A; caller Y on B talks to Carol on B (each his node's agent)
            x = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, Pause(20000), HangUp()], caller="5553001"))
            y = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, Pause(20000), HangUp()], caller="5553002",
                                              target=f"{NODE_B}:5060", timeout_s=40))
            await until(lambda: str(engine.acd.router.agent("1001").state) == "on_call"
                        and str(engine.acd.router.agent("1003").state) == "on_call", 20,
                        message="both callers talking to their node's agent")
            node_b.kill()
            killed_at = time.monotonic()

            # node B's call ends in the engine (its FastAGI socket closed), with its record
            lost = await running.cdr(caller="5553002", timeout=20)
            assert (lost.asterisk_node, lost.agent) == ("pbx-b", "1003"), lost
            assert lost.disposition == "caller_hangup"  # its channel went with node B, mid-talk
            await until(lambda: not engine.nodes.up("pbx-b"), 30, message="the engine saw node B's AMI link go")
            assert engine.acd.router.lost_nodes == {"pbx-b"} and engine.nodes.up("pbx-a")

            # node A: the call in progress goes on to its own end, and a new call is served
            agent(running, "1004", "login", "ready")
            new = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(40000)], caller="5553003")
            assert new.ok, new.stderr
            served = await running.cdr(caller="5553003")
            assert (served.asterisk_node, served.agent, served.disposition) == ("pbx-a", "1004", "completed")
            result = await x
            assert result.ok, result.stderr  # X hung up as planned: the call stayed up through B's death
            kept = await running.cdr(caller="5553001")
            assert (kept.asterisk_node, kept.agent, kept.disposition) == ("pbx-a", "1001", "caller_hangup")  # as planned
            x_channel_end = [t for c, t in on_a.hangups.items() if c.startswith("Local/1001@")]
            assert x_channel_end and min(x_channel_end) - killed_at > 5.0, "Alice's leg outlived node B"
            assert kept.talk_s >= 15.0  # timed from the agent's answer to the caller's hang-up
        y.cancel()  # Y's caller still talks to the dead node B: SIPp cannot end it cleanly
        await asyncio.gather(y, return_exceptions=True)
        rows = await fetch_cdrs(engine.db)
        assert {r.caller for r in rows} == {"5553001", "5553002", "5553003"}
    finally:
        await stop_engine(running)
        assert node_b.up().running  # back for whoever comes next
