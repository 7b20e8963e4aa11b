"""The router's indexes: who qualifies where, waiting lines, ready-agent heaps and timers.

Theory of operation: qualification is decided once per configuration, not per call. For every
queue ``q`` and escalation level ``k`` (0 = base requirements, ``k`` = after ``k`` steps) the set
of agent ids that qualify is computed from an inverted skill index; escalation only widens, so
``qualified(q, k) ⊆ qualified(q, k+1)``. Every waiting task sits in exactly one *line* keyed
``(queue, level, language)`` ("" when the queue does not route by language), sorted by
`task_key`. Every READY agent has one entry in the *ready heap* of each line key he could
serve. So both events touch only the few lines/heaps of one queue or one agent.

Lines are sorted Python lists (bisect): insert/remove are a memmove, fast at 10k entries, and
they give a caller's position by bisection. Heaps use lazy deletion: an entry carries the
agent's ready token and is discarded when popped if the agent has since left READY.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from acd.models import Agent, QueueSpec, Task

LineKey = tuple[str, int, str]  # (queue, level, language or "")
QualKey = tuple[str, int]  # (queue, level)
TaskKey = tuple[int, int, float, int]


def task_key(task: Task) -> TaskKey:
    """Routing order: priority desc, requeued first within a priority, then oldest, then arrival."""
    return (-task.priority, 0 if task.requeued else 1, task.enqueued_at, task.seq)


def level_due(spec: QueueSpec, elapsed: float) -> int:
    """How many escalation steps apply after ``elapsed`` seconds of waiting."""
    level = 0
    while level < len(spec.escalation) and spec.escalation[level].after_s <= elapsed:
        level += 1
    return level


# ---------------------------------------------------------------- qualification


def qualified_sets(queues: Mapping[str, QueueSpec], agents: Mapping[str, Agent]) -> dict[QualKey, frozenset[str]]:
    """Agent ids qualifying for every (queue, level); cost ~ sum of the candidates of each rule."""
    by_skill: dict[str, dict[str, int]] = {}
    for agent in agents.values():
        for skill, level in agent.skills.items():
            by_skill.setdefault(skill, {})[agent.id] = level
    everyone = frozenset(agents)
    base = {name: _meets_all(spec.skills, 0, by_skill, everyone) for name, spec in queues.items()}
    sets: dict[QualKey, frozenset[str]] = {}
    for name, spec in queues.items():
        sets[name, 0] = base[name]
        relax, alternatives, wider = 0, {}, set()
        for k, step in enumerate(spec.escalation, 1):
            relax += step.relax_levels
            alternatives.update(step.add_skills)
            wider.update(step.add_queues)
            found = set(_meets_all(spec.skills, relax, by_skill, everyone)) | sets[name, k - 1]
            for skill, level in alternatives.items():
                found.update(a for a, have in by_skill.get(skill, {}).items() if have >= level)
            for other in wider:
                found.update(base.get(other, ()))
            sets[name, k] = frozenset(found)
    return sets


def _meets_all(required: Mapping[str, int], relax: int, by_skill: dict[str, dict[str, int]],
               everyone: frozenset[str]) -> frozenset[str]:
    if not required:
        return everyone
    need = {skill: max(1, level - relax) for skill, level in required.items()}
    rarest = min(need, key=lambda s: len(by_skill.get(s, ())))
    holders = by_skill.get(rarest, {})
    return frozenset(a for a in holders
                     if all(by_skill.get(s, {}).get(a, 0) >= lvl for s, lvl in need.items()))


def quals_by_agent(sets: Mapping[QualKey, frozenset[str]]) -> dict[str, list[QualKey]]:
    out: dict[str, list[QualKey]] = {}
    for key, ids in sets.items():
        for agent_id in ids:
            out.setdefault(agent_id, []).append(key)
    return out


# ---------------------------------------------------------------- waiting lines


class Lines:
    """Waiting tasks per line key, each line sorted by `task_key`; per-queue line lists."""

    def __init__(self) -> None:
        self._lines: dict[LineKey, list[tuple[TaskKey, str]]] = {}
        self._of_queue: dict[str, set[LineKey]] = {}
        self._where: dict[str, tuple[LineKey, TaskKey]] = {}
        self._count: dict[str, int] = {}

    def __contains__(self, task_id: str) -> bool:
        return task_id in self._where

    def add(self, line: LineKey, task: Task) -> None:
        key = task_key(task)
        insort(self._lines.setdefault(line, []), (key, task.id))
        self._of_queue.setdefault(line[0], set()).add(line)
        self._where[task.id] = (line, key)
        self._count[line[0]] = self._count.get(line[0], 0) + 1

    def remove(self, task_id: str) -> LineKey | None:
        found = self._where.pop(task_id, None)
        if found is None:
            return None
        line, key = found
        entries = self._lines[line]
        del entries[bisect_left(entries, (key, task_id))]
        self._count[line[0]] -= 1
        return line

    def head(self, line: LineKey) -> tuple[TaskKey, str] | None:
        entries = self._lines.get(line)
        return entries[0] if entries else None

    def line_of(self, task_id: str) -> LineKey | None:
        found = self._where.get(task_id)
        return found[0] if found else None

    def count(self, queue: str) -> int:
        return self._count.get(queue, 0)

    def position(self, task_id: str) -> int:
        """1-based rank among every waiting task of the task's queue; 0 when not waiting."""
        found = self._where.get(task_id)
        if found is None:
            return 0
        (queue, _, _), key = found
        probe = (key, task_id)
        return 1 + sum(bisect_left(self._lines[line], probe) for line in self._of_queue[queue])

    def task_ids(self, queue: str) -> Iterator[str]:
        """Every waiting task id of ``queue`` (O(queue length): for stats and listings)."""
        for line in self._of_queue.get(queue, ()):
            yield from (task_id for _, task_id in self._lines[line])

    def ids_in(self, line: LineKey) -> list[str]:
        return [task_id for _, task_id in self._lines.get(line, ())]

    def lines_of(self, queue: str) -> list[LineKey]:
        return sorted(self._of_queue.get(queue, ()))

    def all_task_ids(self) -> list[str]:
        return list(self._where)


