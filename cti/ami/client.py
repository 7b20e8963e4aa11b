"""AMI client: panoramisk's protocol, our connection lifecycle.

Theory of operation: one `run()` task owns the link. It connects with a timeout, logs in,
announces the link up (once), lists live channels so the registry can reconcile, and watches
the link with Pings. When the link drops (Asterisk restart, network, a missed Ping) it logs
once, backs off with jitter (capped), and starts over. panoramisk's own reconnect timer and
its re-sending of queued actions after FullyBooted are not used: a re-sent Originate would
call a customer twice, so an action that did not get its answer fails with `AmiError` and the
caller decides. Every action has a timeout. Events are translated at the boundary
(`cti.ami.events`) and put on one bounded queue that a single named task consumes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import deque
from typing import Any, Mapping

from panoramisk.actions import Action

from cti.ami import events as ev
from cti.ami.protocol import WholeMessageProtocol
from common.safety import check_value

log = logging.getLogger("hotline.ami")
LOGIN_EVENTS = "system,call,agent,user"


class AmiError(RuntimeError):
    error_id = "ami-action-failed"


class AmiNotConnected(AmiError):
    error_id = "ami-not-connected"


class _Everything:
    """panoramisk re-queues unanswered actions unless their name is 'forgettable': all are."""

    def __contains__(self, item: object) -> bool:
        return True


class AmiClient:
    """A self-healing AMI link with typed events and timed actions."""

    def __init__(self, host: str, port: int, username: str, secret: str, *,
                 connect_timeout: float = 5.0, action_timeout: float = 10.0, ping_interval: float = 10.0,
                 reconnect_min: float = 0.5, reconnect_max: float = 30.0, queue_size: int = 10000) -> None:
        self.host, self.port, self.username, self.secret = host, port, username, secret
        self.connect_timeout, self.action_timeout = connect_timeout, action_timeout
        self.ping_interval = ping_interval
        self.reconnect_min, self.reconnect_max = reconnect_min, reconnect_max
        self.events: asyncio.Queue[ev.AmiEvent] = asyncio.Queue(queue_size)
        self.connected = asyncio.Event()
        self.logins = 0  # how many times the link came up; tests and status use it
        self.on_link: list = []  # called with True when the link comes up, False when it is lost
        self.forgetable_actions = _Everything()
        self.awaiting_actions: deque = deque()
        self._protocol: WholeMessageProtocol | None = None
        self._lost: asyncio.Future | None = None
        self._closing = False
        self._dropped_events = 0

    # -- lifecycle -----------------------------------------------------------------------
    async def run(self) -> None:
        delay = self.reconnect_min
        was_up = True  # so that the first failure is logged
        while not self._closing:
            try:
                await self._session()
                delay = self.reconnect_min
                was_up = True
            except (OSError, asyncio.TimeoutError, AmiError) as exc:
                if was_up:
                    log.warning("AMI %s:%s unreachable (%s); retrying with backoff", self.host, self.port, exc)
                was_up = False
            if self._closing:
                break
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(self.reconnect_max, delay * 2)

    async def close(self) -> None:
        self._closing = True
        self.connected.clear()
        if self._protocol is not None:
            self._protocol.transport.close()
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        self._lost = loop.create_future()
        _, protocol = await asyncio.wait_for(
            loop.create_connection(WholeMessageProtocol, self.host, self.port), self.connect_timeout)
        self._attach(protocol)
        logged_in = False
        try:
            await self._login()
            logged_in = True
            self.logins += 1
            self.connected.set()
            log.info("AMI connected to %s:%s (Asterisk Call Manager %s)", self.host, self.port, protocol.version)
            self._announce(True)
            await self._resync()
            await self._watch()
        finally:
            self.connected.clear()
            self._protocol = None
            if not self._lost.done():  # wakes actions still waiting on this link: they fail, never re-sent
                self._lost.set_result(None)
            if not protocol.closed:
                protocol.close()
            if logged_in and not self._closing:  # a refused login is reported once by run()
                log.warning("AMI link to %s:%s lost; reconnecting", self.host, self.port)
            if logged_in and not self._closing:
                self._announce(False)

    def _announce(self, up: bool) -> None:
        for listener in self.on_link:
            try:
                listener(up)
            except Exception:  # a listener's bug must not take the link down
                log.exception("AMI link listener failed")

    def _attach(self, protocol: WholeMessageProtocol) -> None:
        protocol.factory = self
        protocol.encoding = "utf-8"
        protocol.log = log
        self._protocol = protocol

    async def _login(self) -> None:
        reply = await self._send({"Action": "Login", "Username": self.username,
                                  "Secret": self.secret, "Events": LOGIN_EVENTS})
        if not reply.success:
            raise AmiError(f"AMI login as {self.username!r} refused: {reply.get('Message', '')}; "
                           "check the [hotline] user in manager.conf and the secret in hotline.yaml")

    async def _watch(self) -> None:
        while True:
            done, _ = await asyncio.wait({self._lost}, timeout=self.ping_interval)
            if done:
                return
            try:
                await self._send({"Action": "Ping"})
            except (AmiError, asyncio.TimeoutError):
                log.warning("AMI Ping unanswered; dropping the link")
                return

    async def _resync(self) -> None:
        """List live channels so the registry can reconcile what happened while we were away."""
        replies = await self.action({"Action": "CoreShowChannels"})
        seen: set[str] = set()
        for msg in replies if isinstance(replies, list) else [replies]:
            event = ev.translate(msg)
            if isinstance(event, ev.ChannelSeen):
                seen.add(event.uniqueid)
                self._publish(event)
        self._publish(ev.ChannelsListed(uniqueids=frozenset(seen)))

    # -- panoramisk factory interface -----------------------------------------------------
    def dispatch(self, message: Mapping[str, str]) -> None:
        event = ev.translate(message)
        if event is not None:
            self._publish(event)

    def connection_lost(self, exc: Any) -> None:
        log.debug("AMI connection_lost(%r)", exc)
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(exc)

    def _publish(self, event: ev.AmiEvent) -> None:
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            self._dropped_events += 1
            if self._dropped_events in (1, 100, 10000):
                log.error("AMI event queue full: %d events dropped so far", self._dropped_events)

    # -- actions -------------------------------------------------------------------------
    async def action(self, fields: Mapping[str, Any], *, timeout: float | None = None, as_list: bool | None = None):
        """Send one action and wait for its response (a list for event-list actions)."""
        if not self.connected.is_set():
            raise AmiNotConnected(f"AMI is not connected; cannot send {fields.get('Action')}")
        reply = await self._send(fields, timeout=timeout, as_list=as_list)
        first = reply[0] if isinstance(reply, list) else reply
        if not first.success:
            raise AmiError(f"{fields.get('Action')} failed: {first.get('Message', first)}")
        return reply

    async def _send(self, fields: Mapping[str, Any], *, timeout: float | None = None, as_list: bool | None = None):
        protocol, lost = self._protocol, self._lost
        if protocol is None or protocol.closed or lost is None or lost.done():
            raise AmiNotConnected("AMI link is down")
        for key, value in fields.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                check_value(str(item), f"AMI header {key}")
        action = Action(dict(fields), as_list=as_list)
        future = protocol.send(action, as_list=as_list)
        limit = timeout or self.action_timeout
        try:
            # panoramisk forgets (never resolves) an action whose link closes: watch the link too.
            done, _ = await asyncio.wait({future, lost}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            protocol.responses.pop(action.id, None)
        if future in done:
            return future.result()
        future.cancel()
        if lost in done:
            raise AmiNotConnected(f"AMI link dropped before {fields.get('Action')} was answered; not re-sent")
        raise AmiError(f"no answer to {fields.get('Action')} within {limit} s")

    # -- typed helpers ---------------------------------------------------------------------
    async def originate(self, channel: str, *, context: str | None = None, exten: str | None = None,
                        priority: int = 1, application: str | None = None, data: str = "",
                        caller_id: str = "", timeout_s: float = 30.0,
                        variables: Mapping[str, str] | None = None, channel_id: str | None = None,
                        action_id: str | None = None) -> str:
        """Async Originate with a known ChannelId; returns that uniqueid. Never retried."""
        channel_id = channel_id or str(uuid.uuid4())
        fields: dict[str, Any] = {"Action": "Originate", "Channel": channel, "Async": "true",
                                  "ChannelId": channel_id, "Timeout": str(int(timeout_s * 1000))}
        if application:
            fields.update(Application=application, Data=data)
        else:
            fields.update(Context=context, Exten=exten, Priority=str(priority))
        if caller_id:
            fields["CallerID"] = caller_id
        if action_id:
            fields["ActionID"] = action_id  # its OriginateResponse event carries it back
        if variables:
            fields["Variable"] = [f"{k}={v}" for k, v in variables.items()]
        # as_list=False: the "successfully queued" ack is the answer; OriginateResponse (after the
        # call is answered or fails, up to timeout_s later) arrives as an ordinary event.
        await self.action(fields, as_list=False)
        return channel_id

    async def hangup(self, channel: str, cause: int = 16) -> None:
        await self.action({"Action": "Hangup", "Channel": channel, "Cause": str(cause)})

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1) -> None:
        await self.action({"Action": "Redirect", "Channel": channel, "Context": context,
                           "Exten": exten, "Priority": str(priority)})

    async def setvar(self, channel: str, name: str, value: str) -> None:
        await self.action({"Action": "Setvar", "Channel": channel, "Variable": name, "Value": value})

    async def atxfer(self, channel: str, context: str, exten: str) -> None:
        """Attended transfer started from ``channel`` (an agent's leg) to exten@context: the other
        party is held while the agent's channel dials. Needs an ``atxfer`` code in features.conf."""
        # as_list=False: panoramisk would otherwise take "Atxfer successfully queued" for the start
        # of an event list (and look for an Async header the action does not have)
        await self.action({"Action": "Atxfer", "Channel": channel, "Context": context, "Exten": exten}, as_list=False)
