"""CaseService, its call observer and its control commands, on a SQLite file, with a clock the test
moves and fakes for what lies outside (CTI publishing, the dialer's follow-up booking, the ACD)."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from acd.events import CallQueueEvent, QueueEvent
from cti.app.case_commands import CaseCommands
from cti.services.case_desk import CaseCalls, CaseDirectory
from cti.services.cases import CaseService
from cti.store import create_schema, make_engine
from cti.store.cases import fetch_case_log, fetch_cases
from tests.support.cases import policy, sh


class World:
    def __init__(self, db) -> None:
        self.now = sh(2026, 9, 28, 9, 0)  # Monday 09:00 Shanghai
        self.published: list[tuple[str, dict]] = []
        self.booked: list[tuple] = []
        self.service = CaseService(policy(), db, publish=lambda k, p: self.published.append((k, p)),
                                   book_follow_up=self.book, clock=lambda: self.now)

    async def book(self, campaign, number, name, data, when, booking):
        self.booked.append((campaign, number, name, data, when, booking))
        return True

    def events(self) -> list[str]:
        return [p["event"] for k, p in self.published if k == "case"]


@pytest.fixture
async def world(tmp_path):
    db = make_engine(f"sqlite+aiosqlite:///{tmp_path}/cases.db")
    await create_schema(db)
    yield World(db)
    await db.dispose()


async def open_one(world: World, **fields):
    args = {"kind": "complaint", "category": "service", "customer": "2001", "by": "1005",
            "customer_name": "Li Lei", "description": "billed twice", **fields}
    return await world.service.open(**args)


async def test_opened_case_is_stored_logged_and_owned_by_its_levels_queue(world) -> None:
    case = await open_one(world, call_id="call-1")
    [stored] = await fetch_cases(world.service.db, case_id=case.id)
    assert (stored.state, stored.queue, stored.customer, stored.calls) == ("open", "complaints", "2001", ["call-1"])
    assert stored.response_due == sh(2026, 9, 28, 10, 0)
    assert [e.kind for e in await fetch_case_log(world.service.db, case.id)] == ["opened"]


async def test_closing_books_the_follow_up_and_a_low_score_reopens_with_fresh_deadlines(world) -> None:
    s = world.service
    case = await open_one(world)
    await s.take(case.id, "1005")
    await s.resolve(case.id, "1005", "refunded")
    world.now = sh(2026, 9, 28, 11, 0)
    await s.close(case.id, "1005")
    [(campaign, number, name, data, when, booking)] = world.booked
    assert (campaign, number, name, when) == ("follow_up", "2001", "Li Lei", world.now + timedelta(minutes=60))
    assert booking == f"{case.id}/0"  # the case and its cycle: a reclosed case is booked again
    assert data["case_id"] == case.id and data["case_summary"] == "billed twice"
    assert data["questions"] == "Was it solved? | Score 1-5?"

    world.now = sh(2026, 9, 28, 14, 0)
    reopened = await s.answer(case.id, 2, "still billed twice", by="1006", call_id="fu-call")
    assert (reopened.state, reopened.reopened, reopened.score) == ("reopened", 1, 2)
    assert reopened.response_due == sh(2026, 9, 28, 15, 0)
    log = await fetch_case_log(s.db, case.id)
    assert [e.kind for e in log] == ["opened", "take", "resolve", "close", "follow_up_booked", "answer", "reopen"]
    assert log[5].detail == {"score": 2, "answer": "still billed twice", "verdict": "dissatisfied"}
    assert world.events() == ["take", "resolve", "close", "reopen"]


async def test_a_good_score_confirms_and_the_case_leaves_memory(world) -> None:
    s = world.service
    case = await open_one(world)
    await s.resolve(case.id, "1005")
    await s.close(case.id, "1005")
    await s.answer(case.id, 5)
    assert case.id not in s.cases
    [stored] = await fetch_cases(s.db, case_id=case.id)
    assert (stored.state, stored.score) == ("confirmed", 5)


async def test_tick_warns_then_escalates_once_with_the_moved_clock(world) -> None:
    s = world.service
    case = await open_one(world)
    world.now = sh(2026, 9, 28, 9, 50)
    assert [(a.deadline, a.kind) for a in await s.tick()] == [("response", "near")]
    world.now = sh(2026, 9, 28, 10, 1)
    assert [(a.deadline, a.kind, a.to_level) for a in await s.tick()] == [("response", "missed", 2)]
    assert await s.tick() == []
    [stored] = await fetch_cases(s.db, case_id=case.id)
    assert (stored.level, stored.queue, stored.alarms) == (2, "complaints_l2", {"response:near", "response:missed"})
    kinds = [e.kind for e in await fetch_case_log(s.db, case.id)]
    assert kinds == ["opened", "sla_near", "sla_missed", "escalate"]


async def test_cases_survive_a_restart(world) -> None:
    case = await open_one(world)
    again = CaseService(policy(), world.service.db, clock=lambda: world.now)
    assert await again.load() == 1 and again.open_case_of("2001").id == case.id


async def test_complaint_disposition_opens_a_case_and_a_second_one_links_to_it(world) -> None:
    acd = SimpleNamespace(last_call={"1005": SimpleNamespace(attributes={"caller": "2001", "customer_name": "Li"})})
    calls = CaseCalls(world.service, acd)
    calls.on_acd_event(_disposition("call-1", "1005", code="complaint", note="rude agent"))
    await calls.drain()
    case = world.service.open_case_of("2001")
    assert (case.description, case.customer_name, case.opened_by, case.calls) == ("rude agent", "Li", "1005", ["call-1"])
    calls.on_acd_event(_disposition("call-2", "1005", code="complaint", note="again"))
    await calls.drain()
    assert len(world.service.cases) == 1 and case.calls == ["call-1", "call-2"]


async def test_follow_up_disposition_with_a_score_is_the_customers_answer(world) -> None:
    s = world.service
    case = await open_one(world)
    await s.resolve(case.id, "1005")
    await s.close(case.id, "1005")
    attributes = {"campaign": "follow_up", "number": "2001", "case_id": case.id}
    calls = CaseCalls(s, SimpleNamespace(last_call={"1006": SimpleNamespace(attributes=attributes)}))
    calls.on_acd_event(_disposition("fu-1", "1006", code="follow_up", score=1, answer="not fixed"))
    await calls.drain()
    assert (case.state, case.score, case.calls) == ("reopened", 1, ["fu-1"])


async def test_a_caller_with_an_open_case_gets_its_facts_for_the_ivr_and_screen_pop(world) -> None:
    case = await open_one(world)

    class Directory:
        async def lookup(self, phone):
            return {"tier": "gold"}

    found = await CaseDirectory(Directory(), world.service).lookup("2001")
    assert found == {"tier": "gold", "open_case": "yes", "case_id": case.id, "case_state": "open",
                     "case_queue": "complaints", "case_owner": "", "case_summary": "billed twice"}
    assert await CaseDirectory(Directory(), world.service).lookup("2999") == {"tier": "gold"}


async def test_control_commands_reply_with_slugs_for_what_cannot_be_done(world) -> None:
    commands = CaseCommands(world.service)
    opened = await commands.execute({"cmd": "case.open", "category": "service", "customer": "2001"})
    assert opened["ok"] and opened["case"]["state"] == "open"
    case_id = opened["case"]["case"]
    refused = await commands.execute({"cmd": "case.close", "case": case_id})
    assert (refused["ok"], refused["error_id"]) == (False, "case_invalid_transition")
    assert (await commands.execute({"cmd": "case.take", "case": "nope", "agent": "1005"}))["error_id"] == "unknown-case"
    assert (await commands.execute({"cmd": "case.open", "category": "x", "customer": "2001"}))["error_id"] == "case_refused"
    shown = await commands.execute({"cmd": "case.show", "case": case_id})
    assert [line["kind"] for line in shown["log"]] == ["opened"]
    world.now = sh(2026, 9, 28, 9, 30)
    [row] = (await commands.execute({"cmd": "case.escalations"}))["cases"]
    assert row["left_min"] == {"response": 30.0, "resolution": 450.0}


def _disposition(call_id: str, agent: str, **data) -> CallQueueEvent:
    return CallQueueEvent(sh(2026, 9, 28, 9, 0), call_id, "complaints", QueueEvent.DISPOSITION, agent_id=agent,
                          reason=data.get("code"), data=json.dumps(data))
