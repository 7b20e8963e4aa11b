"""panoramisk's AMI protocol, fixed to decode whole messages.

panoramisk decodes every TCP chunk on its own with errors='ignore', so a UTF-8 character split
across two reads (a Chinese caller name) silently loses bytes. We buffer bytes, cut at the blank
line that ends an AMI message, and decode each complete message once. The rest of panoramisk's
machinery (ActionID correlation, multi-message responses) is kept.
"""

from __future__ import annotations

import logging
from collections import deque

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

log = logging.getLogger("hotline.ami")

SEPARATOR = b"\r\n\r\n"
BANNER = b"Asterisk Call Manager/"
MAX_BUFFER = 4 * 1024 * 1024


class WholeMessageProtocol(AMIProtocol):
    """AMIProtocol that frames on bytes before decoding."""

    def connection_made(self, transport):
        super().connection_made(transport)
        self._buffer = bytearray()
        self.queue = deque()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > MAX_BUFFER:
            log.error("AMI peer sent %d bytes without a message end; dropping the link", len(self._buffer))
            self.transport.abort()
            return
        for raw in self._take_messages():
            self._handle_raw(raw)

    def _take_messages(self) -> list[bytes]:
        if self.version is None and self._buffer.startswith(BANNER):
            line, sep, rest = bytes(self._buffer).partition(b"\r\n")
            if not sep:
                return []
            self.version = line[len(BANNER):].decode("ascii", "replace").strip()
            self._buffer = bytearray(rest)
        *complete, tail = bytes(self._buffer).split(SEPARATOR)
        self._buffer = bytearray(tail)
        return complete

    def _handle_raw(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            return
        try:
            message = Message.from_line(text)
        except ValueError:
            log.warning("malformed AMI message ignored: %.200r", text)
            return
        if message is None:
            return
        try:
            self.handle_message(message)
        except Exception:  # a panoramisk bug must not take the link down (the action then times out)
            log.exception("AMI message could not be handled and was dropped: %.200r", text)
