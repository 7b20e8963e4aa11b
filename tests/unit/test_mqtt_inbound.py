"""Desktop commands: topic agent id, validation, error replies (pure, with a recording executor)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from cti.mqtt.inbound import MAX_PAYLOAD, bare, handle, is_async, parse


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def execute(self, raw: dict) -> dict:
        self.calls.append(raw)
        return {"ok": True, "agent": {"id": raw["agent"]}}


def send(body, agent="1001", retained=False):
    rec = Recorder()
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return handle(agent, payload, retained, rec.execute), rec.calls


def test_pause_with_reason_runs_for_the_agent_of_the_topic_and_echoes_request_id():
    reply, calls = send({"cmd": "pause", "reason": "lunch", "request_id": "r7"})
    assert calls == [{"cmd": "agent.pause", "agent": "1001", "reason": "lunch"}]
    assert reply == {"request_id": "r7", "ok": True, "agent": {"id": "1001"}}


def test_body_naming_the_same_agent_is_accepted():
    reply, calls = send({"cmd": "ready", "agent": "1001"})
    assert reply["ok"] and calls[0]["agent"] == "1001"


@pytest.mark.parametrize("body, expected", [
    ({"cmd": "consult", "target": "faults"}, {"cmd": "agent.consult", "agent": "1001", "target": "faults"}),
    ({"cmd": "consult_complete"}, {"cmd": "agent.consult_complete", "agent": "1001"}),
    ({"cmd": "consult_cancel", "request_id": 9}, {"cmd": "agent.consult_cancel", "agent": "1001"}),
    ({"cmd": "transfer", "target": "faults"}, {"cmd": "agent.transfer", "agent": "1001", "target": "faults"}),
])
def test_transfer_commands_reach_the_desk_with_their_target(body, expected):
    reply, calls = send(body)
    assert reply["ok"] and calls == [expected]


@pytest.mark.parametrize("body, error_id, request_id", [
    (b"{nope", "bad-json", None),
    (b"\xff\xfe", "bad-json", None),
    ([1, 2], "bad-json", None),
    ({"request_id": "a"}, "unknown-command", "a"),
    ({"cmd": "conference", "request_id": 3}, "unknown-command", 3),
    ({"cmd": "ready", "colour": "red", "request_id": "b"}, "invalid-command", "b"),
    ({"cmd": "pause", "reason": 5}, "invalid-command", None),
    ({"cmd": "ready", "agent": "1002", "request_id": "c"}, "agent-mismatch", "c"),
    (b" " * (MAX_PAYLOAD + 1), "payload-too-large", None),
])
def test_bad_commands_get_an_error_reply_and_never_run(body, error_id, request_id):
    reply, calls = send(body)
    assert calls == []
    assert (reply["ok"], reply["error_id"], reply["request_id"]) == (False, error_id, request_id)
    assert reply["message"]


def test_retained_command_is_refused_so_it_cannot_replay_on_reconnect():
    reply, calls = send({"cmd": "logout"}, retained=True)
    assert calls == [] and reply["error_id"] == "retained-command"


@given(st.binary(max_size=300))
def test_any_bytes_get_a_reply_and_never_raise(payload):
    reply = handle("1001", payload, False, Recorder().execute)
    assert reply["ok"] in (True, False)


@pytest.mark.parametrize("body, expected", [
    ({"cmd": "case_open", "category": "billing", "priority": "urgent", "description": "billed twice"},
     {"cmd": "agent.case_open", "agent": "1001", "category": "billing", "priority": "urgent",
      "description": "billed twice"}),
    ({"cmd": "case_note", "case": "C-1", "note": "called the bank"},
     {"cmd": "agent.case_note", "agent": "1001", "case": "C-1", "note": "called the bank"}),
    ({"cmd": "case_close", "case": "C-1"}, {"cmd": "agent.case_close", "agent": "1001", "case": "C-1"}),
])
def test_case_commands_become_agent_case_requests_made_by_the_topics_agent(body, expected):
    request, refusal = parse("1001", json.dumps({**body, "request_id": 9}).encode(), False)
    assert refusal is None and is_async(request) and bare(request) == expected and request["request_id"] == 9


def test_a_case_command_naming_another_agent_is_refused():
    request, refusal = parse("1001", json.dumps({"cmd": "case_take", "case": "C-1", "agent": "1002"}).encode(), False)
    assert refusal is not None and refusal["error_id"] == "agent-mismatch"
    assert not is_async(parse("1001", b'{"cmd": "ready"}', False)[0])
