"""A complaint case from a real call to the follow-up call (回访) that reopens it, against the real
Asterisk sandbox: a SIPp caller (number 2005) reaches agent 1001 (simulated endpoint) through the
main IVR; the agent's `complaint` disposition opens the case; the case clock (injected) passes the
first-response deadline and the SLA tick escalates it; it is taken, resolved and closed through the
`hotline case` CLI; the dialer places the follow-up call to customer 2005 in the sandbox's
customer-sim context, the same agent answers it with the case on the screen pop, and his
disposition carries the customer's score 2, which is stored and reopens the case; resolved and closed
again, the case gets a second follow-up call (its own lead), whose score 5 confirms it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cti.cli.main import main as cli
from cti.store import fetch_dial_attempts
from cti.store.cases import fetch_case_log, fetch_cases
from tests.integration.conftest import engine_config, start_engine, stop_engine
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"
CUSTOMER = "2005"  # customer-sim answers 20XX


class CaseClock:
    """The case service's clock: real time plus an offset the test moves forward only. It starts 31
    minutes behind; moving it to real time makes the 30-minute deadline pass at once, and leaves
    the case's times in step with the dialer's (real) clock for the follow-up that comes next."""

    def __init__(self) -> None:
        self.offset = -timedelta(minutes=31)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
async def hotline(sandbox, tmp_path):
    path = engine_config(tmp_path, acd=str(DATA / "acd.yaml"), campaigns=str(DATA / "campaigns"))
    config = json.loads(path.read_text())
    config["cases"] = {"config": str(DATA / "cases.yaml"), "tick_interval": 3600}  # ticks come from the test
    path.write_text(json.dumps(config))
    running = await start_engine(path)
    yield running
    await stop_engine(running)


def _do(hotline, command: dict) -> dict:
    reply = hotline.engine.commands.execute(command)
    assert reply["ok"], reply
    return reply


async def _case_cli(hotline, *args: str) -> None:
    """`hotline case …` as an operator types it (it runs its own event loop: a thread)."""
    assert await asyncio.to_thread(cli, ["case", *args, "-c", str(hotline.config_path)]) == 0


async def _log_kinds(db, case_id: str) -> list[str]:
    return [entry.kind for entry in await fetch_case_log(db, case_id)]


async def test_complaint_case_escalates_closes_and_a_low_follow_up_score_reopens_it(hotline, tmp_path):
    engine, clock = hotline.engine, CaseClock()
    engine.cases.clock = clock
    offers: list[dict] = []
    engine.acd.notifier.listeners.append(lambda kind, p: offers.append(p) if p.get("event") == "offer" else None)
    _do(hotline, {"cmd": "agent.login", "agent": "1001"})

    # 1. the complaint, on a real call
    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("0"), AwaitHangup(40000)], caller=CUSTOMER)
    assert result.ok, result.stderr
    row = await hotline.cdr(caller=CUSTOMER)
    await until(lambda: engine.acd.last_call.get("1001") is not None, 10, message="agent handled the call")
    _do(hotline, {"cmd": "agent.disposition", "agent": "1001", "code": "complaint", "note": "billed twice"})
    await until(lambda: engine.cases.open_case_of(CUSTOMER) is not None, 10, message="case opened")
    case = engine.cases.open_case_of(CUSTOMER)
    assert (case.queue, case.level, case.description, case.calls) == ("billing", 1, "billed twice", [row.call_id])

    # 2. nobody responds: 31 minutes later the first-response deadline has passed
    clock.offset = timedelta()
    assert [(a.deadline, a.kind, a.to_queue) for a in await engine.cases.tick()] == [("response", "missed", "faults")]
    assert (case.level, case.queue, case.state) == (2, "faults", "open")

    # 3. taken, resolved and closed from the command line: the follow-up is booked
    await _case_cli(hotline, "take", case.id, "--agent", "1003")
    await _case_cli(hotline, "resolve", case.id, "--by", "1003", "--text", "refund issued")
    await _case_cli(hotline, "close", case.id, "--by", "1003")
    await until(lambda: str(case.state) == "closed", 5, message="case closed")

    # 4. the dialer places the follow-up call; the agent sees the case on the screen pop
    await until(lambda: str(engine.acd.agent("1001").state) == "ready", 10, message="agent 1001 ready again")
    reply = await engine.commands.execute_async({"cmd": "dialer.start", "campaign": "test_follow_up"})
    assert reply["ok"] and reply["campaign"]["hopper"] == 1, reply

    async def follow_up_talked() -> bool:
        await engine.cdrs.flush(5)
        return [a.outcome for a in await fetch_dial_attempts(engine.db, campaign="test_follow_up")] == ["human"]

    await until(follow_up_talked, 60, 0.5, "the follow-up call reached the customer and the agent")
    [attempt] = await fetch_dial_attempts(engine.db, campaign="test_follow_up")
    assert (attempt.number, attempt.agent) == (CUSTOMER, "1001")
    pop = [p for p in offers if p.get("call") == attempt.call_id and p.get("agent_id") == "1001"]
    assert pop and pop[0]["context"]["case_id"] == case.id
    assert pop[0]["context"]["questions"] == "Was it solved? | Score 1 to 5?"

    # 5. the agent records the customer's answer: score 2 reopens the case
    _do(hotline, {"cmd": "agent.disposition", "agent": "1001", "code": "follow_up", "score": 2,
                  "answer": "still billed twice"})
    await until(lambda: str(case.state) == "reopened", 10, message="case reopened by the low score")
    [stored] = await fetch_cases(engine.db, case_id=case.id)
    assert (stored.state, stored.score, stored.reopened, stored.level) == ("reopened", 2, 1, 2)
    assert stored.calls == [row.call_id, attempt.call_id]
    assert await _log_kinds(engine.db, case.id) == [
        "opened", "sla_missed", "escalate", "take", "resolve", "close", "follow_up_booked", "answer", "reopen"]
    answer = [e for e in await fetch_case_log(engine.db, case.id) if e.kind == "answer"][0]
    assert answer.detail == {"score": 2, "answer": "still billed twice", "verdict": "dissatisfied"}
    assert stored.response_due > datetime.now(UTC) + timedelta(minutes=25)  # re-armed: 30 fresh minutes

    # 6. worked again and closed again: a second follow-up call (its own lead), score 5 confirms
    for command in ({"cmd": "case.resolve", "case": case.id, "by": "1003"}, {"cmd": "case.close", "case": case.id}):
        assert (await engine.commands.execute_async(command))["ok"]
    await until(lambda: str(engine.acd.agent("1001").state) == "ready", 10, message="agent 1001 ready again")

    async def second_follow_up_talked() -> bool:
        await engine.cdrs.flush(5)
        return [a.outcome for a in await fetch_dial_attempts(engine.db, campaign="test_follow_up")] == ["human"] * 2

    await until(second_follow_up_talked, 60, 0.5, "the second follow-up call reached the customer and the agent")
    second = [a for a in await fetch_dial_attempts(engine.db, campaign="test_follow_up") if a.call_id != attempt.call_id]
    assert second[0].number == CUSTOMER and second[0].lead_id != attempt.lead_id
    _do(hotline, {"cmd": "agent.disposition", "agent": "1001", "code": "follow_up", "score": 5, "answer": "fixed"})
    await until(lambda: str(case.state) == "confirmed", 10, message="case confirmed by the second follow-up")
    [stored] = await fetch_cases(engine.db, case_id=case.id)
    assert (stored.state, stored.score, stored.calls[-1]) == ("confirmed", 5, second[0].call_id)
    assert (await _log_kinds(engine.db, case.id))[-5:] == ["resolve", "close", "follow_up_booked", "answer", "confirm"]
