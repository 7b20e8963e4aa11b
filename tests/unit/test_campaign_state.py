"""The campaign run state machine: every (state, event) pair is in the table or raises, and
`DialerService`'s start / pause / stop (and the control socket's replies) go through it."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.app.control import Commands
from dialer.campaign_state import TRANSITIONS, CampaignEvent, CampaignState, InvalidCampaignTransition, step
from tests.support.dialer import DialerWorld
from tests.support.machines import all_pairs, check_pair, reachable, walk

S, E = CampaignState, CampaignEvent


@pytest.mark.parametrize("state,event", all_pairs(CampaignState, CampaignEvent))
def test_every_state_event_pair_is_in_the_table_or_raises(state: S, event: E) -> None:
    check_pair(step, TRANSITIONS, InvalidCampaignTransition, "campaign_invalid_transition", state, event)


def test_start_always_runs_and_only_a_stopped_run_refuses_pause() -> None:
    assert all(TRANSITIONS[s, E.START] is S.RUNNING and TRANSITIONS[s, E.STOP] is S.STOPPED for s in S)
    assert [s for s in S if (s, E.PAUSE) not in TRANSITIONS] == [S.STOPPED]
    assert reachable(TRANSITIONS, S.RUNNING) == set(S)


@given(st.lists(st.sampled_from(list(CampaignEvent)), max_size=10))
def test_any_command_sequence_follows_the_table_and_only_start_revives_a_stopped_run(events: list[E]) -> None:
    path = walk(step, TRANSITIONS, InvalidCampaignTransition, S.RUNNING, events)
    for before, event, after in zip(path, events, path[1:]):
        assert before is not S.STOPPED or after is S.STOPPED or event is E.START


@pytest.fixture
async def world(tmp_path):
    w = await DialerWorld.build(tmp_path)
    yield w
    await w.close()


async def test_start_pause_stop_go_through_the_table(world, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.dialer")
    assert (await world.service.start("c"))["state"] == "running"
    assert world.service.pause("c")["state"] == "paused"
    assert (await world.service.start("c"))["state"] == "running"
    assert world.service.stop("c")["state"] == "stopped"
    assert "c" not in world.service.runs  # nothing in flight: forgotten at once
    for move in ("running -[pause]-> paused", "paused -[start]-> running", "running -[stop]-> stopped"):
        assert f"campaign c: {move}" in caplog.text


async def test_pausing_a_stopped_campaign_with_calls_in_flight_is_refused_with_its_error_id(world):
    world.acd.agent_command("1001", "login")
    commands = Commands(world.acd, world.service)
    assert (await commands.execute_async({"cmd": "dialer.start", "campaign": "c"}))["ok"]
    run = world.service.runs["c"]
    await world.service._pace(run)
    assert run.inflight
    assert (await commands.execute_async({"cmd": "dialer.stop", "campaign": "c"}))["campaign"]["state"] == "stopped"
    reply = await commands.execute_async({"cmd": "dialer.pause", "campaign": "c"})
    assert (reply["ok"], reply["error_id"]) == (False, "campaign_invalid_transition")
    assert "start it again" in reply["message"] and run.state == "stopped"
    [attempt] = run.inflight.values()
    world.service.on_originate_response(attempt.id, False, "3")  # its last call ends: the run goes
    assert "c" not in world.service.runs
