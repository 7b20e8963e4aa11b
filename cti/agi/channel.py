"""One FastAGI connection's command/reply exchange: one command in flight, each with a deadline.

Theory of operation: a command takes the lock, writes one line and reads parser
events until its final reply. ``HANGUP`` notices and ``100 Trying`` lines are
consumed on the way, so a reply is never paired with the wrong command (after a
HANGUP notice Asterisk still answers the current command; that answer is read and
dropped). Asterisk aborts a running STREAM FILE/GET DATA without replying if a
second line arrives, hence the lock. A command that misses its deadline, or is
cancelled, leaves the connection in an unknown state: the channel closes the
socket and refuses further commands rather than risk shifted replies.
"""

from __future__ import annotations

import asyncio
import logging

from cti.agi.errors import (
    AgiCommandError,
    AgiCommandTimeout,
    AgiError,
    AgiProtocolError,
    AgiSessionClosed,
    CallerHungUp,
)
from cti.agi.events import HangupNotice, Reply, ReplyEvent, Trying, UsageError
from cti.agi.protocol import ReplyParser

log = logging.getLogger("hotline.agi")

_READ_SIZE = 65536


class AgiChannel:
    """Sends AGI command lines on one connection and returns their final replies.

    Why apart from :class:`~cti.agi.session.CallSession`: the pairing of commands and
    replies is the delicate part (panoramisk gets it wrong); keeping it in one small
    class lets the session be a plain typed API on top.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        label: str = "",
        command_timeout: float = 30.0,
        parser: ReplyParser | None = None,
    ) -> None:
        self.label = label
        self.hung_up = False
        self._reader = reader
        self._writer = writer
        self._parser = parser or ReplyParser()
        self._lock = asyncio.Lock()
        self._hangup_seen = False
        self._broken: AgiError | None = None
        self._command_timeout = command_timeout

    async def command(self, line: bytes, *, media: bool = False, timeout: float | None = None) -> Reply:
        """Send one formatted command line and return its final reply.

        ``media`` marks commands whose ``result=-1`` means the channel hung up.
        """
        async with self._lock:
            self._ensure_usable()
            event = await self._exchange(line, timeout or self._command_timeout)
        return self._check(event, media)

    def _ensure_usable(self) -> None:
        if self.hung_up:
            raise CallerHungUp(f"caller of {self.label} has hung up")
        if self._broken is not None:
            raise AgiSessionClosed(f"session {self.label} is closed: {self._broken}") from self._broken

    async def _exchange(self, line: bytes, timeout: float) -> ReplyEvent:
        finished = False
        try:
            async with asyncio.timeout(timeout):
                log.debug("%s >> %r", self.label, line)
                self._writer.write(line)
                await self._writer.drain()
                event = await self._final_event()
            finished = True
            return event
        except TimeoutError:
            error = AgiCommandTimeout(f"no reply to {line[:60]!r} within {timeout:.1f}s")
            self._break(error)
            raise error from None
        except ConnectionError as exc:
            raise self._caller_gone("connection lost") from exc
        finally:
            if not finished and not self.hung_up and self._broken is None:
                self._break(AgiSessionClosed("a command was interrupted before its reply"))

    async def _final_event(self) -> ReplyEvent:
        while True:
            event = self._parser.next_event()
            if event is None:
                await self._read_more()
            elif isinstance(event, HangupNotice):
                log.debug("%s << HANGUP", self.label)
                self._hangup_seen = True
            elif not isinstance(event, Trying):
                return event

    async def _read_more(self) -> None:
        data = await self._reader.read(_READ_SIZE)
        if not data:
            raise self._caller_gone("connection closed by Asterisk")
        try:
            self._parser.feed(data)
        except AgiProtocolError as exc:
            self._break(exc)
            raise

    def _check(self, event: ReplyEvent, media: bool) -> Reply:
        if self._hangup_seen:
            raise self._caller_gone("HANGUP notice")
        if isinstance(event, UsageError):
            raise AgiCommandError(f"Asterisk rejected the syntax: {event.text}", code=520, raw=event.text,
                                  reason="usage")
        assert isinstance(event, Reply)
        if event.code >= 500:
            raise AgiCommandError(f"Asterisk refused the command: {event.raw}", code=event.code, raw=event.raw)
        if event.code != 200:
            raise AgiProtocolError(f"unexpected reply {event.raw!r}", reason="unexpected-code")
        if media and event.result == "-1":
            raise self._caller_gone("result=-1")
        return event

    def _caller_gone(self, why: str) -> CallerHungUp:
        self.hung_up = True
        log.debug("%s caller gone: %s", self.label, why)
        return CallerHungUp(f"caller of {self.label} hung up ({why})")

    def _break(self, error: AgiError) -> None:
        self._broken = error
        self._writer.close()
