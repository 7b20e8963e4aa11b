"""AmiClient against a small fake AMI server on loopback: login, timeouts, reconnect, resync, safety.

The fake speaks just enough Asterisk 22 manager protocol (banner, Login, Ping, Originate,
CoreShowChannels as an event list) and can be told to stall an action or drop the link.
Nothing sleeps to let things settle: every wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest

from cti.ami import AmiClient, AmiError, AmiNotConnected
from cti.ami import events as ev
from common.safety import UnsafeValueError
from tests.support.until import until

SECRET = "s3cret"
CRLF = "\r\n"


def message(*lines: str) -> bytes:
    return (CRLF.join(lines) + CRLF + CRLF).encode("utf-8")


class FakeAmi:
    """An Asterisk manager interface in miniature; counts what it received."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.channels = [("1700000000.1", "PJSIP/caller-00000001", "张三丰"),
                         ("1700000000.2", "PJSIP/agent-00000002", "")]
        self.stall: set[str] = set()  # lower-case action names left unanswered
        self.received: Counter[str] = Counter()
        self.raw = bytearray()
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        self.drop()
        await self._server.wait_closed()

    def drop(self) -> None:
        """Cut every open connection at once, as an Asterisk restart does."""
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        try:
            while True:
                raw = await reader.readuntil(b"\r\n\r\n")
                self.raw += raw
                headers = dict(line.split(": ", 1) for line in raw.decode().split(CRLF) if ": " in line)
                name = headers["Action"].lower()
                self.received[name] += 1
                if name in self.stall:
                    continue
                writer.write(getattr(self, "_on_" + name, self._on_unknown)(headers))
                if name == "login" and headers.get("Secret") != self.secret:
                    await writer.drain()
                    writer.close()  # Asterisk ends the session after a failed login
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _on_login(self, h: dict[str, str]) -> bytes:
        if h.get("Username") != "hotline" or h.get("Secret") != self.secret:
            return message("Response: Error", f"ActionID: {h['ActionID']}", "Message: Authentication failed")
        return (message("Response: Success", f"ActionID: {h['ActionID']}", "Message: Authentication accepted")
                + message("Event: FullyBooted", "Privilege: system,all", "Uptime: 13", "LastReload: 13",
                          "Status: Fully Booted"))

    def _on_ping(self, h: dict[str, str]) -> bytes:
        return message("Response: Success", f"ActionID: {h['ActionID']}", "Ping: Pong",
                       "Timestamp: 1700000000.000000")

    def _on_originate(self, h: dict[str, str]) -> bytes:
        return message("Response: Success", f"ActionID: {h['ActionID']}", "Message: Originate successfully queued")

    def _on_coreshowchannels(self, h: dict[str, str]) -> bytes:
        action_id = h["ActionID"]
        rows = b"".join(
            message("Event: CoreShowChannel", f"ActionID: {action_id}", f"Channel: {channel}",
                    "ChannelState: 6", "ChannelStateDesc: Up", "CallerIDNum: 5551234",
                    f"CallerIDName: {name or '<unknown>'}", "Context: hotline", "Exten: 10000",
                    f"Uniqueid: {uid}", f"Linkedid: {uid}", "Application: AGI", "Duration: 00:00:42")
            for uid, channel, name in self.channels)
        return (message("Response: Success", f"ActionID: {action_id}", "EventList: start",
                        "Message: Channels will follow")
                + rows
                + message("Event: CoreShowChannelsComplete", f"ActionID: {action_id}", "EventList: Complete",
                          f"ListItems: {len(self.channels)}"))

    def _on_unknown(self, h: dict[str, str]) -> bytes:
        return message("Response: Success", f"ActionID: {h['ActionID']}", "Message: OK")


@pytest.fixture
async def server():
    fake = FakeAmi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def connect(server):
    """Start AmiClient.run() against the fake; every client is closed and awaited at teardown."""
    running: list[tuple[AmiClient, asyncio.Task]] = []

    def start(**options) -> AmiClient:
        settings = dict(connect_timeout=1.0, action_timeout=2.0, ping_interval=30.0,
                        reconnect_min=0.02, reconnect_max=0.05)
        settings.update(options)
        secret = settings.pop("secret", SECRET)
        client = AmiClient("127.0.0.1", server.port, "hotline", secret, **settings)
        running.append((client, asyncio.create_task(client.run(), name="ami-under-test")))
        return client

    yield start
    for client, task in running:
        await client.close()
        await asyncio.wait_for(task, 2)


def drain(client: AmiClient, into: list[ev.AmiEvent]) -> list[ev.AmiEvent]:
    while not client.events.empty():
        into.append(client.events.get_nowait())
    return into


def resynced(client: AmiClient, into: list[ev.AmiEvent]) -> bool:
    return any(isinstance(e, ev.ChannelsListed) for e in drain(client, into))


async def test_login_refused_is_logged_clearly_and_retried(server, connect, caplog):
    caplog.set_level(logging.INFO, logger="hotline.ami")
    client = connect(secret="wrong")

    await until(lambda: server.received["login"] >= 3, 2, 0.01, "client retries the login")

    assert client.logins == 0 and not client.connected.is_set()
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1, "a refused login is logged once, not once per retry"
    assert "Authentication failed" in refusals[0].getMessage()
    assert "manager.conf" in refusals[0].getMessage()
    assert refusals[0].levelno >= logging.WARNING
    assert not any("lost" in r.getMessage() for r in caplog.records), "the link never came up"


