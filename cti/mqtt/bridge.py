"""The MQTT link: one `run()` task owns it; everything else only enqueues.

Theory of operation
-------------------
Producers (the ACD's notifier, call coroutines, the IVR reloader, the dialer) call `publish` or
one of its typed helpers (`cti.mqtt.publisher.CtiPublisher`, which the bridge extends). Those
never wait: the message is JSON-encoded into a bounded `Outbox` (oldest dropped and counted when
full), so calls keep flowing whatever the broker does.

`run()` connects (`async with aiomqtt.Client`: aiomqtt 2.x does not reconnect by itself),
publishes the retained ``engine/status`` online (a retained last will says offline if the
engine dies), subscribes to ``agents/+/cmd``, and runs three tasks until the link drops: the
sender (batches of the outbox at QoS 1, acknowledged only once the broker has them, so a batch
cut by a drop is sent again), the receiver (desktop commands -> `Commands.execute` -> reply),
and the stats ticker (retained queue stats every `stats_interval`, only while connected: stats
queued during an outage would be stale). A drop is logged once, the return once; reconnects
back off with jitter up to `reconnect_max`. MQTT v5 is tried first; a broker that refuses it
is spoken to in 3.1.1 from then on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from typing import Any, Callable, Protocol

import aiomqtt
from aiomqtt import MqttError, ProtocolVersion, Will
from aiomqtt.exceptions import MqttCodeError, MqttConnectError

from cti.mqtt import inbound, supervisor_inbound
from cti.mqtt.publisher import CtiPublisher, encode, iso_now

log = logging.getLogger("hotline.mqtt")

# CONNACK codes meaning "not this protocol version": 3.1.1's 1, v5's 0x84.
REFUSED_PROTOCOL = frozenset({1, 0x84})


class CommandExecutor(Protocol):
    def execute(self, raw: dict[str, Any]) -> dict[str, Any]: ...

    async def execute_async(self, raw: dict[str, Any]) -> dict[str, Any]: ...


def refuses_v5(exc: MqttCodeError) -> bool:
    rc = exc.rc
    return getattr(rc, "value", rc) in REFUSED_PROTOCOL


class MqttBridge(CtiPublisher):
    """Publishes CTI events, executes agent-desktop commands; survives broker outages."""

    def __init__(self, host: str, port: int, prefix: str, commands: CommandExecutor, *,
                 username: str | None = None, password: str | None = None, client_id: str = "hotline-engine",
                 stats_provider: Callable[[], list[dict]] | None = None, stats_interval: float = 5.0,
                 queue_size: int = 10000, keepalive: int = 30, timeout: float = 10.0,
                 tls_context: ssl.SSLContext | None = None, reconnect_min: float = 0.5,
                 reconnect_max: float = 30.0, batch_size: int = 100,
                 wall: Callable[[], str] = iso_now) -> None:
        super().__init__(prefix, queue_size=queue_size, wall=wall)
        self.host, self.port = host, port
        self.commands = commands
        self.username, self.password, self.client_id = username, password, client_id
        self.stats_provider, self.stats_interval = stats_provider, stats_interval
        self.keepalive, self.timeout, self.tls_context = keepalive, timeout, tls_context
        self.reconnect_min, self.reconnect_max = reconnect_min, reconnect_max
        self.batch_size = batch_size
        self.protocol = ProtocolVersion.V5
        self.connected = asyncio.Event()
        self.connections = 0  # times the link came up
        self.published = 0  # messages the broker acknowledged
        self.commands_received = 0
        self._async_order = asyncio.Lock()  # case commands run in the order they arrived
        self._async_tasks: set[asyncio.Task] = set()
        self._stop = asyncio.Event()
        self._finished = asyncio.Event()
        self._run_task: asyncio.Task | None = None
        self._link_up: bool | None = None  # None: never tried yet
        self._down_since = 0.0

    # -- lifecycle ---------------------------------------------------------------------------
    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (bounded by `timeout`), say offline, disconnect."""
        self._stop.set()
        self._wake.set()
        if self._run_task is None or self._run_task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._finished.wait()), timeout)
        except TimeoutError:
            log.warning("MQTT: %d events not delivered at shutdown", len(self.outbox))
            self._run_task.cancel()

    async def run(self) -> None:
        self._run_task = asyncio.current_task()
        delay = self.reconnect_min
        try:
            while not self._stop.is_set():
                connections = self.connections
                try:
                    await self._session()
                except MqttConnectError as exc:
                    if self.protocol is ProtocolVersion.V5 and refuses_v5(exc):
                        log.info("MQTT broker %s:%s refuses MQTT v5; using 3.1.1", self.host, self.port)
                        self.protocol = ProtocolVersion.V311
                        continue
                    self._went_down(exc)
                except (MqttError, OSError) as exc:
                    self._went_down(exc)
                if self.connections > connections:  # it was up: start the backoff over
                    delay = self.reconnect_min
                if self._stop.is_set():
                    break
                await self._pause(random.uniform(delay / 2, delay))
                delay = min(self.reconnect_max, delay * 2)
        finally:
            self.connected.clear()
            self._finished.set()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            pass

    def _client(self) -> aiomqtt.Client:
        will = Will(self.topics.engine_status, encode(self._status("offline")), qos=1, retain=True)
        v5 = self.protocol is ProtocolVersion.V5
        client = aiomqtt.Client(
            self.host, self.port, username=self.username, password=self.password, identifier=self.client_id,
            protocol=self.protocol, will=will, clean_session=None if v5 else True, keepalive=self.keepalive,
            timeout=self.timeout, tls_context=self.tls_context, logger=logging.getLogger("hotline.mqtt.paho"))
        client.pending_calls_threshold = self.batch_size + 10  # a full batch in flight is normal
        return client

    def _status(self, state: str) -> dict[str, Any]:
        return {"state": state, "client_id": self.client_id, "at": self._wall()}

    async def _session(self) -> None:
        async with self._client() as client:
            self._came_up()
            try:
                await client.publish(self.topics.engine_status, encode(self._status("online")), qos=1, retain=True)
                await client.subscribe(self.topics.command_filter, qos=1)
                await client.subscribe(self.topics.supervisor_command_filter, qos=1)
                self.connected.set()  # only now: a command sent by a desk that saw us up must reach us
                if await self._serve(client):
                    await client.publish(self.topics.engine_status, encode(self._status("offline")), qos=1,
                                         retain=True)
            finally:
                self.connected.clear()

    async def _serve(self, client: aiomqtt.Client) -> bool:
        """Run sender, receiver and stats until the link fails (raises) or we close (True)."""
        tasks = [asyncio.create_task(self._send(client), name="mqtt-send"),
                 asyncio.create_task(self._receive(client), name="mqtt-receive")]
        if self.stats_provider is not None:
            tasks.append(asyncio.create_task(self._stats(), name="mqtt-stats"))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()
        return True

    def _came_up(self) -> None:
        self.connections += 1
        if self._link_up is False:
            log.info("MQTT broker %s:%s back after %.1f s; delivering %d queued events (%d dropped so far)",
                     self.host, self.port, time.monotonic() - self._down_since, len(self.outbox),
                     self.outbox.dropped)
        else:
            log.info("MQTT connected to %s:%s (MQTT %s) as %s", self.host, self.port,
                     "5" if self.protocol is ProtocolVersion.V5 else "3.1.1", self.client_id)
        self._link_up = True
        self._drop_logged = False

    def _went_down(self, exc: BaseException) -> None:
        self.connected.clear()
        if self._link_up is False:
            log.debug("MQTT broker %s:%s still unreachable: %s", self.host, self.port, exc)
            return
        what = "lost" if self._link_up else "unreachable"
        log.warning("MQTT broker %s:%s %s (%s); calls go on, events are queued (up to %d) until it is back",
                    self.host, self.port, what, exc, self.outbox.capacity)
        self._link_up = False
        self._down_since = time.monotonic()

    # -- the three session tasks ------------------------------------------------------------
    async def _send(self, client: aiomqtt.Client) -> None:
        while True:
            batch = self.outbox.peek(self.batch_size)
            if not batch:
                if self._stop.is_set():
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            # All publishes of a batch are handed to paho in order before any ack is awaited.
            pubs = [asyncio.create_task(client.publish(m.topic, m.payload, qos=1, retain=m.retain)) for m in batch]
            try:
                await asyncio.gather(*pubs)
            finally:
                for pub in pubs:
                    pub.cancel()
            self.outbox.ack(batch[-1].seq)
            self.published += len(batch)

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            self._on_command(str(message.topic), message.payload, message.retain)

    def _on_command(self, topic: str, payload: Any, retained: bool) -> None:
        if isinstance(payload, str):
            payload = payload.encode()
        elif not isinstance(payload, (bytes, bytearray)):
            payload = b"" if payload is None else str(payload).encode()
        supervisor = self.topics.supervisor_of_command(topic)
        if supervisor is not None:
            self.commands_received += 1
            self._on_supervisor_command(supervisor, bytes(payload), retained)
            return
        agent = self.topics.agent_of_command(topic)
        if agent is None:
            log.debug("MQTT: ignoring message on %s", topic)
            return
        self.commands_received += 1
        request, refusal = inbound.parse(agent, bytes(payload), retained)
        if refusal is None and inbound.is_async(request):
            task = asyncio.create_task(self._run_async(agent, request, payload), name=f"mqtt-{request['cmd']}")
            self._async_tasks.add(task)
            task.add_done_callback(self._async_tasks.discard)
            return
        reply = refusal or {"request_id": request["request_id"], **self.commands.execute(inbound.bare(request))}
        self._reply(agent, reply, payload)

    def _on_supervisor_command(self, supervisor: str, payload: bytes, retained: bool) -> None:
        """Live monitoring (AMI actions): off the receive loop, in arrival order, like case commands."""
        request, refusal = supervisor_inbound.parse(supervisor, payload, retained)
        if refusal is not None:
            self._supervisor_reply(supervisor, refusal, payload)
            return
        task = asyncio.create_task(self._run_supervisor(supervisor, request, payload), name=f"mqtt-{request['cmd']}")
        self._async_tasks.add(task)
        task.add_done_callback(self._async_tasks.discard)

    async def _run_supervisor(self, supervisor: str, request: dict[str, Any], payload: bytes) -> None:
        async with self._async_order:
            result = await self.commands.execute_async(inbound.bare(request))
        self._supervisor_reply(supervisor, {"request_id": request["request_id"], **result}, payload)

    def _supervisor_reply(self, supervisor: str, reply: dict[str, Any], payload: bytes) -> None:
        if reply.get("ok"):
            log.info("MQTT command from supervisor %s: %s", supervisor, payload[:200].decode(errors="replace"))
        else:
            log.warning("MQTT command from supervisor %s refused: %s: %s", supervisor, reply.get("error_id"),
                        reply.get("message"))
        self._publish_to(self.topics.supervisor_reply, supervisor, reply)

    async def _run_async(self, agent: str, request: dict[str, Any], payload: bytes) -> None:
        """Case commands wait for the store: off the receive loop, one at a time in arrival order."""
        async with self._async_order:
            result = await self.commands.execute_async(inbound.bare(request))
        self._reply(agent, {"request_id": request["request_id"], **result}, payload)

    def _reply(self, agent: str, reply: dict[str, Any], payload: bytes) -> None:
        if reply.get("ok"):
            log.info("MQTT command from agent %s: %s", agent, payload[:200].decode(errors="replace"))
        else:
            log.warning("MQTT command from agent %s refused: %s: %s", agent, reply.get("error_id"),
                        reply.get("message"))
        self._publish_to(self.topics.reply, agent, reply)

    async def _stats(self) -> None:
        while True:
            for stats in self.stats_provider():
                queue = stats.get("queue")
                self._publish_to(self.topics.queue_stats, "" if queue is None else str(queue), stats, retain=True)
            await asyncio.sleep(self.stats_interval)
