"""Call registry: what Asterisk says about every live channel, fed by AMI events.

The FastAGI coroutine of a call knows what the engine did; the registry knows what Asterisk
did (when the channel appeared, its linked id, when and why it hung up). The CDR joins both.
After an AMI reconnect the registry reconciles with `CoreShowChannels`: channels it still holds
that Asterisk no longer has ended while we were away ("lost hangups") and are closed with an
unknown cause, so nobody waits for a Hangup event that will never come.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from cti.ami import events as ev

log = logging.getLogger("hotline.registry")
ENDED_KEEP = 2000  # ended channels remembered for late CDR joins


@dataclass
class ChannelInfo:
    uniqueid: str
    linkedid: str
    channel: str
    caller: str = ""
    caller_name: str = ""
    created_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    cause: int | None = None
    cause_txt: str = ""
    state: str = ""
    node: str = ""  # the Asterisk node whose AMI announced it (cti.ami.nodes)
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class CallRegistry:
    """Live channels by uniqueid; one task feeds it through `apply`."""

    def __init__(self) -> None:
        self.channels: dict[str, ChannelInfo] = {}
        self._ended_order: deque[str] = deque()
        self.lost_hangups = 0
        # Called with the caller's uniqueid when a Dial it made is answered (agent on_call).
        self.on_dial_answered: list[Callable[[str], None]] = []
        # Called with (action id, success, reason) for every async Originate's outcome.
        self.on_originate_response: list[Callable[[str, bool, str], None]] = []
        # Called with every AttendedTransfer event (consult transfers).
        self.on_attended_transfer: list[Callable[[ev.AttendedTransfer], None]] = []
        self._answered_peer: dict[str, str] = {}  # uniqueid of a Dial's caller -> uniqueid of who answered
        self._node = ""  # the node of the event being applied

    def get(self, uniqueid: str) -> ChannelInfo | None:
        return self.channels.get(uniqueid)

    @property
    def live(self) -> list[ChannelInfo]:
        return [c for c in self.channels.values() if c.ended_at is None]

    def agent_legs(self, caller_uniqueid: str) -> list[str]:
        """Live channels of the same call other than the caller's own (the agent side of a Dial)."""
        caller = self.channels.get(caller_uniqueid)
        if caller is None:
            return []
        return [c.channel for c in self.live
                if c.linkedid == caller.linkedid and c.uniqueid != caller_uniqueid and c.channel]

    def answered_peer(self, caller_uniqueid: str) -> str | None:
        """The live channel that answered the Dial made by ``caller_uniqueid`` (an agent's leg)."""
        peer = self.channels.get(self._answered_peer.get(caller_uniqueid, ""))
        return peer.channel if peer is not None and peer.ended_at is None and peer.channel else None

    def answered_peer_id(self, caller_uniqueid: str) -> str | None:
        """The uniqueid of that live channel (what ChanSpy's ``u`` option takes: live monitoring)."""
        peer = self.channels.get(self._answered_peer.get(caller_uniqueid, ""))
        return peer.uniqueid if peer is not None and peer.ended_at is None else None

    def nodes_of_channel(self, channel: str) -> set[str]:
        """The nodes on which a channel of that name is live (channel names are per node)."""
        return {c.node for c in self.channels.values() if c.channel == channel and c.ended_at is None}

    def apply(self, event: ev.AmiEvent, node: str = "") -> None:
        handler = getattr(self, "_on_" + type(event).__name__, None)
        if handler is not None:
            self._node = node
            handler(event)

    async def consume(self, queue: asyncio.Queue, node: str = "") -> None:
        """The one task that reads one node's AMI event queue (events tagged with the node)."""
        while True:
            event = await queue.get()
            self.apply(event, node)

    async def wait_ended(self, uniqueid: str, timeout: float) -> ChannelInfo:
        info = self._ensure(uniqueid)
        try:
            await asyncio.wait_for(info.ended.wait(), timeout)
        except asyncio.TimeoutError:
            pass  # still live (the dialplan continues) or AMI missed it: join what we have
        return info

    # -- event handlers ------------------------------------------------------------------
    def _ensure(self, uniqueid: str, linkedid: str = "", channel: str = "") -> ChannelInfo:
        info = self.channels.get(uniqueid)
        if info is None:
            info = self.channels[uniqueid] = ChannelInfo(uniqueid, linkedid or uniqueid, channel)
        if linkedid:
            info.linkedid = linkedid
        if channel:
            info.channel = channel
        return info

    def _update(self, event: ev.ChannelEvent) -> ChannelInfo:
        info = self._ensure(event.uniqueid, event.linkedid, event.channel)
        info.node = info.node or self._node
        info.caller = event.caller or info.caller
        info.caller_name = event.caller_name or info.caller_name
        info.state = event.state or info.state
        if info.created_at is None:
            info.created_at = event.received_at
        if event.state == "Up" and info.answered_at is None:
            info.answered_at = event.received_at
        return info

    def _on_Newchannel(self, event: ev.Newchannel) -> None:
        self._update(event)

    def _on_Newstate(self, event: ev.Newstate) -> None:
        self._update(event)

    def _on_ChannelSeen(self, event: ev.ChannelSeen) -> None:
        self._update(event)

    def _on_Hangup(self, event: ev.Hangup) -> None:
        info = self._update(event)
        info.cause, info.cause_txt = event.cause, event.cause_txt
        self._end(info, event.received_at)

    def _on_DialEnd(self, event: ev.DialEnd) -> None:
        if event.status == "ANSWER" and event.uniqueid:
            if event.dest_uniqueid:
                self._answered_peer[event.uniqueid] = event.dest_uniqueid
            for listener in self.on_dial_answered:
                listener(event.uniqueid)

    def _on_OriginateResponse(self, event: ev.OriginateResponse) -> None:
        for listener in self.on_originate_response:
            listener(event.action_id, event.success, event.reason)

    def _on_AttendedTransfer(self, event: ev.AttendedTransfer) -> None:
        for listener in self.on_attended_transfer:
            listener(event)

    def _on_ChannelsListed(self, event: ev.ChannelsListed) -> None:
        for info in self.live:  # of the node that listed its channels
            if info.node == self._node and info.uniqueid not in event.uniqueids and info.created_at is not None:
                self.lost_hangups += 1
                log.info("channel %s ended while AMI was away; closing it", info.channel or info.uniqueid)
                info.cause_txt = "lost while AMI was disconnected"
                self._end(info, event.received_at)

    def _end(self, info: ChannelInfo, at: datetime) -> None:
        if info.ended_at is None:
            info.ended_at = at
            self._ended_order.append(info.uniqueid)
        info.ended.set()
        self._answered_peer.pop(info.uniqueid, None)
        while len(self._ended_order) > ENDED_KEEP:
            self.channels.pop(self._ended_order.popleft(), None)
