"""Our own FastAGI layer: sans-IO framing, the per-call session API and the TCP server."""

from cti.agi.channel import AgiChannel
from cti.agi.errors import (
    AgiCommandError,
    AgiCommandTimeout,
    AgiError,
    AgiProtocolError,
    AgiSessionClosed,
    CallerHungUp,
    UnsafeValueError,
)
from cti.agi.events import HangupNotice, Reply, ReplyEvent, Trying, UsageError
from cti.agi.protocol import ReplyParser, RequestParser, parse_reply_line
from cti.agi.quoting import format_command, quote
from cti.agi.server import FastAgiServer, Handler
from cti.agi.session import CallSession, DialOutcome

__all__ = [
    "AgiChannel",
    "AgiCommandError",
    "AgiCommandTimeout",
    "AgiError",
    "AgiProtocolError",
    "AgiSessionClosed",
    "CallSession",
    "CallerHungUp",
    "DialOutcome",
    "FastAgiServer",
    "Handler",
    "HangupNotice",
    "Reply",
    "ReplyEvent",
    "ReplyParser",
    "RequestParser",
    "Trying",
    "UnsafeValueError",
    "UsageError",
    "format_command",
    "parse_reply_line",
    "quote",
]
