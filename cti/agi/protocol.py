"""Sans-IO FastAGI framing: header parser, reply parser, command formatting.

Theory of operation: bytes go in through ``feed()``; complete lines are cut at
``\\n`` (a trailing ``\\r`` is tolerated) and decoded as UTF-8 one whole line at a
time, so a multi-byte character split across TCP reads survives. Every line and
every block is capped, so a peer cannot make us buffer without bound. Parsing
happens in ``feed()``; the results do not depend on how the bytes were chunked.
No asyncio here: the I/O shell lives in ``session.py`` and ``server.py``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

from cti.agi.errors import AgiProtocolError
from cti.agi.events import HangupNotice, Reply, ReplyEvent, Trying, UsageError
from cti.agi.quoting import format_command, quote

__all__ = [
    "DEFAULT_MAX_BLOCK",
    "DEFAULT_MAX_LINE",
    "ReplyParser",
    "RequestParser",
    "format_command",
    "parse_reply_line",
    "quote",
]

DEFAULT_MAX_LINE = 8192
DEFAULT_MAX_BLOCK = 64 * 1024

_HEADER_RE = re.compile(r"^agi_([a-z0-9_]+):(?: (.*))?$", re.DOTALL)
_REPLY_RE = re.compile(
    r"^(?P<code>\d{3}) result=(?P<result>\S*)"
    r"(?: \((?P<data>.*)\))?(?: endpos=(?P<endpos>-?\d+))?\s*$",
    re.DOTALL,
)
_CODE_RE = re.compile(r"^(\d{3})(?:[ -]|$)")
_LOOSE_RESULT_RE = re.compile(r"\bresult=(\S*)")


class _LineSplitter:
    """Cuts a byte stream into decoded lines, enforcing the per-line cap."""

    def __init__(self, max_line: int) -> None:
        self._max_line = max_line
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_line(self) -> tuple[str, int] | None:
        """Return (line, bytes consumed) for the next complete line, or None."""
        index = self._buffer.find(b"\n")
        if index < 0:
            if len(self._buffer) > self._max_line:
                raise _line_too_long(len(self._buffer), self._max_line)
            return None
        if index > self._max_line:
            raise _line_too_long(index, self._max_line)
        raw = bytes(self._buffer[:index])
        del self._buffer[: index + 1]
        return raw.decode("utf-8", errors="replace").removesuffix("\r"), index + 1

    def take_rest(self) -> bytes:
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest

    @property
    def pending(self) -> int:
        return len(self._buffer)


def _line_too_long(size: int, cap: int) -> AgiProtocolError:
    return AgiProtocolError(f"line of {size}+ bytes exceeds the {cap}-byte cap", reason="line-too-long")


class RequestParser:
    """Parses the ``agi_*: value`` header block Asterisk sends when a FastAGI call connects.

    The block ends at a blank line; until then ``env`` is None. Keys lose their
    ``agi_`` prefix (``agi_arg_1`` becomes ``arg_1``). Bytes that follow the blank
    line are kept in ``leftover`` for the reply parser. A port probe, an HTTP
    request or an oversized line raises :class:`AgiProtocolError` instead of being
    buffered: the server drops such connections.
    """

    def __init__(self, max_line: int = DEFAULT_MAX_LINE, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self._lines = _LineSplitter(max_line)
        self._max_block = max_block
        self._consumed = 0
        self._headers: dict[str, str] = {}
        self._env: dict[str, str] | None = None
        self._leftover = b""

    @property
    def complete(self) -> bool:
        return self._env is not None

    @property
    def env(self) -> dict[str, str] | None:
        """The parsed headers once the blank line arrived, else None."""
        return None if self._env is None else dict(self._env)

    @property
    def leftover(self) -> bytes:
        """Bytes received after the header block (normally empty)."""
        return self._leftover

    def feed(self, data: bytes) -> None:
        if self._env is not None:
            self._leftover += data
            return
        self._lines.feed(data)
        while self._env is None and (item := self._lines.next_line()) is not None:
            self._consume(*item)
        if self._env is None:
            self._check_block(self._consumed + self._lines.pending)
        else:
            self._leftover = self._lines.take_rest()

    def _consume(self, line: str, size: int) -> None:
        self._consumed += size
        self._check_block(self._consumed)
        if line == "":
            self._finish()
            return
        match = _HEADER_RE.match(line)
        if match is None:
            raise AgiProtocolError(f"not an 'agi_key: value' header: {line[:80]!r}", reason="malformed-header")
        self._headers[match.group(1)] = match.group(2) or ""

    def _finish(self) -> None:
        if not self._headers:
            raise AgiProtocolError("blank line before any agi_ header", reason="empty-header")
        self._env = self._headers

    def _check_block(self, size: int) -> None:
        if size > self._max_block:
            raise AgiProtocolError(
                f"header block of {size}+ bytes exceeds the {self._max_block}-byte cap", reason="block-too-large"
            )


class ReplyParser:
    """Turns Asterisk's reply stream into :mod:`cti.agi.events` objects.

    Unlike a "read one line per command" reader, it knows that ``HANGUP`` is an
    unsolicited notice (not a reply), that ``100 Trying`` is interim, and that a
    ``520-`` usage reply spans many lines: one event per logical message, so the
    session never pairs a command with the wrong reply.
    """

    def __init__(self, max_line: int = DEFAULT_MAX_LINE, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self._lines = _LineSplitter(max_line)
        self._max_block = max_block
        self._events: deque[ReplyEvent] = deque()
        self._usage: list[str] | None = None
        self._usage_size = 0

    def feed(self, data: bytes) -> None:
        self._lines.feed(data)
        while (item := self._lines.next_line()) is not None:
            self._consume(*item)

    def next_event(self) -> ReplyEvent | None:
        return self._events.popleft() if self._events else None

    def events(self) -> Iterator[ReplyEvent]:
        """Drain the events parsed so far."""
        while self._events:
            yield self._events.popleft()

    def __iter__(self) -> Iterator[ReplyEvent]:
        return self.events()

    def _consume(self, line: str, size: int) -> None:
        if self._usage is not None:
            self._consume_usage(line, size)
        elif line == "HANGUP":
            self._events.append(HangupNotice())
        elif line.startswith("520-"):
            self._usage, self._usage_size = [line], size
        elif line.strip():
            self._events.append(parse_reply_line(line))

    def _consume_usage(self, line: str, size: int) -> None:
        assert self._usage is not None
        self._usage.append(line)
        self._usage_size += size
        if self._usage_size > self._max_block:
            raise AgiProtocolError(
                f"520 usage block exceeds the {self._max_block}-byte cap", reason="block-too-large"
            )
        if line.startswith("520 "):
            self._events.append(UsageError("\n".join(self._usage)))
            self._usage = None


def parse_reply_line(line: str) -> Reply | Trying | UsageError:
    """Parse one single-line reply; raise :class:`AgiProtocolError` if it is not one."""
    code_match = _CODE_RE.match(line)
    if code_match is None:
        raise AgiProtocolError(f"unexpected line from Asterisk: {line[:80]!r}", reason="unexpected-line")
    code = int(code_match.group(1))
    if code == 100:
        return Trying(line)
    if code == 520:
        return UsageError(line)
    match = _REPLY_RE.match(line)
    if match is None:
        return _loose_reply(code, line)
    endpos = match.group("endpos")
    return Reply(code, match.group("result"), match.group("data"), None if endpos is None else int(endpos), line)


def _loose_reply(code: int, line: str) -> Reply:
    """A reply with a code but not the usual shape (e.g. ``510 Invalid or unknown command``)."""
    result = _LOOSE_RESULT_RE.search(line)
    return Reply(code, result.group(1) if result else "", None, None, line)
