"""The IVR struggle through the inbound use case (fake call, real ACD): CDR exit, annotated path,
visit records, and the screen pop the agent is offered."""

from __future__ import annotations

import pytest

from cti.store import CdrRecord, IvrVisitRecord
from tests.support.fake_call import HANGUP, SILENCE, FakeCall
from tests.support.inbound import Centre, shipped_flows


@pytest.fixture(scope="module")
def flows():
    return shipped_flows()


def visits(centre: Centre) -> list[tuple]:
    return [(v.visit_id.rsplit(":", 1)[1], v.node, v.tries, v.no_match, v.no_input, v.end)
            for v in centre.cdrs.records if isinstance(v, IvrVisitRecord)]


async def test_wrong_keys_twice_put_the_caller_through_to_an_agent_who_sees_the_keys(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login", "ready")
    offers: list[dict] = []
    centre.acd.notifier.listeners.append(
        lambda kind, payload: offers.append(payload["context"]) if payload.get("event") == "offer" else None)
    cdr = await centre.serve(centre.call(["7", "8"]))
    assert (cdr.queue, cdr.agent, cdr.ivr_exit) == ("billing", "A", "to_agent_after_failures")
    assert cdr.ivr_path == "by_case>by_tier>welcome>menu(no_match:7,8)>help_agent>agent>done"
    assert offers[0]["ivr_path"] == "by_case>by_tier>welcome>menu(no_match:7,8)>help_agent>agent" and offers[0]["digits"] == "78"
    assert visits(centre) == [("0", "menu", 2, "7,8", 0, "failed")]


async def test_a_caller_served_by_the_menu_is_self_service(flows) -> None:
    centre = Centre(flows)
    cdr = await centre.serve(centre.call(["1"]))
    assert (cdr.ivr_exit, cdr.queue) == ("self_service", None)
    assert visits(centre) == [("0", "menu", 1, "", 0, "answered")]


async def test_a_caller_who_hangs_up_after_a_wrong_key_left_after_failing(flows) -> None:
    centre = Centre(flows)
    cdr = await centre.serve(centre.call(["9", HANGUP]))
    assert (cdr.disposition, cdr.ivr_exit) == ("caller_hangup", "failed")
    assert visits(centre) == [("0", "menu", 1, "9", 0, "hung_up")]


async def test_a_silent_line_keeps_its_script_and_its_own_exit(flows) -> None:
    centre = Centre(flows)
    cdr = await centre.serve(centre.call([SILENCE, SILENCE]))
    assert (cdr.disposition, cdr.ivr_exit) == ("silent", "silent")
    assert visits(centre) == [("0", "menu", 2, "", 2, "silent")]


async def test_zero_at_the_account_question_of_self_service_reaches_an_agent(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login", "ready")
    cdr = await centre.serve(FakeCall(["0"], clock=centre.clock, caller="5550000", agi_script="ivr/selfservice",
                                      dialed="10001"))
    assert (cdr.queue, cdr.agent, cdr.ivr_exit) == ("billing", "A", "to_agent")
    assert cdr.ivr_path == "welcome>find_caller>ask_account>connecting>agent>done"
    assert isinstance(cdr, CdrRecord) and visits(centre) == [("0", "ask_account", 1, "", 0, "to_agent")]
