"""Inbound calls end to end without Asterisk: a fake caller walks the shipped main flow
(config/ivr/main.yaml with sounds/), waits in a real ACD on a fake clock, reaches a fake agent's
phone, and the call's one CDR says what happened. Only InboundCalls' constructor, `handle` and
`drain` are used: its insides may change freely.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from panoramisk.message import Message

from acd import Agent, QueueSpec, Router
from cti.agi import DialOutcome
from cti.ami import events as ev
from cti.ami.registry import CallRegistry
from cti.store import CdrRecord
from cti.store.models import QueueLogRecord
from tests.support.inbound import Centre, Directory, shipped_flows
from tests.support.fake_call import HANGUP, SILENCE, Barge, FakeCall

AGENT_RING_S = 28  # the billing queue's 30 s reservation, less Dial's 2 s margin


@pytest.fixture(scope="module")
def flows():
    return shipped_flows()


def _summary(cdr: CdrRecord) -> dict[str, object]:
    return {"disposition": cdr.disposition, "ivr_path": cdr.ivr_path, "digits": cdr.digits, "queue": cdr.queue,
            "agent": cdr.agent, "wait_s": cdr.wait_s, "talk_s": cdr.talk_s}


# ---------------------------------------------------------------- the IVR walk


async def test_caller_pressing_1_hears_billing_and_the_call_ends_completed(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["1"], caller="5551234", dialed="10000")
    cdr = await centre.serve(call)
    assert _summary(cdr) == {"disposition": "completed", "ivr_path": "by_case>by_tier>welcome>menu>billing>goodbye>done",
                             "digits": "1", "queue": None, "agent": None, "wait_s": None, "talk_s": None}
    assert (cdr.call_id, cdr.direction, cdr.caller, cdr.dialed, cdr.ivr_flow, cdr.exit_node) == \
        (call.uniqueid, "inbound", "5551234", "10000", "main", "done")
    assert cdr.answered_at is not None and cdr.duration_s >= 0
    assert call.prompts == ["en/welcome", "en/agent_option", "en/billing", "en/goodbye"]
    assert call.actions[0] == ("answer",)
    # the dialplan must not fall back, and the hangup cause must read "normal clearing"
    assert call.actions[-2:] == [("set", "HOTLINE_DONE", "1"), ("exec", "Hangup", 16)]
    assert centre.ended == [cdr]


async def test_caller_who_knows_the_menu_presses_2_during_the_welcome_and_skips_the_menu_prompt(flows) -> None:
    centre = Centre(flows)
    call = centre.call([Barge("2")])
    cdr = await centre.serve(call)
    assert (cdr.ivr_path, cdr.digits, cdr.disposition) == ("by_case>by_tier>welcome>menu>fault>goodbye>done", "2", "completed")
    assert call.prompts == ["en/welcome", "en/fault", "en/goodbye"]


async def test_silent_caller_hears_the_menu_twice_then_cannot_hear_and_is_hung_up_as_silent(flows) -> None:
    centre = Centre(flows)
    call = centre.call([SILENCE, SILENCE])
    cdr = await centre.serve(call)
    assert (cdr.disposition, cdr.exit_node, cdr.digits) == ("silent", "hangup_silent", "")
    assert call.prompts == ["en/welcome", "en/agent_option", "en/agent_option", "en/cannot_hear"]
    assert centre.clock() == 110.0  # two 5 s menu timeouts


async def test_gold_customer_hears_the_gold_welcome(flows) -> None:
    centre = Centre(flows, directory=Directory({"5559001": {"tier": "gold"}}))
    call = centre.call(["2"], caller="5559001")
    cdr = await centre.serve(call)
    assert cdr.ivr_path.startswith("by_case>by_tier>welcome_gold>menu>fault")
    assert call.prompts[0] == "en/welcome_gold"


async def test_caller_hanging_up_mid_prompt_ends_as_caller_hangup_at_that_node(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["1", HANGUP])  # presses 1, hangs up during the billing information
    cdr = await centre.serve(call)
    assert _summary(cdr) == {"disposition": "caller_hangup", "ivr_path": "by_case>by_tier>welcome>menu>billing",
                             "digits": "1", "queue": None, "agent": None, "wait_s": None, "talk_s": None}
    assert cdr.exit_node == "billing"
    assert ("set", "HOTLINE_DONE", "1") not in call.actions  # nothing more was sent to a dead channel
    assert call.actions[-1] == ("play", "en/billing")


@pytest.mark.parametrize(("steps", "ending"), [(["1"], "completed at node done"),
                                               (["1", HANGUP], "caller_hangup at node billing")])
async def test_a_call_logs_one_info_line_when_it_ends(flows, caplog, steps, ending) -> None:
    caplog.set_level(logging.INFO, logger="hotline")
    centre = Centre(flows)
    call = centre.call(steps, caller="5551234", dialed="10000")
    await centre.serve(call)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == [f"call {call.uniqueid} from '5551234' to '10000' (ivr/main) ended: {ending}"]

async def test_unknown_script_is_left_to_the_dialplan_fallback_without_touching_the_channel(flows) -> None:
    centre = Centre(flows)
    call = centre.call(["1"], agi_script="ivr/no_such_flow")
    cdr = await centre.serve(call)
    assert (cdr.disposition, cdr.ivr_flow, cdr.ivr_path, cdr.answered_at) == ("fallback", "", "", None)
    assert call.actions == []


async def test_the_cdr_joins_the_linked_id_and_hangup_cause_asterisk_reported(flows) -> None:
    registry = CallRegistry()
    call_id = "1700000000.7"
    for lines in (("Event: Newchannel", "Channel: PJSIP/caller-00000007", "ChannelStateDesc: Ring",
                   f"Uniqueid: {call_id}", "Linkedid: 1700000000.6"),
                  ("Event: Hangup", "Channel: PJSIP/caller-00000007", f"Uniqueid: {call_id}",
                   "Linkedid: 1700000000.6", "Cause: 16", "Cause-txt: Normal Clearing")):
        registry.apply(ev.translate(Message.from_line("\r\n".join(lines))))
    centre = Centre(flows, registry=registry, ami_up=True)
    cdr = await centre.serve(centre.call(["1"], uniqueid=call_id))
    assert (cdr.linked_id, cdr.hangup_cause, cdr.hangup_cause_txt) == ("1700000000.6", 16, "Normal Clearing")


# ---------------------------------------------------------------- queueing to an agent


async def test_caller_pressing_0_reaches_the_ready_agent_and_the_cdr_has_agent_wait_and_talk(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login")
    call = centre.call(["0"], dials=[DialOutcome("ANSWER", 42, 47)])
    cdr = await centre.serve(call)
    assert _summary(cdr) == {"disposition": "completed", "ivr_path": "by_case>by_tier>welcome>menu>agent>done",
                             "digits": "0", "queue": "billing", "agent": "A", "wait_s": 0.0, "talk_s": 42}
    assert ("dial", "PJSIP/A", AGENT_RING_S, "gt") in call.actions
    assert centre.state("A") == "wrap_up"
    assert centre.queue_log() == [(call.uniqueid, "enqueue", None), (call.uniqueid, "offer", "A"),
                                  (call.uniqueid, "answer", "A")]


async def test_caller_waits_on_hold_until_the_agent_is_ready_and_the_wait_is_measured(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login", "pause:lunch")
    centre.clock.after(12, lambda: centre.agent("A", "ready"))
    call = centre.call(["0"], dials=[DialOutcome("ANSWER", 60, 64)])
    cdr = await centre.serve(call)
    assert (cdr.agent, cdr.wait_s, cdr.talk_s) == ("A", 12.0, 60)
    assert call.polls == 24  # WAIT FOR DIGIT 500 ms slices, so keys and the router are heard in time
    assert ("music_on", "default") in call.actions
    assert call.actions.index(("music_off",)) < call.actions.index(("dial", "PJSIP/A", AGENT_RING_S, "gt"))


async def test_caller_waiting_past_the_announcement_interval_hears_the_position(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login", "pause:lunch")
    centre.clock.after(20, lambda: centre.agent("A", "ready"))
    call = centre.call(["0"])
    await centre.serve(call)
    assert call.prompts[2:4] == ["en/queue_position", "en/queue_in_line"]  # after the welcome and the menu
    said = call.actions.index(("play", "en/queue_position"))
    assert call.actions[said - 1:said + 2] == [("music_off",), ("play", "en/queue_position"), ("say_number", 1)]


async def test_agent_who_does_not_answer_is_paused_and_the_next_agent_takes_the_call(flows) -> None:
    agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"billing": 5})}
    centre = Centre(flows, agents=agents)
    centre.agent("A", "login")
    centre.clock.advance(1)
    centre.agent("B", "login")  # A has been idle longest: the call goes to A first
    call = centre.call(["0"], dials=[DialOutcome("NOANSWER", 0, AGENT_RING_S), DialOutcome("ANSWER", 30, 33)])
    cdr = await centre.serve(call)
    assert [a[1] for a in call.actions if a[0] == "dial"] == ["PJSIP/A", "PJSIP/B"]
    assert (cdr.agent, cdr.wait_s, cdr.talk_s) == ("B", float(AGENT_RING_S), 30)
    assert (centre.state("A"), centre.acd.router.agent("A").pause_reason) == ("paused", "no-answer")
    assert (call.uniqueid, "no_answer", "A") in centre.queue_log()


async def test_agent_on_call_from_the_moment_ami_reports_the_answer_and_in_wrap_up_after(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login")
    call = centre.call(["0"])
    seen: list[str] = []
    call.on_answer.append(lambda interface: centre.acd.on_dial_answered(call.uniqueid))  # AMI DialEnd
    call.on_answer.append(lambda interface: seen.append(centre.state("A")))
    cdr = await centre.serve(call)
    assert seen == ["on_call"] and centre.state("A") == "wrap_up"
    assert [e for _, e, _ in centre.queue_log()].count("answer") == 1  # Dial's return does not answer again
    assert cdr.agent == "A"


async def test_agent_transferring_the_call_to_another_queue_hands_the_caller_to_its_agent(flows) -> None:
    agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"faults": 5})}
    centre = Centre(flows, agents=agents)
    centre.agent("A", "login")
    centre.agent("B", "login")
    call = centre.call(["0"], dials=[DialOutcome("ANSWER", 20, 25), DialOutcome("ANSWER", 40, 45)])

    def agent_a_transfers(interface: str) -> None:
        if interface == "PJSIP/A":
            centre.acd.on_dial_answered(call.uniqueid)
            centre.acd.request_transfer("A", "faults")

    call.on_answer.append(agent_a_transfers)
    cdr = await centre.serve(call)
    assert (cdr.queue, cdr.agent, cdr.talk_s, cdr.disposition) == ("faults", "B", 40, "completed")
    assert [a[1] for a in call.actions if a[0] == "dial"] == ["PJSIP/A", "PJSIP/B"]
    assert (call.uniqueid, "transfer", "A") in centre.queue_log()


async def test_caller_hanging_up_on_hold_is_an_abandon_with_the_wait_so_far(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login", "pause:lunch")
    call = centre.call(["0", SILENCE, SILENCE, HANGUP])
    cdr = await centre.serve(call)
    assert _summary(cdr) == {"disposition": "caller_hangup", "ivr_path": "by_case>by_tier>welcome>menu>agent",
                             "digits": "0", "queue": "billing", "agent": None, "wait_s": 1.0, "talk_s": None}
    assert centre.queue_log()[-1] == (call.uniqueid, "abandon", None)
    assert centre.acd.router.waiting("billing") == []


async def test_caller_hanging_up_while_the_agent_rings_frees_the_agent(flows) -> None:
    centre = Centre(flows)
    centre.agent("A", "login")
    call = centre.call(["0"], dials=[HANGUP])
    cdr = await centre.serve(call)
    assert (cdr.disposition, cdr.queue, cdr.agent) == ("caller_hangup", "billing", None)
    assert centre.state("A") == "ready"


@pytest.mark.parametrize("agents, with_acd", [({}, True), ({"A": Agent("A", "Alice", "PJSIP/A")}, True),
                                              (None, False)],
                         ids=["no agents", "nobody with the skill", "no ACD wired"])
async def test_caller_pressing_0_with_nobody_to_take_the_call_hears_the_queue_is_closed(flows, agents,
                                                                                         with_acd) -> None:
    centre = Centre(flows, agents=agents, with_acd=with_acd)
    call = centre.call(["0"])
    cdr = await centre.serve(call)
    assert (cdr.ivr_path, cdr.agent) == ("by_case>by_tier>welcome>menu>agent>queue_closed>done", None)
    assert call.prompts[-1] == "en/queue_closed"
    assert not [a for a in call.actions if a[0] == "dial"]
