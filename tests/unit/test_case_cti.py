"""Cases on the CTI side: case events reach their topic; a desktop's follow-up disposition carries
the customer's score and answer through to the desk action."""

from __future__ import annotations

import json

from cti.mqtt.inbound import handle
from cti.mqtt.notifier import acd_messages
from cti.mqtt.topics import Topics


def test_case_events_are_published_on_the_cases_topic() -> None:
    [message] = acd_messages(Topics("hotline"), "case", {"case": "C-1", "event": "escalate", "level": 2}, "now")
    assert message.topic == "hotline/cases/C-1/events"
    assert message.payload == {"case": "C-1", "event": "escalate", "level": 2, "at": "now"}


def test_follow_up_disposition_passes_score_and_answer_to_the_desk() -> None:
    seen: list[dict] = []
    body = {"cmd": "disposition", "code": "follow_up", "score": 0, "answer": "not solved", "request_id": 7}
    reply = handle("1001", json.dumps(body).encode(), False, lambda r: seen.append(r) or {"ok": True})
    assert reply == {"request_id": 7, "ok": True}
    assert seen == [{"cmd": "agent.disposition", "agent": "1001", "code": "follow_up", "answer": "not solved",
                     "score": 0}]


def test_a_plain_disposition_carries_no_score() -> None:
    seen: list[dict] = []
    handle("1001", b'{"cmd": "disposition", "code": "resolved"}', False, lambda r: seen.append(r) or {"ok": True})
    assert seen == [{"cmd": "agent.disposition", "agent": "1001", "code": "resolved"}]
