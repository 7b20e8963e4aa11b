"""Errors of the FastAGI layer.

Each class carries a stable ``error_id`` slug that logs and CTI error events reuse.
"The peer broke the protocol" (:class:`AgiProtocolError`) is kept apart from
"we sent something Asterisk refused" (:class:`AgiCommandError`), as h11 keeps its
remote and local protocol errors apart: the first is Asterisk's (or a port
scanner's) fault, the second is a bug on our side.
"""

from __future__ import annotations

from common import safety


class AgiError(Exception):
    """Base of every FastAGI error; ``error_id`` is a stable slug."""

    error_id = "agi-error"

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class AgiProtocolError(AgiError):
    """The peer sent bytes that are not FastAGI (bad header, line over cap, unknown reply).

    ``reason`` narrows it down: ``line-too-long``, ``block-too-large``,
    ``malformed-header``, ``empty-header``, ``unexpected-line``, ``eof-in-header``.
    """

    error_id = "agi-protocol-error"


class AgiCommandError(AgiError):
    """Asterisk refused a command we sent (510 unknown, 511 dead channel, 520 usage, EXEC -2).

    This is our bug (or a wrong application name), not the caller's doing.
    """

    error_id = "agi-command-rejected"

    def __init__(self, message: str, *, code: int, raw: str, reason: str = "") -> None:
        super().__init__(message, reason=reason)
        self.code = code
        self.raw = raw


class AgiCommandTimeout(AgiError, TimeoutError):
    """A command got no final reply in time; the session is unusable afterwards.

    Asterisk may still be running the command and would answer later, which would
    shift every following reply, so the session closes its socket instead of guessing.
    """

    error_id = "agi-command-timeout"


class AgiSessionClosed(AgiError):
    """A command was issued on a session already broken by a timeout or protocol error."""

    error_id = "agi-session-closed"


class CallerHungUp(AgiError):
    """The caller left (HANGUP notice, ``result=-1`` on a media command, or EOF).

    Raised from the command that noticed it and from every later command; ending a
    handler with it is normal and the server logs it at INFO without a traceback.
    """

    error_id = "agi-caller-hung-up"


class UnsafeValueError(AgiError, safety.UnsafeValueError):
    """A value cannot become part of an AGI command (control characters, oversize, bad charset).

    Caller-controlled values (caller ID, digits, variables) are data, never command text:
    a newline inside one would smuggle in a second AGI command.
    """

    error_id = "agi-unsafe-value"
