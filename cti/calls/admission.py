"""Admission of new inbound calls: what the engine takes on when more calls come than it can carry.

Theory of operation: two limits, each off when 0. `max_calls` bounds the inbound calls being
served at once (IVR, queue wait, talk): a call over it is refused. `max_new_per_s` bounds how fast
new calls are taken on, as a token bucket holding up to `burst` tokens that refills at that rate:
a call finding no token is refused. A refused call costs the engine no AGI command: its FastAGI
socket is closed at once, the dialplan finds HOTLINE_DONE unset and plays its fallback
(announcement, then Asterisk's own queue), and the call gets a CDR with disposition `refused`.
Calls already admitted are never touched, so under overload they go on as before while the
excess is turned away within one FastAGI connect.

Pure: time is passed in (`now`, monotonic seconds); no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Refusal(StrEnum):
    MAX_CALLS = "max_calls"
    RATE = "max_new_calls_per_s"


@dataclass(frozen=True)
class AdmissionLimits:
    max_calls: int = 0  # inbound calls served at once; 0: no limit
    max_new_per_s: float = 0.0  # new inbound calls a second, on average; 0: no limit
    burst: int = 0  # new calls taken on at once after a quiet spell; 0: one second's worth

    @property
    def bucket_size(self) -> float:
        return float(self.burst or max(1.0, self.max_new_per_s))


class Admission:
    """Decides, call by call, whether a new inbound call is served or refused."""

    def __init__(self, limits: AdmissionLimits) -> None:
        self.limits = limits
        self._tokens = limits.bucket_size
        self._last: float | None = None
        self.refused: dict[Refusal, int] = {reason: 0 for reason in Refusal}

    def decide(self, active: int, now: float) -> Refusal | None:
        """None: serve the call (and count it against the rate); else why it is refused.

        `active`: inbound calls being served right now, this one not included.
        """
        self._refill(now)
        if self.limits.max_calls and active >= self.limits.max_calls:
            return self._refuse(Refusal.MAX_CALLS)
        if self.limits.max_new_per_s:
            if self._tokens < 1.0:
                return self._refuse(Refusal.RATE)
            self._tokens -= 1.0
        return None

    def _refill(self, now: float) -> None:
        if self._last is not None and now > self._last:
            self._tokens = min(self.limits.bucket_size, self._tokens + (now - self._last) * self.limits.max_new_per_s)
        self._last = now if self._last is None else max(self._last, now)

    def _refuse(self, reason: Refusal) -> Refusal:
        self.refused[reason] += 1
        return reason
