"""The one translation boundary between panoramisk messages and the engine.

Nothing past this module reads `msg['Event']`: AMI messages become frozen dataclasses here,
unknown events become `None` (ignored), and a malformed event is logged and dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping

log = logging.getLogger("hotline.ami")


@dataclass(frozen=True)
class AmiEvent:
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc), kw_only=True)


@dataclass(frozen=True)
class FullyBooted(AmiEvent):
    """Asterisk finished starting (also sent right after login to a running Asterisk)."""


@dataclass(frozen=True)
class Shutdown(AmiEvent):
    restart: bool


@dataclass(frozen=True)
class ChannelEvent(AmiEvent):
    uniqueid: str
    linkedid: str
    channel: str
    caller: str
    caller_name: str
    exten: str
    context: str
    state: str


@dataclass(frozen=True)
class Newchannel(ChannelEvent):
    pass


@dataclass(frozen=True)
class Newstate(ChannelEvent):
    pass


@dataclass(frozen=True)
class ChannelSeen(ChannelEvent):
    """One channel listed by CoreShowChannels during a resync."""

    duration_s: int = 0


@dataclass(frozen=True)
class ChannelsListed(AmiEvent):
    """A resync finished: these are all channels Asterisk has now."""

    uniqueids: frozenset[str]


@dataclass(frozen=True)
class Hangup(ChannelEvent):
    cause: int | None
    cause_txt: str


@dataclass(frozen=True)
class DialEnd(AmiEvent):
    uniqueid: str
    dest_uniqueid: str
    dest_channel: str
    status: str


@dataclass(frozen=True)
class OriginateResponse(AmiEvent):
    """An async Originate connected (success) or failed; reason is Asterisk's numeric code."""

    action_id: str
    uniqueid: str
    success: bool
    reason: str


@dataclass(frozen=True)
class AttendedTransfer(AmiEvent):
    """An attended transfer ended: on success the transferee (caller) now talks to the target."""

    success: bool
    transferer_channel: str  # OrigTransfererChannel: the agent's leg that started it
    transferee_uniqueid: str
    target_channel: str


@dataclass(frozen=True)
class UserEvent(AmiEvent):
    name: str
    headers: Mapping[str, str]


def _channel_fields(msg: Mapping[str, str]) -> dict[str, str]:
    return {
        "uniqueid": msg["Uniqueid"],
        "linkedid": msg.get("Linkedid") or msg["Uniqueid"],
        "channel": msg.get("Channel", ""),
        "caller": _unknown_is_empty(msg.get("CallerIDNum", "")),
        "caller_name": _unknown_is_empty(msg.get("CallerIDName", "")),
        "exten": msg.get("Exten", ""),
        "context": msg.get("Context", ""),
        "state": msg.get("ChannelStateDesc", ""),
    }


def _unknown_is_empty(value: str) -> str:
    return "" if value == "<unknown>" else value


def _cause(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _hangup(msg):
    return Hangup(**_channel_fields(msg), cause=_cause(msg.get("Cause")), cause_txt=msg.get("Cause-txt", ""))


def _seen(msg):
    seconds = msg.get("Duration", "0")
    h, _, rest = seconds.partition(":")
    try:
        duration = int(h) * 3600 + sum(int(x) * m for x, m in zip(rest.split(":"), (60, 1))) if rest else int(h)
    except ValueError:
        duration = 0
    return ChannelSeen(**_channel_fields(msg), duration_s=duration)


_NOT_USER_HEADERS = ("event", "userevent", "content")  # panoramisk keeps a message body as "content"


def _user_event(msg):
    headers = {k: v for k, v in msg.items() if isinstance(v, str) and k.lower() not in _NOT_USER_HEADERS}
    return UserEvent(name=msg.get("UserEvent", ""), headers=headers)


_TRANSLATORS = {
    "fullybooted": lambda m: FullyBooted(),
    "shutdown": lambda m: Shutdown(restart=m.get("Restart", "").lower() == "true"),
    "newchannel": lambda m: Newchannel(**_channel_fields(m)),
    "newstate": lambda m: Newstate(**_channel_fields(m)),
    "hangup": _hangup,
    "coreshowchannel": _seen,
    "dialend": lambda m: DialEnd(uniqueid=m.get("Uniqueid", ""), dest_uniqueid=m.get("DestUniqueid", ""),
                                 dest_channel=m.get("DestChannel", ""), status=m.get("DialStatus", "")),
    "userevent": _user_event,
    "attendedtransfer": lambda m: AttendedTransfer(success=m.get("Result", "") == "Success",
                                                   transferer_channel=m.get("OrigTransfererChannel", ""),
                                                   transferee_uniqueid=m.get("TransfereeUniqueid", ""),
                                                   target_channel=m.get("TransferTargetChannel", "")),
    "originateresponse": lambda m: OriginateResponse(action_id=m.get("ActionID", ""), uniqueid=m.get("Uniqueid", ""),
                                                     success=m.get("Response", "") == "Success",
                                                     reason=m.get("Reason", "")),
}


def translate(msg: Mapping[str, str]) -> AmiEvent | None:
    """Turn one AMI event message into a typed event, or None when the engine has no use for it."""
    name = str(msg.get("Event", "")).lower()
    translator = _TRANSLATORS.get(name)
    if translator is None:
        return None
    try:
        return translator(msg)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("malformed AMI %s event dropped (%s): %.300r", name, exc, dict(msg))
        return None
