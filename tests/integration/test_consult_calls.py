"""Consult (attended) transfers with real calls: a SIPp caller presses 0 for billing, agent Dave
consults the faults queue, colleague Erin answers; Dave completes (the caller is Erin's, with his
context) or cancels (the caller is Dave's again). What is bridged to what is asked of Asterisk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cti.store import fetch_queue_log
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd_consult.yaml"
GOLD = "5559001"  # seeded demo customer Li Wei (ivr/customers.py)
CALL_IN = [Pause(1500), Dtmf("0"), AwaitHangup(60000)]


@pytest.fixture
async def hotline(sandbox, engine_factory):
    running = await engine_factory(acd=str(ACD_YAML))
    events: dict[str, list[dict]] = {"queue": [], "consult": []}
    running.engine.acd.notifier.listeners.append(lambda kind, payload: events.get(kind, []).append(payload))
    running.queue_events, running.consult_events = events["queue"], events["consult"]
    return running


def command(hotline, cmd: str, agent_id: str, **fields) -> dict:
    return hotline.engine.commands.execute({"cmd": f"agent.{cmd}", "agent": agent_id, **fields})


def state(hotline, agent_id: str) -> str:
    return str(hotline.engine.acd.router.agent(agent_id).state)


async def bridge_of(hotline, channel: str) -> set[str]:
    """The channels Asterisk has in the same bridge as `channel` (empty when it is in none)."""
    listing = await hotline.engine.ami.action({"Action": "CoreShowChannels"}, as_list=True)
    bridges = {m.get("Channel"): m.get("BridgeId") for m in listing if m.get("Event") == "CoreShowChannel"}
    bridge = bridges.get(channel)
    return {name for name, b in bridges.items() if bridge and b == bridge and name != channel}


async def consulting(hotline, tmp_path, **whom) -> tuple[asyncio.Task, str, str]:
    """A caller talking to Dave, who consults faults (or `whom`); returns (caller's SIPp, call id,
    his channel)."""
    for agent_id in ("1004", "1005"):
        assert command(hotline, "login", agent_id)["ok"]
    caller = asyncio.create_task(sipp.call(tmp_path, CALL_IN, caller=GOLD))
    await talking(hotline, caller)
    call_id = hotline.engine.acd.last_call["1004"].id
    started = command(hotline, "consult", "1004", **(whom or {"target": "faults"}))
    assert started["ok"] and started["state"] == "dialing", started
    await until(lambda: getattr(hotline.engine.consults.of_agent("1004"), "state", "") == "talking", 20,
                message="Erin answered Dave's consult")
    assert state(hotline, "1005") == "on_call"
    return caller, call_id, hotline.engine.registry.get(call_id).channel


async def talking(hotline, caller: asyncio.Task) -> None:
    await until(lambda: state(hotline, "1004") == "on_call" or caller.done(), 20, message="Dave talking to the caller")
    assert not caller.done(), f"the caller's call ended early: {caller.result()}"


async def queue_log(hotline, call_id: str) -> list[tuple[str, str, str | None, str | None]]:
    await hotline.engine.cdrs.flush(5)
    return [(r.event, r.queue, r.agent_id, r.reason) for r in await fetch_queue_log(hotline.engine.db, call_id=call_id)]


async def test_completed_consult_hands_the_caller_and_his_context_to_the_colleague(hotline, tmp_path):
    caller, call_id, channel = await consulting(hotline, tmp_path)
    consult_id = hotline.engine.consults.of_agent("1004").id
    assert not any(name.startswith("Local/1005@") for name in await bridge_of(hotline, channel)), \
        "the caller is on hold, not with Erin, during the consult"

    assert command(hotline, "consult_complete", "1004")["ok"]
    await until(lambda: state(hotline, "1004") in ("wrap_up", "ready"), 10, message="Dave leaves the call")
    assert state(hotline, "1005") == "on_call"
    assert hotline.engine.acd.last_call["1005"].id == call_id  # Erin's desk now acts on the caller's call
    with_caller = await bridge_of(hotline, channel)
    assert any(name.startswith(f"Local/{consult_id}@hotline-consult") for name in with_caller), with_caller
    assert command(hotline, "consult_cancel", "1004")["error_id"] == "nothing-to-do"

    assert command(hotline, "hangup", "1005")["ok"]  # Erin ends the call
    assert (await caller).ok
    row = await hotline.cdr(caller=GOLD)
    assert (row.call_id, row.queue, row.agent) == (call_id, "faults", "1005")
    assert await queue_log(hotline, call_id) == [
        ("enqueue", "billing", None, None), ("offer", "billing", "1004", None), ("answer", "billing", "1004", None),
        ("consult", "billing", "1004", "to faults"), ("transfer", "billing", "1004", "attended to 1005")]
    pop = next(e for e in hotline.queue_events if e["event"] == "offer" and e["agent_id"] == "1005")
    assert pop["agent_id"] == "1005" and pop["queue"] == "faults"
    context = pop["context"]  # Erin's screen pop: the caller, and who is asking
    assert (context["customer_name"], context["tier"], context["digits"]) == ("Li Wei", "gold", "0")
    assert (context["consulted_by"], context["consult_of"], context["consulted_from_queue"]) == \
        ("1004", call_id, "billing")
    # what Dave's desktop saw of his consult (MQTT agents/1004/consult)
    assert [(e["event"], e["call"], e["by"], e["agent"]) for e in hotline.consult_events] == [
        ("consult_answered", call_id, "1004", "1005"), ("consult_completed", call_id, "1004", "1005")]
    await until(lambda: state(hotline, "1005") in ("wrap_up", "ready"), 10, message="Erin wraps up")


async def test_cancelled_consult_gives_the_caller_back_to_the_agent(hotline, tmp_path):
    caller, call_id, channel = await consulting(hotline, tmp_path)

    assert command(hotline, "consult_cancel", "1004")["ok"]
    await until(lambda: state(hotline, "1005") in ("wrap_up", "ready"), 10, message="Erin leaves the consult")
    assert hotline.engine.consults.of_agent("1004") is None
    assert state(hotline, "1004") == "on_call"

    async def back_with_dave() -> bool:
        return any(name.startswith("Local/1004@agent-talk") for name in await bridge_of(hotline, channel))
    await until(back_with_dave, 10, message="the caller bridged with Dave again")

    assert command(hotline, "hangup", "1004")["ok"]
    assert (await caller).ok
    row = await hotline.cdr(caller=GOLD)
    assert (row.queue, row.agent) == ("billing", "1004")
    events = await queue_log(hotline, call_id)
    assert events[-2:] == [("consult", "billing", "1004", "to faults"), ("consult_end", "billing", "1004", "cancelled")]
    assert [(e["event"], e["reason"]) for e in hotline.consult_events] == [("consult_answered", ""),
                                                                          ("consult_ended", "cancelled")]


async def test_consult_of_a_queue_nobody_serves_ends_at_once_and_the_agent_keeps_the_caller(hotline, tmp_path):
    assert command(hotline, "login", "1004")["ok"]  # nobody for faults
    caller = asyncio.create_task(sipp.call(tmp_path, CALL_IN, caller=GOLD))
    await talking(hotline, caller)
    call_id = hotline.engine.acd.last_call["1004"].id
    assert command(hotline, "consult", "1004", target="faults")["ok"]
    await until(lambda: hotline.engine.consults.of_agent("1004") is None, 15, message="consult over")
    assert command(hotline, "consult", "1004", target="nowhere")["error_id"] == "nothing-to-do"
    assert command(hotline, "hangup", "1004")["ok"]
    assert (await caller).ok
    events = await queue_log(hotline, call_id)
    assert events[-1] == ("consult_end", "billing", "1004", "nobody_logged_in")
    assert (await hotline.cdr(caller=GOLD)).agent == "1004"


async def test_consult_of_a_colleague_by_name_hands_him_the_caller(hotline, tmp_path):
    caller, call_id, _ = await consulting(hotline, tmp_path, colleague="1005")  # Erin serves faults only
    assert command(hotline, "consult_complete", "1004")["ok"]
    await until(lambda: hotline.engine.acd.holder(call_id) == ("1005", "billing"), 10, message="Erin holds the call")
    assert command(hotline, "hangup", "1005")["ok"]
    assert (await caller).ok
    row = await hotline.cdr(caller=GOLD)
    assert (row.queue, row.agent) == ("billing", "1005")
    assert (await queue_log(hotline, call_id))[-2:] == [("consult", "billing", "1004", "to agent 1005"),
                                                        ("transfer", "billing", "1004", "attended to 1005")]


async def test_colleague_hanging_up_during_the_consult_gives_the_caller_back_to_the_agent(hotline, tmp_path):
    caller, call_id, channel = await consulting(hotline, tmp_path)
    erin = [c.channel for c in hotline.engine.registry.live if c.channel.startswith("Local/1005@agent-talk")
            and c.channel.endswith(";1")]
    assert len(erin) == 1, erin
    await hotline.engine.ami.hangup(erin[0])  # Erin puts her phone down
    await until(lambda: hotline.engine.consults.of_agent("1004") is None, 10, message="consult over")

    async def back_with_dave() -> bool:
        return any(name.startswith("Local/1004@agent-talk") for name in await bridge_of(hotline, channel))
    await until(back_with_dave, 10, message="the caller bridged with Dave again")
    assert state(hotline, "1004") == "on_call"
    await until(lambda: state(hotline, "1005") in ("wrap_up", "ready"), 10, message="Erin wraps up the consult")
    assert hotline.consult_events[-1]["event"] == "consult_ended"
    assert command(hotline, "hangup", "1004")["ok"]
    assert (await caller).ok
    assert (await queue_log(hotline, call_id))[-1] == ("consult_end", "billing", "1004", "colleague hung up")


async def test_caller_hanging_up_on_hold_ends_the_consult_and_frees_both_agents(hotline, tmp_path):
    caller, call_id, channel = await consulting(hotline, tmp_path)
    await hotline.engine.ami.hangup(channel)  # the caller gives up while on hold
    await caller
    await until(lambda: hotline.engine.consults.of_agent("1004") is None, 15, message="consult over")
    for agent_id in ("1004", "1005"):
        await until(lambda: state(hotline, agent_id) in ("wrap_up", "ready"), 10, message=f"{agent_id} freed")
    assert (await queue_log(hotline, call_id))[-1] == ("consult_end", "billing", "1004", "caller hung up")
    assert hotline.consult_events[-1]["event"] == "consult_ended"
