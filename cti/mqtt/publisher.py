"""The producer side of the MQTT link: every CTI event becomes a message in a bounded outbox.

Why apart from the link: producers (the ACD's notifier, call coroutines, the IVR reloader, the
dialer) must never wait on the broker, and they need none of the link's machinery. They call
`publish` or one of the typed helpers; the message is JSON-encoded into a bounded `Outbox`
(oldest dropped and counted when full) and the link (`cti.mqtt.bridge.MqttBridge`, which is a
`CtiPublisher`) is woken to send it. An id that cannot be a topic level is logged and skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone
from typing import Any, Callable

from cti.mqtt.notifier import acd_messages
from cti.mqtt.outbox import Outbox
from cti.mqtt.topics import BadTopicLevel, Topics, level

log = logging.getLogger("hotline.mqtt")


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class CtiPublisher:
    """Queues CTI messages under one topic prefix; every method returns at once."""

    def __init__(self, prefix: str, *, queue_size: int = 10000, wall: Callable[[], str] = iso_now) -> None:
        self.topics = Topics(prefix)
        self.outbox = Outbox(queue_size)
        self._wall = wall
        self._wake = asyncio.Event()  # set when the outbox has something for the sender
        self._drop_logged = False

    def publish(self, topic_suffix: str, payload: dict[str, Any], retain: bool = False) -> None:
        """Queue `payload` for ``{prefix}/{topic_suffix}``; returns at once."""
        for part in topic_suffix.split("/"):
            level(part)
        self._enqueue(f"{self.topics.prefix}/{topic_suffix}", payload, retain)

    def listener(self, kind: str, payload: dict) -> None:
        """A CTI listener of `AcdNotifier`: agent states, call events, screen pops, consults."""
        try:
            messages = acd_messages(self.topics, kind, payload, self._wall())
        except (BadTopicLevel, KeyError) as exc:
            log.warning("MQTT: %s event not published (%s): %s", kind, exc, payload)
            return
        for message in messages:
            self._enqueue(*message)

    def call_event(self, call_id: str, event: str, **fields: Any) -> None:
        """A call event the ACD does not see (transferred, ended...)."""
        self._publish_to(self.topics.call_events, call_id, {"call": call_id, "event": event, **fields})

    def ivr_flow(self, name: str, status: str, messages: list[str] | tuple[str, ...] = ()) -> None:
        """``status``: reloaded | rejected; ``messages``: the validator's file:line errors."""
        self._publish_to(self.topics.ivr_flow, name, {"flow": name, "status": status, "messages": list(messages)},
                         retain=True)

    def dialer_stats(self, campaign: str, stats: dict[str, Any]) -> None:
        self._publish_to(self.topics.dialer_stats, campaign, {"campaign": campaign, **stats}, retain=True)

    @property
    def pending(self) -> int:
        return len(self.outbox)

    @property
    def dropped(self) -> int:
        return self.outbox.dropped

    def _publish_to(self, topic_of: Callable[[object], str], key: str, body: dict, retain: bool = False) -> None:
        try:
            topic = topic_of(key)
        except BadTopicLevel as exc:
            log.warning("MQTT: message not published: %s", exc)
            return
        self._enqueue(topic, body, retain)

    def _enqueue(self, topic: str, payload: dict[str, Any], retain: bool = False) -> None:
        payload = payload if "at" in payload else {**payload, "at": self._wall()}
        before = self.outbox.dropped
        self.outbox.put(topic, encode(payload), retain)
        if self.outbox.dropped > before and not self._drop_logged:
            self._drop_logged = True
            log.warning("MQTT outbox full (%d): dropping the oldest events until the broker takes them",
                        self.outbox.capacity)
        self._wake.set()
