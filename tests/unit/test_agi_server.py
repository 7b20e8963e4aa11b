"""FastAgiServer against bad clients and misbehaving handlers: it drops the client, logs once,
and keeps serving every other call."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import pytest

from cti.agi import CallSession, FastAgiServer
from tests.support.fake_asterisk import (DEADLINE, Calls, FakeAsterisk, calls,  # noqa: F401 (fixtures)
                                         close_fake_asterisks, server)
from tests.support.until import until


async def _dropped(client: Callable[[asyncio.StreamWriter], Awaitable[None]], port: int) -> str:
    """Run a bad client; return its local address once the server has closed the socket on it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    host, local_port = writer.get_extra_info("sockname")[:2]
    try:
        await client(writer)
        assert await asyncio.wait_for(reader.read(), DEADLINE) == b""
    except ConnectionResetError:
        pass  # the server closed on unread bytes: also dropped
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return f"{host}:{local_port}"


async def _garbage(writer: asyncio.StreamWriter) -> None:
    writer.write(b"GET / HTTP/1.1\r\nHost: hotline\r\n\r\n")


async def _half_header(writer: asyncio.StreamWriter) -> None:
    writer.write(b"agi_network: yes\nagi_uniqueid: 1")


async def _half_header_then_eof(writer: asyncio.StreamWriter) -> None:
    writer.write(b"agi_network: yes\n")
    writer.write_eof()


async def _huge_line(writer: asyncio.StreamWriter) -> None:
    writer.write(b"agi_network: " + b"y" * 1_000_000 + b"\n\n")


async def _port_probe(writer: asyncio.StreamWriter) -> None:
    writer.write_eof()


async def test_bad_clients_are_dropped_with_a_warning_while_a_good_call_goes_on(
    server: FastAgiServer, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hotline.agi")
    calls.handler = lambda s: s.get_variable("STILL_SERVING")
    good = await FakeAsterisk.call(server.port)
    bad = [_garbage, _half_header, _half_header_then_eof, _huge_line, _port_probe]
    *peers, _ = await asyncio.gather(
        *(_dropped(client, server.port) for client in bad),
        good.converse([("GET VARIABLE STILL_SERVING", ["200 result=1 (yes)"])]),
    )
    assert await calls.outcome() == "yes"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for peer in peers:
        assert any(peer in message for message in warnings), peer
    assert not [r for r in caplog.records if r.exc_info]
    await until(lambda: server.active_sessions == 0, timeout=DEADLINE)


async def test_handler_crash_is_logged_with_traceback_and_the_server_keeps_serving(
    server: FastAgiServer, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(s: CallSession) -> str:
        if s.dialed == "666":
            raise RuntimeError("bug in the IVR")
        return "fine"

    calls.handler = handler
    crashing = await FakeAsterisk.call(server.port, extension="666")
    assert isinstance(await calls.outcome(), RuntimeError)
    await crashing.assert_closed_without_more_commands()
    await FakeAsterisk.call(server.port)
    assert await calls.outcome() == "fine"
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.levelno == logging.ERROR and "bug in the IVR" in caplog.text


async def test_close_cancels_calls_that_outlive_the_drain_timeout(server: FastAgiServer, calls: Calls) -> None:
    never = asyncio.Event()

    async def handler(s: CallSession) -> None:
        await never.wait()

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await until(lambda: server.active_sessions == 1, timeout=DEADLINE)
    await server.close(drain_timeout=0.05)
    assert isinstance(await calls.outcome(), asyncio.CancelledError)
    await asterisk.assert_closed_without_more_commands()
    assert server.active_sessions == 0


async def test_connections_over_max_sessions_are_refused(calls: Calls) -> None:
    never = asyncio.Event()

    async def handler(s: CallSession) -> None:
        await never.wait()

    calls.handler = handler
    async with FastAgiServer(calls, port=0, max_sessions=1) as srv:
        await FakeAsterisk.call(srv.port)
        await until(lambda: srv.active_sessions == 1, timeout=DEADLINE)
        refused = await FakeAsterisk.call(srv.port)
        await refused.assert_closed_without_more_commands()
        never.set()
