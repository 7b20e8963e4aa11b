"""AMI framing and translation: a recorded Asterisk 22 transcript replayed through the protocol.

panoramisk decodes each TCP read on its own, so a UTF-8 character cut by a read boundary is lost;
`WholeMessageProtocol` frames on bytes first. Whatever the chunking, the same typed events must
come out, with the caller's Chinese name intact.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from panoramisk.actions import Action

from cti.ami import events as ev
from cti.ami import protocol as ami_protocol
from cti.ami.protocol import WholeMessageProtocol

CRLF = "\r\n"


def message(*lines: str) -> str:
    return CRLF.join(lines) + CRLF + CRLF


CHANNEL = (
    "Channel: PJSIP/caller-00000001",
    "CallerIDNum: 5551234",
    "CallerIDName: 张三丰",
    "ConnectedLineNum: <unknown>",
    "ConnectedLineName: <unknown>",
    "Language: zh",
    "AccountCode: ",
    "Context: hotline",
    "Exten: 10000",
    "Priority: 1",
    "Uniqueid: 1700000000.1",
    "Linkedid: 1700000000.1",
)

TRANSCRIPT = (
    "Asterisk Call Manager/11.0.0" + CRLF
    + message("Response: Success", "ActionID: login-1", "Message: Authentication accepted")
    + message("Event: FullyBooted", "Privilege: system,all", "Uptime: 13", "LastReload: 13",
              "Status: Fully Booted")
    + message("Event: Newchannel", "Privilege: call,all", "ChannelState: 0", "ChannelStateDesc: Down",
              *CHANNEL)
    + message("Event: VarSet", "Privilege: dialplan,all", *CHANNEL, "Variable: LANG", "Value: zh")
    + message("Event: Newstate", "Privilege: call,all", "ChannelState: 6", "ChannelStateDesc: Up",
              *CHANNEL)
    + message("Event: Hangup", "Privilege: call,all", "ChannelState: 6", "ChannelStateDesc: Up",
              *CHANNEL, "Cause: 16", "Cause-txt: Normal Clearing")
    + message("Event: UserEvent", "Privilege: user,all", "UserEvent: CampaignTick", "Campaign: 春季回访",
              "Dialed: 12")
).encode("utf-8")

CALLER = dict(uniqueid="1700000000.1", linkedid="1700000000.1", channel="PJSIP/caller-00000001",
              caller="5551234", caller_name="张三丰", exten="10000", context="hotline")

EXPECTED = [
    ("FullyBooted", {}),
    ("Newchannel", {**CALLER, "state": "Down"}),
    ("Newstate", {**CALLER, "state": "Up"}),
    ("Hangup", {**CALLER, "state": "Up", "cause": 16, "cause_txt": "Normal Clearing"}),
    ("UserEvent", {"name": "CampaignTick",
                   "headers": {"Privilege": "user,all", "Campaign": "春季回访", "Dialed": "12"}}),
]


class FakeTransport:
    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted


class FakeFactory:
    """What AmiClient is to the protocol: translates dispatched messages, records them."""

    forgetable_actions = frozenset()

    def __init__(self) -> None:
        self.events: list[ev.AmiEvent] = []
        self.awaiting_actions: deque = deque()
        self.lost: list[object] = []

    def dispatch(self, msg) -> None:
        event = ev.translate(msg)
        if event is not None:
            self.events.append(event)

    def connection_lost(self, exc: object) -> None:
        self.lost.append(exc)


def connect() -> tuple[WholeMessageProtocol, FakeTransport, FakeFactory]:
    transport, factory = FakeTransport(), FakeFactory()
    protocol = WholeMessageProtocol()
    protocol.connection_made(transport)
    protocol.factory = factory
    protocol.encoding = "utf-8"
    return protocol, transport, factory


def shape(event: ev.AmiEvent) -> tuple[str, dict]:
    fields = dataclasses.asdict(event)
    fields.pop("received_at")
    return type(event).__name__, fields


def chunks_at(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(set(cuts)), len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def replay(chunks: list[bytes]) -> tuple[list[tuple[str, dict]], dict, WholeMessageProtocol]:
    """Log in, feed the transcript in `chunks`; return translated events and the Login reply."""

    async def go():
        protocol, transport, factory = connect()
        login = protocol.send(Action({"Action": "Login", "ActionID": "login-1", "Username": "hotline",
                                      "Secret": "s3cret"}))
        assert transport.written.startswith(b"Action: Login\r\nActionID: login-1\r\n")
        for chunk in chunks:
            protocol.data_received(chunk)
        assert login.done(), "the Login response was not correlated with its action"
        return [shape(e) for e in factory.events], dict(login.result()), protocol

    return asyncio.run(go())


def test_transcript_in_one_read_gives_typed_events_in_order():
    events, login, protocol = replay([TRANSCRIPT])

    assert protocol.version == "11.0.0"
    assert login["Message"] == "Authentication accepted"
    assert events == EXPECTED


def test_transcript_fed_one_byte_at_a_time_keeps_the_chinese_name_whole():
    events, login, protocol = replay([TRANSCRIPT[i:i + 1] for i in range(len(TRANSCRIPT))])

    assert protocol.version == "11.0.0"
    assert events == EXPECTED
    assert [fields.get("caller_name") for name, fields in events if name == "Newchannel"] == ["张三丰"]


def test_a_read_boundary_inside_every_multibyte_character_loses_nothing():
    name = "张三丰".encode()
    start = TRANSCRIPT.index(name)
    for cut in range(start + 1, start + len(name)):
        events, _, _ = replay(chunks_at(TRANSCRIPT, [cut]))
        assert events == EXPECTED, f"cut at byte {cut}"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(TRANSCRIPT)), max_size=60))
def test_any_chunking_gives_the_same_events(cuts):
    events, login, protocol = replay(chunks_at(TRANSCRIPT, cuts))

    assert protocol.version == "11.0.0"
    assert login["Response"] == "Success"
    assert events == EXPECTED


def test_event_missing_uniqueid_is_logged_and_dropped_and_later_events_still_flow(caplog):
    broken = message("Event: Newchannel", "Privilege: call,all", "Channel: PJSIP/ghost-00000009",
                     "ChannelStateDesc: Down", "CallerIDNum: 5550000").encode()
    data = TRANSCRIPT.replace(b"Event: Newstate", broken.decode().encode() + b"Event: Newstate", 1)
    protocol, transport, factory = connect()

    with caplog.at_level(logging.WARNING, logger="hotline.ami"):
        for i in range(len(data)):
            protocol.data_received(data[i:i + 1])

    assert [shape(e) for e in factory.events] == EXPECTED
    assert any("malformed AMI newchannel event dropped" in r.getMessage() and "ghost" in r.getMessage()
               for r in caplog.records)
    assert not transport.aborted


def test_peer_that_never_ends_a_message_past_the_cap_gets_the_link_aborted(caplog):
    protocol, transport, factory = connect()
    protocol.data_received(b"Asterisk Call Manager/11.0.0\r\nEvent: Newchannel\r\n")
    junk = b"X-Filler: " + b"y" * (64 * 1024 - 12) + b"\r\n"

    with caplog.at_level(logging.ERROR, logger="hotline.ami"):
        fed = 0
        while not transport.aborted and fed <= ami_protocol.MAX_BUFFER + len(junk):
            protocol.data_received(junk)
            fed += len(junk)

    assert transport.aborted
    assert fed > ami_protocol.MAX_BUFFER - len(junk)
    assert factory.events == []
    assert any("without a message end" in r.getMessage() for r in caplog.records)


def test_complete_messages_adding_up_past_the_cap_are_not_a_runaway_peer(monkeypatch):
    monkeypatch.setattr(ami_protocol, "MAX_BUFFER", 4096)
    protocol, transport, factory = connect()
    one = message("Event: FullyBooted", "Privilege: system,all", "Status: Fully Booted").encode()

    for _ in range(200):
        protocol.data_received(one)

    assert not transport.aborted
    assert len(factory.events) == 200


# ---------------------------------------------------------------- the short path for plain events

def _messages(data: bytes) -> list[str]:
    return [m.decode().strip() for m in data.split(b"\r\n\r\n") if m.strip() and b"Event: " in m]


def test_plain_events_translate_exactly_as_panoramisks_message_does():
    from panoramisk.message import Message

    transfer = message("Event: AttendedTransfer", "Result: Success", "OrigTransfererChannel: PJSIP/1001-1",
                       "TransfereeUniqueid: 1700000000.1", "TransferTargetChannel: PJSIP/1002-2")
    dial = message("Event: DialEnd", "Uniqueid: 1700000000.1", "DestUniqueid: 1700000000.2",
                   "DestChannel: PJSIP/1001-2", "DialStatus: ANSWER")
    texts = _messages(TRANSCRIPT) + _messages((transfer + dial).encode())
    assert len(texts) == 8
    for text in texts:
        fields = ami_protocol.plain_event(text)
        assert fields is not None, text
        assert shape_or_none(ev.translate(fields)) == shape_or_none(ev.translate(Message.from_line(text))), text


def shape_or_none(event):
    return None if event is None else shape(event)


def test_plain_event_headers_are_found_in_any_case():
    fields = ami_protocol.plain_event(message("Event: Hangup", *CHANNEL, "Cause: 16").strip())
    assert (fields["uniqueid"], fields.get("UNIQUEID"), fields["Uniqueid"]) == ("1700000000.1",) * 3
    assert "cause" in fields and "Cause-txt" not in fields and fields.get("Cause-txt", "") == ""


@pytest.mark.parametrize("lines", [
    ("Event: CoreShowChannel", "ActionID: resync-1", *CHANNEL),  # belongs to a waiting event-list action
    ("Event: Newchannel", "CommandID: c-1", *CHANNEL),
    ("Event: Shutdown", "Shutdown: Cleanly", "Restart: True"),  # panoramisk also drops the link
    ("Event: VarSet", "Variable: A", "Variable: B"),  # a repeated header becomes panoramisk's list
    ("Response: Success", "Message: pong"),
])
def test_messages_panoramisk_must_see_take_the_long_path(lines):
    assert ami_protocol.plain_event(message(*lines).strip()) is None


def test_shutdown_still_drops_the_link_and_is_translated():
    protocol, transport, factory = connect()
    protocol.data_received(b"Asterisk Call Manager/11.0.0\r\n"
                           + message("Event: Shutdown", "Shutdown: Cleanly", "Restart: True").encode())
    assert [shape(e) for e in factory.events] == [("Shutdown", {"restart": True})]
    assert factory.lost and transport.closed
