"""Asterisk's side of FastAGI for tests: a scripted fake over real loopback sockets, and the
fixtures that run a `FastAgiServer` whose handler each test sets (tests/unit/test_agi_*.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from cti.agi import CallSession, FastAgiServer

DEADLINE = 2.0


class FakeAsterisk:
    """Asterisk's side of one FastAGI connection: sends headers, reads commands, replies."""

    opened: list[FakeAsterisk] = []  # closed after each test by the close_fake_asterisks fixture

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.opened.append(self)

    @classmethod
    async def call(cls, port: int, **env: str) -> FakeAsterisk:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        headers = {
            "network": "yes", "network_script": "ivr/main?lang=en", "request": "agi://127.0.0.1/ivr/main?lang=en",
            "channel": "PJSIP/caller-1", "uniqueid": "1700000000.1", "callerid": "5551234",
            "calleridname": "王小明", "extension": "10000", "arg_1": "first", "arg_2": "two words", **env,
        }
        writer.write("".join(f"agi_{k}: {v}\n" for k, v in headers.items()).encode() + b"\n")
        await writer.drain()
        return cls(reader, writer)

    async def expect(self, command: str) -> None:
        line = await asyncio.wait_for(self.reader.readline(), DEADLINE)
        assert line.decode() == command + "\n"

    async def send(self, *lines: str) -> None:
        self.writer.write("".join(line + "\n" for line in lines).encode())
        await self.writer.drain()

    async def converse(self, script: list[tuple[str, list[str]]]) -> None:
        for command, reply in script:
            await self.expect(command)
            await self.send(*reply)

    async def assert_closed_without_more_commands(self) -> None:
        """The engine sends nothing more and closes the socket (EOF before the deadline)."""
        assert await asyncio.wait_for(self.reader.read(), DEADLINE) == b""

    async def hang_up(self) -> None:
        self.writer.close()


class Calls:
    """Runs a test's handler on the server and records how it ended."""

    def __init__(self) -> None:
        self.handler: Callable[[CallSession], Awaitable[Any]] | None = None
        self.results: asyncio.Queue[Any] = asyncio.Queue()

    async def __call__(self, session: CallSession) -> None:
        assert self.handler is not None
        try:
            result = await self.handler(session)
        except BaseException as exc:
            self.results.put_nowait(exc)
            raise
        self.results.put_nowait(result)

    async def outcome(self) -> Any:
        return await asyncio.wait_for(self.results.get(), DEADLINE)


@pytest.fixture(autouse=True)
async def close_fake_asterisks() -> AsyncIterator[None]:
    yield
    while FakeAsterisk.opened:
        writer = FakeAsterisk.opened.pop().writer
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@pytest.fixture
async def calls() -> Calls:
    return Calls()


@pytest.fixture
async def server(calls: Calls) -> AsyncIterator[FastAgiServer]:
    srv = FastAgiServer(calls, port=0, header_timeout=0.3, command_timeout=DEADLINE, prompt_allowance=DEADLINE)
    await srv.start()
    yield srv
    await srv.close(drain_timeout=1.0)