# ---------------------------------------------------------------- ready agents


class ReadyHeap:
    """READY agents able to serve one line, best first by the queue's strategy key.

    ``valid(agent_id, token)`` says whether an entry is still live (agent READY since the push).
    """

    def __init__(self, capacity: int, valid: Callable[[str, int], bool]) -> None:
        self._heap: list[tuple[Any, int, str]] = []
        self._capacity = capacity  # qualified agents: bounds the live entries
        self._valid = valid

    def push(self, key: Any, token: int, agent_id: str) -> None:
        heapq.heappush(self._heap, (key, token, agent_id))
        if len(self._heap) > 2 * self._capacity + 64:
            self._heap = [e for e in self._heap if self._valid(e[2], e[1])]
            heapq.heapify(self._heap)

    def best(self) -> str | None:
        """The best live agent (not removed), dropping dead entries on the way."""
        top = self.peek()
        return top[1] if top else None

    def peek(self) -> tuple[Any, str] | None:
        """(strategy key, agent id) of the best live agent, to compare heaps of several nodes."""
        while self._heap:
            key, token, agent_id = self._heap[0]
            if self._valid(agent_id, token):
                return key, agent_id
            heapq.heappop(self._heap)
        return None

    def __len__(self) -> int:
        return len(self._heap)


# ---------------------------------------------------------------- timers


class Timers:
    """One heap of deadlines; each entry is re-validated by its owner when it fires."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, str, Any]] = []
        self._seq = itertools.count()

    def add(self, due: float, kind: str, ident: str, token: Any = None) -> None:
        heapq.heappush(self._heap, (due, next(self._seq), kind, ident, token))

    def pop_due(self, now: float) -> Iterator[tuple[float, str, str, Any]]:
        while self._heap and self._heap[0][0] <= now:
            due, _, kind, ident, token = heapq.heappop(self._heap)
            yield due, kind, ident, token

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def clear(self) -> None:
        self._heap.clear()

    def extend(self, entries: Iterable[tuple[float, str, str, Any]]) -> None:
        for due, kind, ident, token in entries:
            self.add(due, kind, ident, token)
