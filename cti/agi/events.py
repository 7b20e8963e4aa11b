"""Events the reply parser turns Asterisk's FastAGI lines into.

Frozen dataclasses so the session matches on types, never on raw text; the raw
line is kept for logs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reply:
    """A final reply such as ``200 result=1 (value) endpos=1234`` (also 510/511)."""

    code: int
    result: str
    data: str | None
    endpos: int | None
    raw: str

    @property
    def result_int(self) -> int | None:
        """The result as an integer, or None when it is empty or not numeric."""
        try:
            return int(self.result)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class HangupNotice:
    """The unsolicited ``HANGUP`` line: the channel is gone, a reply may still follow."""


@dataclass(frozen=True, slots=True)
class Trying:
    """``100 result=0 Trying...``: an interim line, the final reply comes later."""

    raw: str = "100 result=0 Trying..."


@dataclass(frozen=True, slots=True)
class UsageError:
    """A ``520`` reply (one line, or the ``520-`` ... ``520 End of proper usage.`` block)."""

    text: str


ReplyEvent = Reply | HangupNotice | Trying | UsageError
