"""QA figures per agent, queue or week from stored evaluations, pure.

Which evaluations count: a call may be scored again (a reviewer corrects a mistake, a second
reviewer calibrates): the LATEST evaluation of each (call, reviewer) pair counts, earlier ones of
the same pair are superseded. Two reviewers scoring the same call both count.

Per group:
- ``evaluations``   evaluations that count
- ``calls``         distinct calls among them
- ``mean_score``    mean of the overall scores, auto-failed ones counted as 0
- ``auto_fail_pct`` share of evaluations that auto-failed, 0..100
- ``min_score`` / ``max_score``
- ``<section>``     mean of that section's score over the evaluations where it was not all-na
                    (as answered, also in auto-failed evaluations)
The last row, key ``ALL``, is every evaluation together. Means are rounded to 1 decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from acd.qa_sample import week_of

GROUPINGS: Final = ("agent", "queue", "week")
TOTAL: Final = "ALL"


@dataclass(frozen=True, slots=True)
class Evaluated:
    """One stored evaluation with the start of the call it scored."""

    id: int
    call_id: str
    reviewer: str
    agent: str
    queue: str | None
    call_started_at: datetime
    at: datetime
    score: float
    auto_failed: bool
    sections: dict[str, float | None] = field(default_factory=dict)

    def key(self, by: str) -> str:
        if by == "week":
            return week_of(self.call_started_at)
        return (self.agent if by == "agent" else self.queue) or "-"


def latest(rows: Iterable[Evaluated]) -> list[Evaluated]:
    """The latest evaluation of each (call, reviewer), in call order."""
    best: dict[tuple[str, str], Evaluated] = {}
    for row in rows:
        pair = (row.call_id, row.reviewer)
        if pair not in best or (row.at, row.id) > (best[pair].at, best[pair].id):
            best[pair] = row
    return sorted(best.values(), key=lambda r: (r.call_started_at, r.call_id, r.reviewer))


def summarize(rows: Iterable[Evaluated], by: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(one row per group plus the ALL row, the section ids in first-seen order)."""
    if by not in GROUPINGS:
        raise ValueError(f"--by must be one of {GROUPINGS}, got {by!r}")
    counted = latest(rows)
    sections = list(dict.fromkeys(s for r in counted for s in r.sections))
    groups: dict[str, list[Evaluated]] = {}
    for row in counted:
        groups.setdefault(row.key(by), []).append(row)
    out = [_figures(key, group, sections) for key, group in sorted(groups.items())]
    if counted:
        out.append(_figures(TOTAL, counted, sections))
    return out, sections


def _figures(key: str, group: Sequence[Evaluated], sections: list[str]) -> dict[str, Any]:
    scores = [r.score for r in group]
    row: dict[str, Any] = {
        "key": key, "evaluations": len(group), "calls": len({r.call_id for r in group}),
        "mean_score": _mean(scores), "auto_fail_pct": _mean([100.0 if r.auto_failed else 0.0 for r in group]),
        "min_score": min(scores), "max_score": max(scores)}
    for section in sections:
        row[section] = _mean([v for r in group if (v := r.sections.get(section)) is not None])
    return row


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
