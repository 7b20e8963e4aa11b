"""``config/shifts.yaml``: who is scheduled when, expanded to agents per interval.

A shift is a block of agents on given weekdays from ``start`` to ``end`` (local wall time,
``HH:MM``; an ``end`` at or before ``start`` runs past midnight into the next day) for some
queues. An agent on a shift of several queues counts as ``1/len(queues)`` of an agent in each:
a plain split of his time, which is what the Erlang figures per queue can be compared with.
A slot partly covered (a shift starting at 08:10) counts the covered fraction.

Loaded through `common.yamlconf` so every problem reads ``file:line:col: what; fix``; the queue
names are checked against the ACD's (passed in, so this module does not read acd.yaml).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from common.configissues import issue
from common.yamlconf import ConfigError, ConfigIssue, Marks, Position, load_yaml_with_marks, validate

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShiftConfig(_Model):
    name: Name
    days: Annotated[list[Day], Field(min_length=1)]
    start: Clock
    end: Clock
    agents: Annotated[int, Field(ge=0)]
    queues: Annotated[list[Name], Field(min_length=1)]


class ShiftsConfig(_Model):
    shifts: list[ShiftConfig]


@dataclass(frozen=True)
class Shift:
    name: str
    weekdays: frozenset[int]  # 0 = Monday
    start_min: int  # minutes after midnight
    end_min: int  # may exceed 1440: past midnight
    agents: int
    queues: tuple[str, ...]


def load_shifts(path: str | Path, known_queues: Collection[str] | None = None) -> list[Shift]:
    """Shifts from ``path``, or ConfigError listing every problem with its line."""
    config = validate(path, ShiftsConfig)
    _, marks = load_yaml_with_marks(path)
    issues = shift_issues(config, str(path), marks, known_queues)
    if issues:
        raise ConfigError(issues)
    return [_shift(s) for s in config.shifts]


def shift_issues(config: ShiftsConfig, file: str, marks: Marks,
                 known_queues: Collection[str] | None) -> list[ConfigIssue]:
    issues, seen = [], {}
    for i, s in enumerate(config.shifts):
        if s.start == s.end:
            issues.append(_at(file, marks, ("shifts", i, "end"), f"shift {s.name!r} starts and ends at {s.start}",
                              "give an end time after the start (an earlier end runs past midnight)"))
        if s.name in seen:
            issues.append(_at(file, marks, ("shifts", i, "name"), f"shift name {s.name!r} is used twice "
                              f"(first as shift {seen[s.name] + 1})", "give each shift its own name"))
        seen.setdefault(s.name, i)
        for j, q in enumerate(s.queues if known_queues is not None else ()):
            if q not in known_queues:
                issues.append(_at(file, marks, ("shifts", i, "queues", j), f"unknown queue {q!r}",
                                  _suggest(q, known_queues)))
    return issues


def _suggest(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "use a queue of acd.yaml: " + ", ".join(sorted(known))


def _at(file: str, marks: Marks, path: tuple, message: str, hint: str) -> ConfigIssue:
    where = marks.get(path)
    return issue(file, where.value if where else Position(1, 1), message, hint)


def _shift(s: ShiftConfig) -> Shift:
    start, end = _minutes(s.start), _minutes(s.end)
    if end <= start:
        end += 24 * 60
    return Shift(s.name, frozenset(DAYS.index(d) for d in s.days), start, end, s.agents, tuple(s.queues))


def _minutes(clock: str) -> int:
    h, m = (int(x) for x in clock.split(":"))
    return h * 60 + m


def scheduled(shifts: list[Shift], day: date, queue: str, slot_min: int = 15) -> list[float]:
    """Agents scheduled for `queue` in each slot of local `day` (overnight shifts of the day before count)."""
    slots = [0.0] * (24 * 60 // slot_min)
    for shift in shifts:
        if queue not in shift.queues:
            continue
        share = shift.agents / len(shift.queues)
        for offset, weekday in ((0, day.weekday()), (-24 * 60, (day - timedelta(days=1)).weekday())):
            if weekday in shift.weekdays:
                _add(slots, shift.start_min + offset, shift.end_min + offset, share, slot_min)
    return slots


def _add(slots: list[float], start: int, end: int, share: float, slot_min: int) -> None:
    for k in range(len(slots)):
        lo, hi = k * slot_min, (k + 1) * slot_min
        covered = min(hi, end) - max(lo, start)
        if covered > 0:
            slots[k] += share * covered / slot_min
