"""Which calls a QA reviewer listens to in an ISO week (抽检), pure.

Theory of operation. Three reasons pick a call (a call can have several):

- ``random``: per agent, N of the calls the agent answered that week. "Random" is a keyed hash:
  each call gets the rank ``sha256(seed + ":" + call id)`` and the agent's N lowest ranks are
  picked. The same seed gives the same list on any machine, SQLite or PostgreSQL, whatever order
  the rows arrive in, and a late CDR can only take a place if it out-ranks one already picked. The
  default seed is the week itself (``2026-W48``), so two supervisors get the same list; a
  ``--seed`` gives another draw. Only N ranks per agent are kept, so the calls can be fed a day
  at a time (memory: agents x N plus one day's ids, whatever the number of calls).
- ``complaint``: the call's disposition is a complaint (the CDR's, or the agent's disposition code
  in the queue log), or a case was opened on it (case_call role ``opened_on``).
- ``low_survey``: the caller gave a post-call survey answer at or below the threshold (<= 2 of 5
  by default).

Only calls an agent answered are listed (QA scores an agent's handling: a call with no agent
cannot be scored). The week is Monday 00:00 to Monday 00:00 UTC, by the call's start.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

RANDOM: Final = "random"
COMPLAINT: Final = "complaint"
LOW_SURVEY: Final = "low_survey"
REASONS: Final = (RANDOM, COMPLAINT, LOW_SURVEY)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(text: str) -> tuple[datetime, datetime]:
    """``2026-W48`` -> [Monday 00:00 UTC, next Monday 00:00 UTC); ValueError with the fix."""
    match = _WEEK.match(text.strip())
    try:
        if match is None:
            raise ValueError
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week; write e.g. 2026-W48 (weeks 01..52 or 53)") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(days=7)


def week_of(moment: datetime) -> str:
    """The ISO week (``2026-W48``) of a moment, in UTC."""
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def rank(seed: str, call_id: str) -> str:
    return hashlib.sha256(f"{seed}:{call_id}".encode()).hexdigest()


class RandomSample:
    """Keeps, per agent, the ``per_agent`` calls of lowest rank among those fed to it."""

    def __init__(self, seed: str, per_agent: int) -> None:
        if per_agent < 0:
            raise ValueError("per_agent must be >= 0")
        self.seed, self.per_agent = seed, per_agent
        self._heaps: dict[str, list[tuple[str, str]]] = {}  # agent -> max-heap of (negated rank, call)

    def feed(self, agent: str, call_id: str) -> None:
        heap = self._heaps.setdefault(agent, [])
        if self.per_agent == 0:
            return
        key = (_negate(rank(self.seed, call_id)), call_id)
        if len(heap) < self.per_agent:
            heapq.heappush(heap, key)
        elif key > heap[0]:  # a lower rank than the worst kept
            heapq.heapreplace(heap, key)

    def picked(self) -> dict[str, list[str]]:
        """agent -> call ids, best rank first."""
        return {agent: [call for _, call in sorted(heap, reverse=True)] for agent, heap in sorted(self._heaps.items())}


def _negate(hexdigest: str) -> str:
    """A string that sorts in the opposite order (hex digits only), for a max-heap of ranks."""
    return hexdigest.translate(_FLIP)


_FLIP = str.maketrans("0123456789abcdef", "fedcba9876543210")


@dataclass(frozen=True, slots=True)
class Pick:
    """One call to review, with every reason it was picked."""

    call_id: str
    agent: str
    queue: str | None
    started_at: datetime
    talk_s: float | None
    reasons: tuple[str, ...]
    recordings: tuple[str, ...] = ()  # paths of the call's recording files found ok, part order
    evaluated: bool = False
    survey_score: int | None = None


def merge_reasons(found: dict[str, set[str]], reason: str, call_ids: list[str] | set[str]) -> None:
    for call_id in call_ids:
        found.setdefault(call_id, set()).add(reason)


def ordered_reasons(reasons: set[str]) -> tuple[str, ...]:
    return tuple(r for r in REASONS if r in reasons)
