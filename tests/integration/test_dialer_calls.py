"""The dialer against a real Asterisk: customers are the sandbox's customer-sim context (a person
who says "hello?", a busy line, no answer, an answering machine); agents are simulated endpoints."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from cti.cli.main import main as cli
from cti.store import fetch_dial_attempts
from cti.store.leads import fetch_leads
from tests.support.until import until

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"


@pytest.fixture
async def hotline(sandbox, engine_factory):
    return await engine_factory(acd=str(DATA / "acd.yaml"), campaigns=str(DATA / "campaigns"))


async def _import(hotline, tmp_path, rows: str) -> None:
    """Through the CLI, as an operator would (it runs its own event loop: a thread)."""
    leads = tmp_path / "leads.csv"
    leads.write_text("number,name,priority\n" + rows)
    assert await asyncio.to_thread(cli, ["dialer", "import", "test_outbound", str(leads), "--campaigns-dir",
                                         str(DATA / "campaigns"), "-c", str(hotline.config_path)]) == 0


def _agent(hotline, agent_id: str, command: str) -> None:
    reply = hotline.engine.commands.execute({"cmd": f"agent.{command}", "agent": agent_id})
    assert reply["ok"], reply


async def _attempts(hotline) -> dict[str, str]:
    await hotline.engine.cdrs.flush(5)
    return {a.number: a.outcome for a in await fetch_dial_attempts(hotline.engine.db, campaign="test_outbound")}


async def test_progressive_campaign_reaches_humans_detects_machines_and_records_every_outcome(hotline, tmp_path):
    # priorities fix the order: the human first, so the agent is free again for the others
    await _import(hotline, tmp_path, "2001,Li Lei,9\n3001,Busy Line,8\n5001,Machine,7\n4001,No Answer,6\n")
    _agent(hotline, "1001", "login")
    reply = await hotline.engine.commands.execute_async({"cmd": "dialer.start", "campaign": "test_outbound"})
    assert reply["ok"] and reply["campaign"]["hopper"] == 4, reply

    async def all_done() -> bool:
        return len(await _attempts(hotline)) == 4

    await until(all_done, 120, 0.5, "four attempts finished")
    assert await _attempts(hotline) == {"2001": "human", "3001": "busy", "5001": "machine", "4001": "no_answer"}

    human = (await fetch_dial_attempts(hotline.engine.db, number="2001"))[0]
    assert (human.agent, human.amd_status) == ("1001", "HUMAN")
    assert 3.0 <= human.talk_s <= 8.0  # agent-sim talks 4 s; ANSWEREDTIME is whole seconds
    machine = (await fetch_dial_attempts(hotline.engine.db, number="5001"))[0]
    assert machine.amd_status == "MACHINE"

    leads = {lead.number: lead for lead in await fetch_leads(hotline.engine.db, "test_outbound")}
    assert str(leads["2001"].status) == "done" and leads["2001"].attempts == 1
    assert str(leads["3001"].status) == "retry" and leads["3001"].next_attempt_at is not None

    status = hotline.engine.commands.execute({"cmd": "agent.list"})
    assert status["ok"]


async def test_human_with_no_agent_free_hears_the_safe_harbor_message_and_counts_as_dropped(hotline, tmp_path,
                                                                                            caplog):
    caplog.set_level(logging.INFO, logger="hotline.dialer")
    await _import(hotline, tmp_path, "2002,Han Meimei,0\n")
    _agent(hotline, "1001", "login")
    await hotline.engine.commands.execute_async({"cmd": "dialer.start", "campaign": "test_outbound"})
    run = hotline.engine.dialer.runs["test_outbound"]
    await until(lambda: run.inflight, 10, 0.05, "the call is ringing")
    _agent(hotline, "1001", "pause")  # the only agent goes on a break while the customer's phone rings

    async def finished() -> bool:
        return "2002" in await _attempts(hotline)

    await until(finished, 30, 0.5, "the attempt finished")
    assert (await _attempts(hotline))["2002"] == "dropped"
    assert "plays safe harbor safe_harbor" in caplog.text
    assert run.pacer is not None and run.counts.get("dropped") == 1


async def test_preview_agent_sees_the_lead_first_then_accepts_or_skips(hotline, tmp_path):
    previews: list[dict] = []
    hotline.engine.acd.notifier.listeners.append(lambda kind, payload: previews.append(payload) if kind == "preview" else None)
    leads = tmp_path / "leads.csv"
    leads.write_text("number,name,priority,last_visit\n2003,Zhang Wei,9,2026-11-20\n2004,Liu Yang,1,2026-11-21\n")
    assert await asyncio.to_thread(cli, ["dialer", "import", "test_preview", str(leads), "--campaigns-dir",
                                         str(DATA / "campaigns"), "-c", str(hotline.config_path)]) == 0
    _agent(hotline, "1001", "login")
    commands = hotline.engine.commands
    assert (await commands.execute_async({"cmd": "dialer.start", "campaign": "test_preview"}))["ok"]

    await until(lambda: previews, 10, message="first lead previewed")
    assert (previews[0]["agent"], previews[0]["number"], previews[0]["fields"]) == \
        ("1001", "2003", {"last_visit": "2026-11-20"})
    assert hotline.engine.dialer.runs["test_preview"].inflight == {}  # nothing dialed before the agent decides
    assert str(hotline.engine.acd.router.agent("1001").state) == "paused"
    accepted = commands.execute({"cmd": "agent.preview_accept", "agent": "1001"})
    assert accepted["ok"] and accepted["dialing"] == "2003", accepted

    async def human() -> bool:
        return (await _attempts_of(hotline, "test_preview")).get("2003") == "human"

    await until(human, 40, 0.5, "the accepted lead talked to the agent")
    [attempt] = await fetch_dial_attempts(hotline.engine.db, number="2003")
    assert attempt.agent == "1001"

    await until(lambda: len(previews) == 2, 20, message="next lead previewed after wrap-up")
    assert previews[1]["number"] == "2004"
    skipped = commands.execute({"cmd": "agent.preview_skip", "agent": "1001"})
    assert skipped["ok"] and skipped["skipped"], skipped
    await until(lambda: str(hotline.engine.acd.router.agent("1001").state) == "ready", 5, message="agent free")
    assert "2004" not in await _attempts_of(hotline, "test_preview")


async def _attempts_of(hotline, campaign: str) -> dict[str, str]:
    await hotline.engine.cdrs.flush(5)
    return {a.number: a.outcome for a in await fetch_dial_attempts(hotline.engine.db, campaign=campaign)}
