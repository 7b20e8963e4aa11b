"""A clock that moves only when a test (or a fake) advances it.

One object serves both kinds of time the engine injects: called, it is the monotonic seconds
the ACD and the dialer count with (`clock=`); `wall()` is the matching UTC datetime for code
that stamps records or checks call windows (`wall=`, `now=`). `at`/`after` schedule a
callback at a clock time, so "the agent gets ready 12 s into the wait" is stated as data and
happens while a fake call session advances the clock, never by sleeping.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

# A Tuesday, 10:00 in Shanghai (02:00 UTC): inside every default call window.
WALL_START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: float = 100.0, wall_start: datetime = WALL_START) -> None:
        self.now = start
        self._start, self._wall_start = start, wall_start
        self._due: list[tuple[float, int, Callable[[], object]]] = []
        self._seq = count()

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self._wall_start + timedelta(seconds=self.now - self._start)

    def at(self, when: float, action: Callable[[], object]) -> None:
        """Run `action` once the clock reaches `when` (seconds on this clock)."""
        heapq.heappush(self._due, (when, next(self._seq), action))

    def after(self, delay: float, action: Callable[[], object]) -> None:
        self.at(self.now + delay, action)

    def advance(self, seconds: float) -> None:
        """Move time on; due callbacks run in time order, each with the clock at its own time."""
        end = self.now + seconds
        while self._due and self._due[0][0] <= end:
            when, _, action = heapq.heappop(self._due)
            self.now = max(self.now, when)
            action()
        self.now = end
