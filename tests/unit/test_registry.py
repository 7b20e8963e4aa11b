"""Call registry: AMI transcript events in, channel state out; lost hangups reconciled after a resync."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from panoramisk.message import Message

from cti.ami import registry as registry_module
from cti.ami import events as ev
from cti.ami.registry import CallRegistry

T0 = datetime(2024, 5, 1, 9, 0, 0, tzinfo=timezone.utc)
CRLF = "\r\n"


def channel_lines(uniqueid: str, name: str, state: str, caller_name: str = "张三丰") -> list[str]:
    return [f"Channel: {name}", f"ChannelStateDesc: {state}", "CallerIDNum: 5551234",
            f"CallerIDName: {caller_name}", "Context: hotline", "Exten: 10000",
            f"Uniqueid: {uniqueid}", f"Linkedid: {uniqueid}"]


def translated(*messages: list[str]) -> list[ev.AmiEvent]:
    """Each message (header lines) as panoramisk parses it, through the translation boundary,
    stamped one second apart from T0."""
    out = []
    for second, lines in enumerate(messages):
        event = ev.translate(Message.from_line(CRLF.join(lines)))
        assert event is not None, lines
        out.append(replace(event, received_at=T0 + timedelta(seconds=second)))
    return out


def call(uniqueid: str = "1700000000.1", name: str = "PJSIP/caller-00000001") -> list[ev.AmiEvent]:
    return translated(
        ["Event: Newchannel", *channel_lines(uniqueid, name, "Down")],
        ["Event: Newstate", *channel_lines(uniqueid, name, "Ringing")],
        ["Event: Newstate", *channel_lines(uniqueid, name, "Up")],
        ["Event: Hangup", *channel_lines(uniqueid, name, "Up"), "Cause: 16", "Cause-txt: Normal Clearing"],
    )


def fed(events: list[ev.AmiEvent]) -> CallRegistry:
    registry = CallRegistry()
    for event in events:
        registry.apply(event)
    return registry


def test_transcript_call_is_created_answered_then_ended_with_its_cause():
    created, ringing, answered, hangup = call()
    registry = fed([created, ringing, answered])

    info = registry.get("1700000000.1")
    assert info is not None and info in registry.live
    assert (info.created_at, info.answered_at, info.ended_at) == (T0, T0 + timedelta(seconds=2), None)
    assert (info.caller, info.caller_name, info.channel, info.state) == (
        "5551234", "张三丰", "PJSIP/caller-00000001", "Up")

    registry.apply(hangup)

    assert info.ended_at == T0 + timedelta(seconds=3)
    assert (info.cause, info.cause_txt) == (16, "Normal Clearing")
    assert info.ended.is_set()
    assert registry.live == []


def test_channel_hung_up_while_ringing_was_never_answered():
    created, ringing, _, _ = call()
    hangup = translated(["Event: Hangup", *channel_lines("1700000000.1", "PJSIP/caller-00000001", "Ringing"),
                         "Cause: 19", "Cause-txt: No answer"])[0]

    info = fed([created, ringing, hangup]).get("1700000000.1")

    assert info.answered_at is None
    assert (info.cause, info.cause_txt) == (19, "No answer")


async def test_wait_ended_returns_as_soon_as_the_hangup_is_applied():
    *before, hangup = call()
    registry = fed(before)
    waiter = asyncio.create_task(registry.wait_ended("1700000000.1", timeout=5))
    await asyncio.sleep(0)  # let the waiter block on the channel's ended event
    assert not waiter.done()

    registry.apply(hangup)
    info = await asyncio.wait_for(waiter, 1)

    assert info.ended_at is not None and info.cause == 16


async def test_wait_ended_for_a_channel_still_up_returns_what_is_known_at_the_timeout():
    registry = fed(call()[:3])

    info = await registry.wait_ended("1700000000.1", timeout=0.01)

    assert info.ended_at is None and info.answered_at is not None


async def test_wait_ended_registered_before_the_channel_appears_is_woken_by_its_hangup():
    registry = CallRegistry()
    waiter = asyncio.create_task(registry.wait_ended("1700000000.1", timeout=5))
    await asyncio.sleep(0)

    for event in call():
        registry.apply(event)
    info = await asyncio.wait_for(waiter, 1)

    assert info.cause == 16 and info.caller_name == "张三丰"


def listed(*uniqueids: str, second: int = 10) -> ev.ChannelsListed:
    return ev.ChannelsListed(uniqueids=frozenset(uniqueids), received_at=T0 + timedelta(seconds=second))


def test_resync_ends_a_channel_asterisk_no_longer_has_as_a_lost_hangup_and_keeps_the_listed_one():
    gone, kept = call("1700000000.1")[:3], call("1700000000.2", "PJSIP/caller-00000002")[:3]
    registry = fed(gone + kept)

    registry.apply(listed("1700000000.2"))

    lost = registry.get("1700000000.1")
    assert lost.ended_at == T0 + timedelta(seconds=10) and lost.ended.is_set()
    assert lost.cause is None and "lost" in lost.cause_txt
    assert registry.lost_hangups == 1
    assert [c.uniqueid for c in registry.live] == ["1700000000.2"]
    assert not registry.get("1700000000.2").ended.is_set()


def test_resync_listing_a_channel_never_seen_adds_it_as_live():
    seen = translated(["Event: CoreShowChannel", "ActionID: r-1",
                       *channel_lines("1700000000.7", "PJSIP/agent-00000007", "Up"),
                       "Duration: 00:01:05"])[0]
    registry = CallRegistry()

    registry.apply(seen)
    registry.apply(listed("1700000000.7"))

    info = registry.get("1700000000.7")
    assert seen.duration_s == 65
    assert info in registry.live and info.answered_at is not None
    assert registry.lost_hangups == 0


async def test_resync_does_not_end_a_channel_only_awaited_and_not_yet_seen():
    registry = CallRegistry()
    waiter = asyncio.create_task(registry.wait_ended("1700000000.9", timeout=0.05))
    await asyncio.sleep(0)

    registry.apply(listed())

    info = await waiter
    assert info.ended_at is None and registry.lost_hangups == 0


def test_a_second_resync_does_not_count_the_same_lost_hangup_twice():
    registry = fed(call()[:3])

    registry.apply(listed())
    registry.apply(listed(second=20))

    assert registry.lost_hangups == 1
    assert registry.get("1700000000.1").ended_at == T0 + timedelta(seconds=10)


def test_ended_channels_are_forgotten_oldest_first_past_the_bound(monkeypatch):
    monkeypatch.setattr(registry_module, "ENDED_KEEP", 5)
    registry = CallRegistry()
    still_live = call("1700000099.0", "PJSIP/caller-live")[:3]
    for event in still_live:
        registry.apply(event)

    for n in range(12):
        for event in call(f"1700000000.{n}", f"PJSIP/caller-{n:08d}"):
            registry.apply(event)

    ended = [uid for uid, info in registry.channels.items() if info.ended_at is not None]
    assert ended == [f"1700000000.{n}" for n in range(7, 12)]
    assert registry.get("1700000000.0") is None
    assert [c.uniqueid for c in registry.live] == ["1700000099.0"]


def test_default_memory_bound_holds_for_a_busy_day():
    registry = CallRegistry()
    for n in range(registry_module.ENDED_KEEP + 500):
        for event in call(f"1700000000.{n}", f"PJSIP/caller-{n:08d}")[::3]:  # Newchannel, Hangup
            registry.apply(event)

    assert len(registry.channels) == registry_module.ENDED_KEEP
    assert registry.get("1700000000.0") is None


@pytest.mark.parametrize("name", ["DialEnd", "FullyBooted", "UserEvent"])
def test_events_the_registry_does_not_track_change_nothing(name):
    message = {"DialEnd": ["Event: DialEnd", "Uniqueid: 1", "DestUniqueid: 2", "DialStatus: ANSWER"],
               "FullyBooted": ["Event: FullyBooted", "Status: Fully Booted"],
               "UserEvent": ["Event: UserEvent", "UserEvent: Tick"]}[name]
    registry = CallRegistry()

    registry.apply(translated(message)[0])

    assert registry.channels == {}
