"""The browser's live channel: CTI events fanned out to each session, filtered by who it is.

Theory of operation: `LiveHub.listener` is an `AcdNotifier` CTI listener, registered exactly as
the MQTT bridge's is, so the browser sees the same ``('agent'|'queue'|'consult'|'preview', payload)``
news. `route` (pure) says who each event is for: an audience ``("agent", id)`` (that agent and
those who may see him), ``("pop", id)`` (caller data: that agent only) or ``("queue", name)``
(supervisors of that queue). Every open event stream (`Subscription`) has its own bounded queue;
`listener` never waits: when a slow browser's queue is full its oldest event is dropped and the
stream gets a ``resync`` event telling the page to re-read the API. Alerts (raised/cleared)
come through `alert` from the injected alert feed, for supervisors of their queue.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple

from cti.web.access import Access
from cti.web.users import User

log = logging.getLogger("hotline.web")
CONTEXT_FREE = ("context",)  # caller data stays out of supervisors' call events


class Routed(NamedTuple):
    audience: tuple[str, str]  # ("agent", id) | ("pop", id) | ("queue", name) | ("alerts", queue or "")
    name: str  # the SSE event name
    body: dict[str, Any]


def route(kind: str, payload: dict[str, Any]) -> list[Routed]:
    """Who an ACD notifier event is for, and under which event name."""
    if kind == "agent":
        return [Routed(("agent", str(payload["agent"])), "state", payload)]
    if kind == "consult":
        return [Routed(("pop", str(payload["by"])), "consult", payload)]
    if kind == "preview":
        return [Routed(("pop", str(payload["agent"])), "preview", {**payload, "event": "preview"})]
    if kind == "queue":
        bare = {k: v for k, v in payload.items() if k not in CONTEXT_FREE}
        out = [Routed(("queue", str(payload["queue"])), "call", bare)]
        if payload.get("event") == "offer" and payload.get("agent_id"):
            out.append(Routed(("pop", str(payload["agent_id"])), "screenpop", payload))
        return out
    return []


def allowed(access: Access, user: User, audience: tuple[str, str]) -> bool:
    kind, key = audience
    if kind == "agent":
        return access.sees_agent(user, key)
    if kind == "pop":
        return access.sees_pops_of(user, key)
    if kind == "queue":
        return access.sees_queue(user, key)
    if kind == "alerts":
        return user.role in ("supervisor", "admin") and (not key or access.sees_queue(user, key))
    return False


class Subscription:
    """One open event stream; iterate `next()` until it returns None (hub closed)."""

    def __init__(self, user: User, size: int) -> None:
        self.user = user
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue(size)
        self.dropped = 0

    def put(self, item: tuple[str, dict[str, Any]] | None) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
            item = ("resync", {"dropped": self.dropped}) if item is not None else None
        self.queue.put_nowait(item)

    async def next(self, timeout: float) -> tuple[str, dict[str, Any]] | None:
        """The next event, or ``("ping", {})`` after `timeout` s of silence; None when closed."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return "ping", {}


class LiveHub:
    """Fans CTI events out to the open event streams, each filtered by `Access`."""

    def __init__(self, access: Access, *, size: int = 256,
                 wall: Callable[[], str] = lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds")):
        self.access, self.size, self.wall = access, size, wall
        self.subscriptions: set[Subscription] = set()
        self.last_pop: dict[str, dict[str, Any]] = {}  # agent id -> his latest screen pop or preview
        self.closed = False

    def listener(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            routed = route(kind, payload)
        except KeyError as exc:
            log.warning("web: %s event without %s, not sent: %s", kind, exc, payload)
            return
        for item in routed:
            if item.name in ("screenpop", "preview"):
                self.last_pop[item.audience[1]] = {**item.body, "at": self.wall()}
            self._send(item)

    def alert(self, event: dict[str, Any]) -> None:
        """An alert raised or cleared (the injected alert feed calls this)."""
        self._send(Routed(("alerts", str(event.get("queue") or "")), "alert", event))

    def subscribe(self, user: User) -> Subscription:
        subscription = Subscription(user, self.size)
        if self.closed:
            subscription.put(None)
        self.subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def close(self) -> None:
        """Ends every stream (engine stopping): each gets None and its response finishes."""
        self.closed = True
        for subscription in self.subscriptions:
            subscription.put(None)

    def _send(self, item: Routed) -> None:
        body = {**item.body, "at": item.body.get("at") or self.wall()}
        for subscription in list(self.subscriptions):
            if allowed(self.access, subscription.user, item.audience):
                subscription.put((item.name, body))
