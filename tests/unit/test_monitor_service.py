"""MonitorService's decisions with stand-ins for Asterisk (what it sends, when it refuses, how a
session ends); the real thing is tests/integration/test_monitor_calls.py."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from acd.models import Agent, AgentState, QueueSpec
from acd.supervision import Mode, Supervisor
from cti.ami import events as ev
from cti.ami.registry import CallRegistry
from cti.services.monitoring import MonitorRefused, MonitorService
from cti.store.quality_models import MonitorSessionRecord

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CALLER, LEG = "1796135212.7", "1796135212.8"


class FakeAmi:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def originate(self, channel, **fields):
        self.sent.append(("originate", {"channel": channel, **fields}))
        return fields["channel_id"]

    async def action(self, fields, **kwargs):
        self.sent.append(("action", dict(fields)))

    async def hangup(self, channel, cause=16):
        self.sent.append(("hangup", {"channel": channel}))


def acd_with_dave_on_a_call():
    agents = {"1004": Agent("1004", "Dave", "PJSIP/1004", {"billing": 5}, state=AgentState.ON_CALL),
              "1005": Agent("1005", "Erin", "PJSIP/1005", {"faults": 5})}
    queues = {"billing": QueueSpec(name="billing", skills={"billing": 1})}
    return SimpleNamespace(router=SimpleNamespace(queues=queues, agents=agents), agent=agents.get,
                           last_call={"1004": SimpleNamespace(id=CALLER, queue="billing")},
                           connected_by={"1004": CALLER})


@pytest.fixture
def service():
    registry, records, ami = CallRegistry(), [], FakeAmi()
    for uid, name in ((CALLER, "PJSIP/caller-1"), (LEG, "PJSIP/1004-0000002")):
        registry.apply(ev.Newchannel(uniqueid=uid, linkedid=CALLER, channel=name, caller="", caller_name="",
                                     exten="", context="", state="Up"))
    registry.apply(ev.DialEnd(uniqueid=CALLER, dest_uniqueid=LEG, dest_channel="PJSIP/1004-0000002", status="ANSWER"))
    sups = {"sup1": Supervisor("sup1", "Sam", "PJSIP/2001", ("billing",))}
    svc = MonitorService(acd_with_dave_on_a_call(), ami, registry, SimpleNamespace(submit=records.append), sups,
                         wall=lambda: NOW)
    svc.records_seen, svc.ami_seen = records, ami
    return svc


def answered(service, session_id: str, name: str = "PJSIP/2001-00000009") -> None:
    service.registry.apply(ev.Newchannel(uniqueid=session_id, linkedid=session_id, channel=name, caller="",
                                         caller_name="", exten="", context="", state="Up"))
    service.registry.apply(ev.OriginateResponse(action_id=session_id, uniqueid=session_id, success=True, reason="4"))


async def test_start_rings_the_supervisors_phone_into_chanspy_on_the_agents_leg(service):
    reply = await service.start("sup1", "1004", Mode.WHISPER, "cli")
    [(kind, sent)] = service.ami_seen.sent
    sid = reply["session"]["session"]
    assert kind == "originate" and sent["channel"] == "PJSIP/2001"
    assert (sent["context"], sent["exten"], sent["channel_id"], sent["action_id"]) == \
        ("hotline-spy", "whisper", sid, sid)
    assert sent["variables"] == {"HOTLINE_SPY_TARGET": LEG, "HOTLINE_SPY_SESSION": sid}
    assert reply["session"]["call"] == CALLER and reply["session"]["state"] == "starting"


async def test_switch_sends_the_chanspy_digit_to_the_supervisors_channel_and_stop_hangs_it_up(service):
    sid = (await service.start("sup1", "1004", Mode.LISTEN, "mqtt"))["session"]["session"]
    with pytest.raises(MonitorRefused) as refused:
        await service.switch("sup1", Mode.BARGE, "mqtt")
    assert refused.value.error_id == "not-answered"
    answered(service, sid)
    await service.switch("sup1", Mode.BARGE, "mqtt")
    await service.switch("sup1", Mode.BARGE, "mqtt")  # already: nothing sent
    await service.stop("sup1", "mqtt")
    assert service.ami_seen.sent[1:] == [
        ("action", {"Action": "PlayDTMF", "Channel": "PJSIP/2001-00000009", "Digit": "6", "Duration": "120",
                    "Receive": "true"}),
        ("hangup", {"channel": "PJSIP/2001-00000009"})]
    watcher = service._watchers[sid]
    service.registry.apply(ev.Hangup(uniqueid=sid, linkedid=sid, channel="PJSIP/2001-00000009", caller="",
                                     caller_name="", exten="", context="", state="Up", cause=16, cause_txt=""))
    await asyncio.wait_for(watcher, 1)  # the session's watcher saw the Hangup and ended it
    [record] = service.records_seen
    assert isinstance(record, MonitorSessionRecord) and (record.outcome, record.via, record.mode) == \
        ("ended", "mqtt", "listen")
    assert [m for _, m in json.loads(record.modes)] == ["listen", "barge"]
    assert "sup1" not in service.sessions


async def test_unanswered_phone_ends_the_session_as_failed_and_frees_the_supervisor(service):
    sid = (await service.start("sup1", "1004", Mode.LISTEN, "cli"))["session"]["session"]
    service.registry.apply(ev.OriginateResponse(action_id=sid, uniqueid="", success=False, reason="3"))
    [record] = service.records_seen
    assert (record.session_id, record.outcome) == (sid, "failed")
    assert "sup1" not in service.sessions and not service._watchers


@pytest.mark.parametrize("supervisor, agent, error_id, outcome", [
    ("sup1", "1005", "out-of-scope", "refused"),
    ("sup1", "9999", "unknown-agent", "refused"),
    ("nobody", "1004", "unknown-supervisor", "refused"),
])
async def test_refusals_send_nothing_and_are_logged(service, supervisor, agent, error_id, outcome):
    with pytest.raises(MonitorRefused) as refused:
        await service.start(supervisor, agent, Mode.LISTEN, "web")
    assert refused.value.error_id == error_id and service.ami_seen.sent == []
    [record] = service.records_seen
    assert (record.supervisor, record.agent, record.outcome, record.via, record.started_at, record.ended_at) == \
        (supervisor, agent, outcome, "web", NOW, NOW)


async def test_a_busy_supervisor_or_an_agent_whose_leg_is_gone_is_refused(service):
    await service.start("sup1", "1004", Mode.LISTEN, "cli")
    with pytest.raises(MonitorRefused) as refused:
        await service.start("sup1", "1004", Mode.BARGE, "cli")
    assert refused.value.error_id == "busy"
    service.sessions.clear()
    service.registry.apply(ev.Hangup(uniqueid=LEG, linkedid=CALLER, channel="PJSIP/1004-0000002", caller="",
                                     caller_name="", exten="", context="", state="Up", cause=16, cause_txt=""))
    with pytest.raises(MonitorRefused) as refused:
        await service.start("sup1", "1004", Mode.LISTEN, "cli")
    assert refused.value.error_id == "agent-not-on-call"


async def test_stop_while_ringing_hangs_up_by_the_chosen_uniqueid_and_is_no_failure(service):
    sid = (await service.start("sup1", "1004", Mode.LISTEN, "cli"))["session"]["session"]
    watcher = service._watchers[sid]
    await service.stop("sup1", "cli")  # Asterisk has not reported the channel's name yet
    assert service.ami_seen.sent[-1] == ("hangup", {"channel": sid})
    service.registry.apply(ev.Hangup(uniqueid=sid, linkedid=sid, channel="PJSIP/2001-0000000a", caller="",
                                     caller_name="", exten="", context="", state="Ringing", cause=16, cause_txt=""))
    await asyncio.wait_for(watcher, 1)
    [record] = service.records_seen
    assert record.outcome == "ended" and record.ended_at == NOW
