"""Browser sessions and the login rate limit (pure: time is injected, no I/O).

Sessions live in the engine's memory, keyed by a random 256-bit token that travels only in an
HttpOnly, SameSite=Strict cookie; each has its own CSRF token, which the page reads from
``/api/me`` and sends back in ``X-CSRF-Token`` on every state-changing request. Server-side
sessions (rather than signed cookies) make logout and a password change take effect at once;
an engine restart logs everyone out, which a desk survives by showing the login form again.

The limiter counts failed logins per user id and per client address over a sliding window;
past the limit, logins from that address or for that user are refused (HTTP 429, with
Retry-After) until the oldest failure leaves the window — even with the right password, so
guessing cannot continue by accident of a lucky hit.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from cti.web.users import User


@dataclass
class Session:
    token: str
    user: User
    csrf: str
    expires_at: float


@dataclass
class Sessions:
    ttl_s: float
    clock: Callable[[], float]
    _by_token: dict[str, Session] = field(default_factory=dict)

    def open(self, user: User) -> Session:
        self._purge()
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(24), self.clock() + self.ttl_s)
        self._by_token[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        session = self._by_token.get(token or "")
        if session is None or session.expires_at <= self.clock():
            return None
        return session

    def close(self, token: str | None) -> None:
        self._by_token.pop(token or "", None)

    def close_user(self, user_id: str) -> None:
        """Every session of a user (password changed or user removed)."""
        for token in [t for t, s in self._by_token.items() if s.user.id == user_id]:
            del self._by_token[token]

    def _purge(self) -> None:
        now = self.clock()
        for token in [t for t, s in self._by_token.items() if s.expires_at <= now]:
            del self._by_token[token]


class LoginLimiter:
    """At most ``attempts`` failures per user id and per address within ``window_s``."""

    def __init__(self, attempts: int, window_s: float, clock: Callable[[], float]) -> None:
        self.attempts, self.window_s, self.clock = attempts, window_s, clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, user_id: str, address: str) -> float:
        """Seconds until a login may be tried again; 0 when it may now."""
        now = self.clock()
        waits = [self._wait(key, now) for key in (f"user:{user_id}", f"addr:{address}")]
        return max(waits)

    def failed(self, user_id: str, address: str) -> None:
        now = self.clock()
        for key in (f"user:{user_id}", f"addr:{address}"):
            self._failures.setdefault(key, deque()).append(now)
            self._expire(key, now)

    def succeeded(self, user_id: str) -> None:
        self._failures.pop(f"user:{user_id}", None)

    def _wait(self, key: str, now: float) -> float:
        self._expire(key, now)
        failures = self._failures.get(key)
        if not failures or len(failures) < self.attempts:
            return 0.0
        return max(0.0, failures[-self.attempts] + self.window_s - now)

    def _expire(self, key: str, now: float) -> None:
        failures = self._failures.get(key)
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if failures is not None and not failures:
            del self._failures[key]
