"""Callers the IVR cannot help reach a person, and the records say so (real calls, sandbox Asterisk)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.cli.main import main as cli
from cti.store import fetch_queue_log
from cti.store.schema import ivr_visit
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, Pause

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd.yaml"


@pytest.fixture
async def hotline(sandbox, engine_factory):
    running = await engine_factory(acd=str(ACD_YAML))
    for command in ("login", "ready"):
        reply = running.engine.commands.execute({"cmd": f"agent.{command}", "agent": "1001", "reason": ""})
        assert reply["ok"], reply
    running.pops = []  # the agent's screen pops: the caller's context offered with the call
    running.engine.acd.notifier.listeners.append(
        lambda kind, payload: running.pops.append(payload) if payload.get("event") == "offer" else None)
    return running


async def offer_context(hotline, call_id: str) -> dict:
    await hotline.engine.cdrs.flush(5)
    assert [e.event for e in await fetch_queue_log(hotline.engine.db, call_id=call_id, event="offer")] == ["offer"]
    [pop] = [p for p in hotline.pops if p["call"] == call_id]
    return pop["context"]


async def visits(hotline, call_id: str) -> list[tuple]:
    await hotline.engine.cdrs.flush(5)
    async with hotline.engine.db.connect() as conn:
        rows = await conn.execute(select(ivr_visit).where(ivr_visit.c.call_id == call_id).order_by(ivr_visit.c.visit_id))
        return [(r.node, r.tries, r.no_match, r.no_input, r.end) for r in rows]


async def test_wrong_keys_twice_reach_an_agent_with_the_keys_in_the_screen_pop(hotline, tmp_path):
    # both keys come while the (6 s) menu prompt or the retry plays: two wrong answers, two attempts
    steps = [Pause(3500), Dtmf("7"), Pause(2500), Dtmf("8"), AwaitHangup(60000)]
    result = await sipp.call(tmp_path, steps, caller="5551601")
    assert result.ok, result.stderr
    row = await hotline.cdr(caller="5551601")
    assert (row.queue, row.agent, row.disposition, row.ivr_exit) == ("billing", "1001", "completed",
                                                                      "to_agent_after_failures")
    assert row.ivr_path == "by_case>by_tier>welcome>menu(no_match:7,8)>help_agent>agent>done"
    assert row.digits == "78"
    pop = await offer_context(hotline, row.call_id)
    assert pop["ivr_path"].startswith("by_case>by_tier>welcome>menu(no_match:7,8)>help_agent") and pop["digits"] == "78"
    assert await visits(hotline, row.call_id) == [("menu", 2, "7,8", 0, "failed")]


async def test_zero_at_the_selfservice_account_question_reaches_an_agent(hotline, tmp_path):
    # an unknown caller is asked for the account number; 0 then # asks for a person
    steps = [Pause(4000), Dtmf("0", via="info"), Dtmf("#", via="info"), AwaitHangup(60000)]
    result = await sipp.call(tmp_path, steps, dialed="10001", caller="5551602")
    assert result.ok, result.stderr
    row = await hotline.cdr(caller="5551602")
    assert (row.queue, row.agent, row.ivr_exit) == ("billing", "1001", "to_agent")
    assert row.ivr_path == "welcome>find_caller>ask_account>connecting>agent>done"
    assert (await offer_context(hotline, row.call_id))["ivr_path"].startswith("welcome>find_caller>ask_account>")
    assert await visits(hotline, row.call_id) == [("ask_account", 1, "", 0, "to_agent")]


async def test_report_counts_the_struggle_per_question(hotline, tmp_path, capsys):
    served, struggled = await asyncio.gather(  # two callers at once
        sipp.call(tmp_path, [Pause(3500), Dtmf("1"), AwaitHangup(30000)], caller="5551603"),
        sipp.call(tmp_path, [Pause(3500), Dtmf("7"), Pause(2500), Dtmf("8"), AwaitHangup(60000)], caller="5551604"))
    assert served.ok and struggled.ok
    await hotline.cdr(caller="5551603")
    await hotline.cdr(caller="5551604")
    await hotline.engine.cdrs.flush(5)
    capsys.readouterr()
    # the CLI runs its own event loop: off this test's loop, as a person would run it beside the engine
    assert await asyncio.to_thread(cli, ["report", "--db", hotline.engine.config.database.url, "--format", "json"]) == 0
    ivr = json.loads(capsys.readouterr().out)["ivr"]
    assert (ivr["calls"], ivr["contained"], ivr["to_agent_after_failures"]) == (2, 1, 1)
    [menu] = [r for r in ivr["struggle"] if r["node"] == "menu"]
    assert (menu["visits"], menu["retried"], menu["failed"], menu["to_agent"]) == (2, 1, 1, 0)
    assert menu["wrong_keys"] == "7x1 8x1"