async def test_action_timeout_raises_promptly_and_the_link_survives(server, connect):
    client = connect(action_timeout=5.0)
    await client.wait_connected(2)
    server.stall.add("setvar")
    loop = asyncio.get_running_loop()

    started = loop.time()
    with pytest.raises(AmiError, match="Setvar"):
        await client.action({"Action": "Setvar", "Channel": "PJSIP/caller-00000001", "Variable": "X",
                             "Value": "1"}, timeout=0.2)
    assert loop.time() - started < 1.0

    reply = await client.action({"Action": "Ping"})
    assert reply["Ping"] == "Pong"
    assert client.connected.is_set() and client.logins == 1 and server.connections == 1


async def test_dropped_link_reconnects_with_backoff_and_resyncs_channels(server, connect):
    client = connect(reconnect_min=0.3, reconnect_max=0.6)
    await client.wait_connected(2)
    await until(lambda: resynced(client, []), 2, 0.01, "first resync published")
    loop = asyncio.get_running_loop()

    server.drop()
    dropped = loop.time()
    await until(lambda: not client.connected.is_set(), 1, 0.005, "client notices the drop")
    await until(lambda: client.logins == 2 and client.connected.is_set(), 2, 0.01, "client is back")

    assert loop.time() - dropped >= 0.15, "reconnected without backing off"
    assert server.connections == 2
    received: list[ev.AmiEvent] = []
    await until(lambda: resynced(client, received), 1, 0.01, "resync published after the reconnect")
    events = [e for e in received if not isinstance(e, ev.FullyBooted)]
    seen = [e for e in events if isinstance(e, ev.ChannelSeen)]
    assert {e.uniqueid for e in seen} == {"1700000000.1", "1700000000.2"}
    assert {e.caller_name for e in seen} == {"张三丰", ""}
    assert all(e.duration_s == 42 and e.state == "Up" for e in seen)
    assert events[-1] == ev.ChannelsListed(uniqueids=frozenset({"1700000000.1", "1700000000.2"}),
                                           received_at=events[-1].received_at)


async def test_originate_returns_its_channel_id_once_asterisk_has_queued_it(server, connect):
    client = connect(action_timeout=1.0)
    await client.wait_connected(2)

    uniqueid = await asyncio.wait_for(
        client.originate("Local/10000@hotline", context="hotline", exten="10000", caller_id="5551234",
                         channel_id="dial-0001"), 0.5)

    assert uniqueid == "dial-0001"
    assert server.received["originate"] == 1
    assert b"ChannelId: dial-0001\r\n" in server.raw and b"Async: true\r\n" in server.raw


async def test_originate_in_flight_when_the_link_drops_fails_and_is_never_resent(server, connect):
    client = connect(action_timeout=3.0)
    await client.wait_connected(2)
    server.stall.add("originate")
    originate = asyncio.create_task(client.originate("Local/5551234@outbound", context="hotline", exten="10000"))
    await until(lambda: server.received["originate"] == 1, 1, 0.01, "Originate reached Asterisk")

    server.drop()

    with pytest.raises(AmiError):
        await asyncio.wait_for(originate, 1.0)  # well before the 3 s action timeout
    await until(lambda: client.logins == 2 and client.connected.is_set(), 2, 0.01, "client is back")
    await client.action({"Action": "Ping"})  # anything queued for re-sending would have gone by now
    assert server.received["originate"] == 1


@pytest.mark.parametrize("field, value", [
    ("caller_id", '"Eve" <5550000>\r\nApplication: System'),
    ("channel", "Local/1@hotline\nData: rm -rf /"),
    ("exten", "10000\r"),
    ("variables", {"LEAD": "42\r\nApplication: System"}),
    ("variables", {"LEAD\nX": "42"}),
])
async def test_value_with_cr_or_lf_is_refused_before_anything_is_sent(server, connect, field, value):
    client = connect()
    await client.wait_connected(2)
    await client.action({"Action": "Ping"})
    sent_before = bytes(server.raw)
    kwargs = dict(channel="Local/5551234@outbound", context="hotline", exten="10000")
    kwargs[field] = value

    with pytest.raises(UnsafeValueError):
        await client.originate(**kwargs)
    with pytest.raises(UnsafeValueError):
        await client.setvar("PJSIP/caller-00000001", "CALLER", "x\r\nAction: Originate")

    await client.action({"Action": "Ping"})
    assert server.received["originate"] == 0 and server.received["setvar"] == 0
    assert server.raw.count(b"Action: Ping") == sent_before.count(b"Action: Ping") + 1
    assert b"System" not in server.raw and b"rm -rf" not in server.raw
    assert client.logins == 1


async def test_unanswered_ping_drops_and_reestablishes_the_link(server, connect, caplog):
    caplog.set_level(logging.INFO, logger="hotline.ami")
    server.stall.add("ping")
    client = connect(ping_interval=0.05, action_timeout=0.1)

    await until(lambda: client.logins >= 2, 2, 0.01, "link re-established after a missed Ping")

    assert server.connections >= 2
    assert any("Ping unanswered" in r.getMessage() for r in caplog.records)
    server.stall.discard("ping")
    await until(lambda: client.connected.is_set(), 1, 0.01, "link up once Pings are answered")


async def test_actions_while_down_fail_at_once_with_not_connected(server, connect):
    client = connect()
    await client.wait_connected(2)
    await client.close()

    with pytest.raises(AmiNotConnected):
        await client.hangup("PJSIP/caller-00000001")
