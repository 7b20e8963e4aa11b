"""The ACD with real calls: SIPp callers press 0 for an agent; agents are Local channels into the
sandbox's simulated-agent contexts (agent-sim answers and talks 4 s; agent-noanswer never answers)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from cti.cli.main import main as cli
from cti.store import fetch_queue_log
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, HangUp, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd.yaml"
PRESS_0 = [Pause(1500), Dtmf("0")]
GOLD, NORMAL = "5559001", "5559003"  # seeded demo customers (ivr/customers.py)


@pytest.fixture
async def hotline(sandbox, tmp_path, engine_factory):
    return await engine_factory(acd=str(ACD_YAML))


def agent(hotline, agent_id: str, command: str, reason: str = "") -> dict:
    reply = hotline.engine.commands.execute({"cmd": f"agent.{command}", "agent": agent_id, "reason": reason})
    assert reply["ok"], reply
    return reply["agent"]


def state(hotline, agent_id: str) -> tuple[str, str]:
    a = hotline.engine.acd.router.agent(agent_id)
    return str(a.state), a.pause_reason


async def queue_events(hotline, call_id: str | None = None) -> list[tuple[str, str | None]]:
    await hotline.engine.cdrs.flush(5)
    rows = await fetch_queue_log(hotline.engine.db, **({"call_id": call_id} if call_id else {}))
    return [(r.event, r.agent_id) for r in rows]


async def test_billing_caller_reaches_the_agent_with_billing_skill_who_hears_a_whisper(hotline, ami, tmp_path):
    from cti.ami import events as ev

    agent(hotline, "1003", "login")  # faults only: must not get the call, though idle longest
    agent(hotline, "1003", "ready")
    agent(hotline, "1001", "login")
    agent(hotline, "1001", "ready")

    whispers: list = []

    async def watch() -> None:
        while True:
            event = await ami.events.get()
            if isinstance(event, ev.UserEvent) and event.name == "HotlineWhisper":
                whispers.append(event.headers)

    watcher = asyncio.create_task(watch())
    try:
        result = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(40000)], caller=GOLD)
        await until(lambda: whispers, 5, message="whisper played to the agent")
    finally:
        watcher.cancel()
    assert result.ok, result.stderr
    assert (whispers[0].get("Queue"), whispers[0].get("Tier")) == ("billing", "gold")

    row = await hotline.cdr(caller=GOLD)
    assert (row.queue, row.agent, row.disposition) == ("billing", "1001", "completed")
    assert row.ivr_path == "by_case>by_tier>welcome_gold>menu>agent>done"
    assert 3.0 <= row.talk_s <= 8.0  # agent-sim talks 4 s; ANSWEREDTIME is whole seconds
    assert row.wait_s is not None and row.wait_s < 5.0
    assert await queue_events(hotline, row.call_id) == [("enqueue", None), ("offer", "1001"), ("answer", "1001")]
    await until(lambda: state(hotline, "1001")[0] == "ready", 10, message="Alice back to ready after wrap-up")


async def test_agent_who_does_not_answer_is_paused_and_the_next_agent_takes_the_call(hotline, tmp_path):
    agent(hotline, "1002", "login")
    agent(hotline, "1002", "ready")  # Bob idles longest: offered first, never answers
    agent(hotline, "1001", "login")
    agent(hotline, "1001", "ready")

    result = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(60000)], caller="5551102")
    assert result.ok, result.stderr

    row = await hotline.cdr(caller="5551102")
    assert (row.agent, row.disposition) == ("1001", "completed")
    assert row.wait_s >= 5.0  # Bob rang for the reservation's ring time first
    assert await queue_events(hotline, row.call_id) == [
        ("enqueue", None), ("offer", "1002"), ("no_answer", "1002"), ("offer", "1001"), ("answer", "1001")]
    assert state(hotline, "1002") == ("paused", "no-answer")


async def test_gold_caller_overtakes_a_normal_caller_when_the_agent_frees(hotline, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="hotline.queue")
    agent(hotline, "1001", "login")
    agent(hotline, "1001", "pause", "meeting")  # logged in, so callers wait rather than leave

    normal = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, AwaitHangup(60000)], caller=NORMAL))
    await until(lambda: hotline.engine.acd.router.waiting("billing"), 20, message="normal caller queued")
    gold = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, AwaitHangup(60000)], caller=GOLD))
    await until(lambda: len(hotline.engine.acd.router.waiting("billing")) == 2, 20, message="gold caller queued")
    await until(lambda: "announced position 2" in caplog.text, 15, message="position announcement")

    agent(hotline, "1001", "ready")
    assert (await gold).ok and (await normal).ok

    events = await queue_events(hotline)
    answers = [e for e in events if e[0] == "answer"]
    assert len(answers) == 2
    gold_row, normal_row = await hotline.cdr(caller=GOLD), await hotline.cdr(caller=NORMAL)
    assert gold_row.answered_at is not None and gold_row.ivr_path.startswith("by_case>by_tier>welcome_gold>")
    assert gold_row.wait_s < normal_row.wait_s  # came later, served first
    first = await fetch_queue_log(hotline.engine.db, event="answer")
    assert [r.call_id for r in first] == [gold_row.call_id, normal_row.call_id]
    assert (await fetch_queue_log(hotline.engine.db, call_id=gold_row.call_id, event="enqueue"))[0].priority == 10


async def test_caller_hanging_up_in_queue_is_logged_as_abandoned(hotline, tmp_path, capsys):
    # through the real control socket, as an operator would (the CLI runs its own event loop: a thread)
    assert await asyncio.to_thread(cli, ["agents", "login", "1001", "-c", str(hotline.config_path)]) == 0
    assert await asyncio.to_thread(cli, ["agents", "pause", "1001", "--reason", "lunch",
                                         "-c", str(hotline.config_path)]) == 0
    assert "paused (lunch)" in capsys.readouterr().out

    result = await sipp.call(tmp_path, [*PRESS_0, Pause(3000), HangUp()], caller="5551104")
    assert result.ok, result.stderr

    row = await hotline.cdr(caller="5551104")
    assert (row.queue, row.agent, row.disposition, row.exit_node) == ("billing", None, "caller_hangup", "agent")
    assert 2.0 <= row.wait_s <= 6.0
    assert await queue_events(hotline, row.call_id) == [("enqueue", None), ("abandon", None)]


async def test_nobody_logged_in_sends_the_caller_to_the_closed_message(hotline, tmp_path):
    result = await sipp.call(tmp_path, [*PRESS_0, AwaitHangup(30000)], caller="5551105")
    assert result.ok, result.stderr
    row = await hotline.cdr(caller="5551105")
    assert row.ivr_path.endswith(">agent>queue_closed>done")
    assert await queue_events(hotline, row.call_id) == [("enqueue", None), ("nobody", None)]


async def test_logged_in_agents_and_their_states_survive_an_engine_restart(sandbox, engine_factory):
    from tests.integration.conftest import stop_engine

    first = await engine_factory(acd=str(ACD_YAML))
    agent(first, "1001", "login")
    agent(first, "1002", "login")
    agent(first, "1002", "pause", "training")
    agent(first, "1003", "login")
    agent(first, "1003", "logout")
    await stop_engine(first)  # flushes the agent state log on the way out

    second = await engine_factory(acd=str(ACD_YAML))  # same database file
    assert state(second, "1001") == ("ready", "")
    assert state(second, "1002") == ("paused", "training")
    assert state(second, "1003")[0] == "logged_out"


async def test_waiting_caller_pressing_1_books_a_call_back_lead_and_leaves_politely(hotline, tmp_path):
    from cti.store.leads import fetch_leads

    agent(hotline, "1001", "login")
    agent(hotline, "1001", "pause", "meeting")
    result = await sipp.call(tmp_path, [*PRESS_0, Pause(3000), Dtmf("1", via="info"), AwaitHangup(30000)],
                             caller=NORMAL)
    assert result.ok, result.stderr

    row = await hotline.cdr(caller=NORMAL)
    assert row.ivr_path.endswith(">agent>callback_booked>done") and row.disposition == "completed"
    assert await queue_events(hotline, row.call_id) == [("enqueue", None), ("callback", None)]
    leads = await fetch_leads(hotline.engine.db, "callbacks")
    assert [(lead.number, lead.name, str(lead.status)) for lead in leads] == [(NORMAL, "John Smith", "callback")]
    assert leads[0].data == {"queue": "billing", "tier": "normal"}


async def test_agent_hangs_up_classifies_the_call_and_promises_a_call_back(hotline, tmp_path):
    from datetime import datetime, timedelta, timezone

    from cti.store.leads import fetch_leads

    agent(hotline, "1001", "login")
    call = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, AwaitHangup(40000)], caller=NORMAL))
    await until(lambda: state(hotline, "1001")[0] == "on_call", 20, message="Alice talking")
    commands = hotline.engine.commands
    hung = await commands.execute_async({"cmd": "agent.hangup", "agent": "1001"})
    assert hung["ok"], hung
    assert (await call).ok  # the caller got a BYE well before agent-sim's 4 s of talk ended

    row = await hotline.cdr(caller=NORMAL)
    assert row.agent == "1001" and (row.talk_s or 0) < 4.0
    done = commands.execute({"cmd": "agent.disposition", "agent": "1001", "code": "resolved", "note": "paid"})
    assert done["ok"] and done["call"] == row.call_id, done
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    promised = commands.execute({"cmd": "agent.callback", "agent": "1001", "at": later.isoformat()})
    assert promised["ok"] and promised["number"] == NORMAL, promised

    await hotline.engine.cdrs.flush(5)
    events = await fetch_queue_log(hotline.engine.db, call_id=row.call_id, event="disposition")
    assert [(e.agent_id, e.reason) for e in events] == [("1001", "resolved")]

    async def booked() -> bool:
        return bool(await fetch_leads(hotline.engine.db, "callbacks"))

    await until(booked, 10, message="call-back lead stored")
    [lead] = await fetch_leads(hotline.engine.db, "callbacks")
    assert lead.number == NORMAL and abs((lead.callback_at - later).total_seconds()) < 1
    assert commands.execute({"cmd": "agent.disposition", "agent": "1003", "code": "x"})["error_id"] == "nothing-to-do"


async def test_blind_transfer_to_another_queue_carries_the_callers_context(hotline, tmp_path):
    offers: list[dict] = []
    hotline.engine.acd.notifier.listeners.append(
        lambda kind, payload: offers.append(payload) if payload.get("event") == "offer" else None)
    agent(hotline, "1001", "login")  # billing
    agent(hotline, "1003", "login")  # faults
    call = asyncio.create_task(sipp.call(tmp_path, [*PRESS_0, AwaitHangup(60000)], caller=GOLD))
    await until(lambda: state(hotline, "1001")[0] == "on_call", 20, message="Alice talking")
    moved = await hotline.engine.commands.execute_async({"cmd": "agent.transfer", "agent": "1001",
                                                         "target": "faults"})
    assert moved["ok"], moved
    assert (await call).ok

    row = await hotline.cdr(caller=GOLD)
    assert (row.queue, row.agent, row.disposition) == ("faults", "1003", "completed")
    assert [(e.event, e.queue, e.agent_id) for e in await fetch_queue_log(hotline.engine.db, call_id=row.call_id)] == [
        ("enqueue", "billing", None), ("offer", "billing", "1001"), ("answer", "billing", "1001"),
        ("transfer", "billing", "1001"), ("enqueue", "faults", None), ("offer", "faults", "1003"),
        ("answer", "faults", "1003")]
    carol = offers[-1]["context"]  # Carol's screen pop: nobody asks the caller again
    assert (carol["customer_name"], carol["tier"], carol["digits"]) == ("Li Wei", "gold", "0")
    assert (carol["transferred_from_agent"], carol["transferred_from_queue"]) == ("1001", "billing")
