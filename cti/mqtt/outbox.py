"""Bounded FIFO of messages waiting for the broker.

Producers (ACD listeners, the call coroutines) must never wait on MQTT, so `put` never blocks:
when the box is full the OLDEST message is dropped and counted (the newest state matters most
to a wallboard). The sender takes a batch with `peek`, publishes it, and only then `ack`s it,
so a batch interrupted by a broker drop is sent again after reconnecting (at least once).
Sequence numbers keep `ack` right even when `put` dropped messages while the batch was in flight.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outgoing:
    seq: int
    topic: str
    payload: bytes
    retain: bool = False


class Outbox:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("outbox capacity must be at least 1")
        self.capacity = capacity
        self.dropped = 0
        self._items: deque[Outgoing] = deque()
        self._seq = itertools.count(1)

    def __len__(self) -> int:
        return len(self._items)

    def put(self, topic: str, payload: bytes, retain: bool = False) -> Outgoing:
        if len(self._items) >= self.capacity:
            self._items.popleft()
            self.dropped += 1
        item = Outgoing(next(self._seq), topic, payload, retain)
        self._items.append(item)
        return item

    def peek(self, limit: int) -> list[Outgoing]:
        return list(itertools.islice(self._items, limit))

    def ack(self, upto_seq: int) -> None:
        """Forget every message up to and including `upto_seq` (already published)."""
        while self._items and self._items[0].seq <= upto_seq:
            self._items.popleft()
