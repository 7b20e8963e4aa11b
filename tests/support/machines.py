"""Checks every state-machine table must pass (h2's tests/test_state_machines.py in spirit).

Each machine module has StrEnum states and events, one ``TRANSITIONS`` dict and a
``step(subject, state, event)`` that returns the table's target or raises its typed error.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

import pytest

Table = Mapping[tuple[Any, Any], Any]


def all_pairs(states: Iterable[StrEnum], events: Iterable[StrEnum]) -> list[tuple[StrEnum, StrEnum]]:
    return list(itertools.product(states, events))


def check_pair(step: Callable, table: Table, error: type[Exception], error_id: str,
               state: StrEnum, event: StrEnum) -> None:
    """One (state, event): the table's target, or the typed error naming both."""
    if (state, event) in table:
        assert step("x1", state, event) is table[state, event]
    else:
        with pytest.raises(error) as info:
            step("x1", state, event)
        assert info.value.error_id == error_id
        assert (info.value.state, info.value.event) == (state, event)
        assert state.value in str(info.value) and event.value in str(info.value)


def reachable(table: Table, start: StrEnum) -> set[StrEnum]:
    """States reachable from ``start`` through the table."""
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (src, _), dst in table.items():
            if src is state and dst not in seen:
                seen.add(dst)
                todo.append(dst)
    return seen


def exits(table: Table, state: StrEnum) -> set[StrEnum]:
    """States other than itself that ``state`` can move to."""
    return {dst for (src, _), dst in table.items() if src is state and dst is not state}


def walk(step: Callable, table: Table, error: type[Exception], start: StrEnum,
         events: Iterable[StrEnum]) -> list[StrEnum]:
    """Feed ``events`` from ``start``: legal ones follow the table, others raise and change nothing."""
    state, path = start, [start]
    for event in events:
        try:
            state = step("x1", state, event)
        except error:
            assert (state, event) not in table
        else:
            assert table[path[-1], event] is state
        path.append(state)
    return path
