"""Desk case commands (`agent.case_*`, what an agent's MQTT `case_*` becomes) through `CaseCommands`
on a SQLite file: opened on the agent's current or last call and its customer, worked by that agent
only, refusals as slugs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cti.app.case_commands import CaseCommands
from cti.services.cases import CaseService
from cti.store import create_schema, make_engine
from cti.store.cases import fetch_case_log, fetch_cases
from tests.support.cases import policy, sh


class Acd:
    def __init__(self) -> None:
        self.last_call = {"1005": SimpleNamespace(id="call-7", attributes={"caller": "2001", "customer_name": "Li"})}

    def agent(self, agent_id: str):
        return object() if agent_id in ("1005", "1006") else None


@pytest.fixture
async def desk(tmp_path):
    db = make_engine(f"sqlite+aiosqlite:///{tmp_path}/cases.db")
    await create_schema(db)
    service = CaseService(policy(), db, clock=lambda: sh(2026, 9, 28, 9, 0))
    yield CaseCommands(service, Acd()), service
    await db.dispose()


async def test_an_agent_opens_a_case_on_the_last_call_and_works_it_to_closed(desk) -> None:
    commands, service = desk

    async def do(cmd: str, **fields) -> dict:
        reply = await commands.execute({"cmd": f"agent.case_{cmd}", "agent": "1005", **fields})
        assert reply["ok"], reply
        return reply["case"]

    opened = await do("open", category="service", priority="urgent", description="billed twice")
    assert (opened["customer"], opened["customer_name"], opened["calls"], opened["priority"]) == (
        "2001", "Li", ["call-7"], "urgent")
    case_id = opened["case"]
    assert (await do("take", case=case_id))["agent"] == "1005"
    await do("note", case=case_id, note="refund asked")
    await do("resolve", case=case_id, note="refunded")
    assert (await do("close", case=case_id))["state"] == "closed"
    [stored] = await fetch_cases(service.db, case_id=case_id)
    assert (stored.state, stored.opened_by, stored.agent) == ("closed", "1005", "1005")
    log = [(e.kind, e.actor) for e in await fetch_case_log(service.db, case_id)]
    assert log == [("opened", "1005"), ("take", "1005"), ("note", "1005"), ("resolve", "1005"), ("close", "1005")]


@pytest.mark.parametrize("command, error_id", [
    ({"cmd": "agent.case_open", "agent": "1006", "category": "service"}, "case_refused"),  # no call to open it on
    ({"cmd": "agent.case_open", "agent": "1005"}, "case_refused"),  # no category
    ({"cmd": "agent.case_open", "agent": "1005", "category": "nope"}, "case_refused"),
    ({"cmd": "agent.case_open", "agent": "9999", "category": "service"}, "case_refused"),  # not an agent
    ({"cmd": "agent.case_take", "agent": "1005"}, "case_refused"),  # no case id
    ({"cmd": "agent.case_close", "agent": "1005", "case": "C-none"}, "unknown-case"),
    ({"cmd": "agent.case_note", "agent": "1005", "case": "C-1", "by": "1006"}, "invalid-command"),  # no acting for others
])
async def test_desk_case_commands_refuse_with_slugs(desk, command, error_id) -> None:
    commands, _ = desk
    reply = await commands.execute(command)
    assert (reply["ok"], reply["error_id"]) == (False, error_id), reply


async def test_an_agent_cannot_close_a_case_that_is_not_resolved(desk) -> None:
    commands, _ = desk
    opened = await commands.execute({"cmd": "agent.case_open", "agent": "1005", "category": "service"})
    reply = await commands.execute({"cmd": "agent.case_close", "agent": "1005", "case": opened["case"]["case"]})
    assert (reply["ok"], reply["error_id"]) == (False, "case_invalid_transition")
