"""The FastAGI TCP server: accepts Asterisk's connections and runs one handler per call.

Theory of operation: each connection gets its own task (referenced in a set until
it ends). The task reads the header block under a deadline and the parser's caps;
anything that is not a FastAGI request (a port probe, garbage, a half header, a
huge line) is logged at WARNING with the peer address and dropped, without ever
spinning on EOF. A good request becomes a :class:`CallSession` handed to the
handler. A handler ending with :class:`CallerHungUp` is a normal end of call; any
other exception is logged with its traceback and the server carries on. The
socket is always closed, which tells Asterisk the AGI is over.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from types import TracebackType

from cti.agi.errors import AgiProtocolError, CallerHungUp
from cti.agi.protocol import DEFAULT_MAX_BLOCK, DEFAULT_MAX_LINE, ReplyParser, RequestParser
from cti.agi.session import CallSession

log = logging.getLogger("hotline.agi")

Handler = Callable[[CallSession], Awaitable[None]]
_READ_SIZE = 4096
_CLOSE_TIMEOUT_S = 1.0


class FastAgiServer:
    """Serves FastAGI calls to an async ``handler(session)``; one task per call.

    Why our own: panoramisk's FastAGI pairs replies with the wrong commands after a
    HANGUP or a 520, spins on a truncated header and swallows handler errors.
    """

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 4573,
        *,
        header_timeout: float = 5.0,
        max_sessions: int = 1000,
        command_timeout: float = 30.0,
        prompt_allowance: float = 120.0,
        max_line: int = DEFAULT_MAX_LINE,
        max_block: int = DEFAULT_MAX_BLOCK,
    ) -> None:
        self._handler = handler
        self._host = host
        self._port = port
        self._header_timeout = header_timeout
        self._max_sessions = max_sessions
        self._command_timeout = command_timeout
        self._prompt_allowance = prompt_allowance
        self._max_line = max_line
        self._max_block = max_block
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self.sessions_total = 0  # connections accepted since start (metrics)
        self.sessions_refused = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connect, self._host, self._port)
        log.info("FastAGI listening on %s", ", ".join(_address(s) for s in self.sockets))

    async def close(self, drain_timeout: float = 10.0) -> None:
        """Stop accepting, give live calls ``drain_timeout`` seconds to end, then cancel them."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        live = set(self._tasks)
        if live:
            _, pending = await asyncio.wait(live, timeout=drain_timeout)
            if pending:
                log.warning("cancelling %d FastAGI sessions still running after %.1fs", len(pending), drain_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def abort(self) -> int:
        """Stop serving at once (the engine lost its lease): refuse new connections and cancel every
        live session. Their sockets close, so Asterisk continues each call in its dialplan (the
        fallback: HOTLINE_DONE is unset). Returns how many calls were handed back; `close()` after."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        return len(self._tasks)

    async def __aenter__(self) -> FastAgiServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._server.sockets) if self._server is not None else ()

    @property
    def port(self) -> int:
        """The bound port (useful after binding port 0)."""
        return int(self.sockets[0].getsockname()[1]) if self.sockets else self._port

    @property
    def active_sessions(self) -> int:
        """Connections being served (reading headers or running a handler)."""
        return len(self._tasks)

    def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = _peer(writer)
        if self._closing or len(self._tasks) >= self._max_sessions:
            log.warning("refusing FastAGI connection from %s: %d sessions active, closing=%s",
                        peer, len(self._tasks), self._closing)
            writer.close()
            self.sessions_refused += 1
            return
        self.sessions_total += 1
        task = asyncio.create_task(self._serve(reader, writer, peer), name=f"fastagi {peer}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str) -> None:
        try:
            session = await self._open_session(reader, writer, peer)
            if session is not None:
                await self._run_handler(session, peer)
        finally:
            await _close(writer)

    async def _open_session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> CallSession | None:
        try:
            request = await self._read_request(reader)
            replies = ReplyParser(self._max_line, self._max_block)
            replies.feed(request.leftover)
        except TimeoutError:
            log.warning("dropping FastAGI connection from %s: no complete header block within %.1fs",
                        peer, self._header_timeout)
            return None
        except (AgiProtocolError, ConnectionError) as exc:
            log.warning("dropping FastAGI connection from %s: %s", peer, exc)
            return None
        assert request.env is not None
        return CallSession(reader, writer, request.env, command_timeout=self._command_timeout,
                           prompt_allowance=self._prompt_allowance, parser=replies)

    async def _read_request(self, reader: asyncio.StreamReader) -> RequestParser:
        request = RequestParser(self._max_line, self._max_block)
        async with asyncio.timeout(self._header_timeout):
            while not request.complete:
                data = await reader.read(_READ_SIZE)
                if not data:
                    raise AgiProtocolError("connection closed before the end of the AGI headers",
                                           reason="eof-in-header")
                request.feed(data)
        return request

    async def _run_handler(self, session: CallSession, peer: str) -> None:
        log.debug("call %s from %r to %r (%s) via %s", session.uniqueid, session.caller, session.dialed,
                 session.script, peer)
        try:
            await self._handler(session)
        except CallerHungUp:
            log.info("call %s: caller hung up", session.uniqueid)
        except Exception:  # the single top-level handler guard; CancelledError is not an Exception
            log.exception("FastAGI handler failed for call %s from %s", session.uniqueid, peer)
        else:
            log.debug("call %s: handler finished", session.uniqueid)  # the use case logs how the call ended


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        async with asyncio.timeout(_CLOSE_TIMEOUT_S):
            await writer.wait_closed()
    except (ConnectionError, TimeoutError):
        pass


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"
